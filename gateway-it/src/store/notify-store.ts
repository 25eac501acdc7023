/**
 * Rows for notifications (notify-migrations.ts): people's e-mail addresses and the kinds of
 * notice they want by e-mail, sites' chat webhooks, and the notices that go out once only. What
 * is allowed and who may change it is notify/'s business; this only keeps rows.
 */
import type { Db } from '../../../shared/src/store/open-database.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface UserNotifySettings {
  readonly email: string | null;
  /** Kinds of notice the person wants by e-mail (validated by notify/). */
  readonly emailKinds: readonly string[];
}

export const WEBHOOK_FORMATS = ['generic', 'slack', 'teams'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export interface SiteWebhook {
  readonly id: string;
  readonly site: string;
  readonly url: string;
  readonly format: WebhookFormat;
  readonly createdBy: string;
  readonly createdAt: number;
}

/** An active grant close to its end, with what a notice about it names. */
export interface EndingGrant {
  readonly id: string;
  readonly requestId: string;
  readonly site: string;
  readonly userName: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly breakGlass: boolean;
  readonly assets: readonly { readonly asset: string; readonly profile: string }[];
}

interface SettingsRow {
  email: string | null;
  email_kinds: string;
}

const parseKinds = (text: string): string[] => {
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string') : [];
};

export class NotifyStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      settings: db.prepare<[string], SettingsRow>(
        'SELECT email, email_kinds FROM user_notify_settings WHERE user_id = ?',
      ),
      putSettings: db.prepare<[string, string | null, string, string, number]>(
        `INSERT INTO user_notify_settings (user_id, email, email_kinds, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, email_kinds = excluded.email_kinds,
           updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      ),
      recipients: db.prepare<[string], SettingsRow & { name: string }>(
        `SELECT u.name, s.email, s.email_kinds FROM users u JOIN user_notify_settings s ON s.user_id = u.id
         WHERE u.name = ? AND u.state = 'active' AND s.email IS NOT NULL`,
      ),
      hooks: db.prepare<[string], SiteWebhook>(
        `SELECT id, site, url, format, created_by AS createdBy, created_at AS createdAt
         FROM site_webhooks WHERE site = ? ORDER BY created_at, id`,
      ),
      addHook: db.prepare(
        `INSERT INTO site_webhooks (id, site, url, format, created_by, created_at)
         VALUES (@id, @site, @url, @format, @createdBy, @createdAt)`,
      ),
      removeHook: db.prepare<[string, string]>(
        'DELETE FROM site_webhooks WHERE id = ? AND site = ?',
      ),
      markSent: db.prepare<[string, number]>(
        'INSERT INTO notices_sent (key, sent_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
      ),
      ending: db.prepare<
        [number, number, number],
        {
          id: string;
          request_id: string;
          site: string;
          user_name: string;
          not_before: number;
          not_after: number;
          break_glass: number;
        }
      >(
        `SELECT g.id, g.request_id, g.site, u.name AS user_name, g.not_before, g.not_after, g.break_glass
         FROM grants g JOIN users u ON u.id = g.user_id
         WHERE g.status = 'active' AND g.not_before <= ? AND g.not_after > ? AND g.not_after <= ?
           AND NOT EXISTS (SELECT 1 FROM notices_sent n WHERE n.key = 'grant.ending:' || g.id)
         ORDER BY g.not_after, g.id`,
      ),
      nextEnding: db.prepare<[number], { t: number | null }>(
        `SELECT min(g.not_after) AS t FROM grants g WHERE g.status = 'active' AND g.not_after > ?
           AND NOT EXISTS (SELECT 1 FROM notices_sent n WHERE n.key = 'grant.ending:' || g.id)`,
      ),
      assets: db.prepare<[string], { asset: string; profile: string }>(
        'SELECT asset, profile FROM request_assets WHERE request_id = ? ORDER BY asset',
      ),
    };
  }

  settings(userId: string): UserNotifySettings {
    const r = this.stmts.settings.get(userId);
    return r === undefined
      ? { email: null, emailKinds: [] }
      : { email: r.email, emailKinds: parseKinds(r.email_kinds) };
  }

  putSettings(userId: string, s: UserNotifySettings, by: string, at: number): void {
    this.stmts.putSettings.run(userId, s.email, JSON.stringify(s.emailKinds), by, at);
  }

  /** The address and kinds of an active account that has an address (by user name). */
  recipient(name: string): (UserNotifySettings & { readonly email: string }) | undefined {
    const r = this.stmts.recipients.get(name);
    return r === undefined || r.email === null
      ? undefined
      : { email: r.email, emailKinds: parseKinds(r.email_kinds) };
  }

  webhooks(site: string): SiteWebhook[] {
    return this.stmts.hooks.all(site);
  }

  addWebhook(h: SiteWebhook): void {
    this.stmts.addHook.run(h);
  }

  removeWebhook(site: string, id: string): boolean {
    return this.stmts.removeHook.run(id, site).changes === 1;
  }

  /** Records a once-only notice; false when it was recorded before (do not send again). */
  markSent(key: string, at: number): boolean {
    return this.stmts.markSent.run(key, at).changes === 1;
  }

  /** Active grants that started and end in (now, now + leadMs], not yet told they end. */
  endingGrants(now: number, leadMs: number): EndingGrant[] {
    return this.stmts.ending.all(now, now, now + leadMs).map((r) => ({
      id: r.id,
      requestId: r.request_id,
      site: r.site,
      userName: r.user_name,
      notBefore: r.not_before,
      notAfter: r.not_after,
      breakGlass: r.break_glass === 1,
      assets: this.stmts.assets.all(r.request_id),
    }));
  }

  /** The earliest end of an active grant after `now` not yet told it ends (null: none). */
  nextEnding(now: number): number | null {
    return this.stmts.nextEnding.get(now)?.t ?? null;
  }

  /** Runs fn in one write transaction (writeTransaction: begun IMMEDIATE; nests as a savepoint). */
  atomically<T>(fn: () => T): T {
    return writeTransaction(this.db, fn)();
  }
}
