/** ITSM rows: each site's ITSM settings, the checks kept with requests, the work notes written. */
import type { Db } from '../../../shared/src/store/open-database.js';

export type OnUnavailable = 'deny' | 'allow-and-flag';

export interface SiteItsmSettings {
  readonly site: string;
  readonly connector: string;
  readonly allowedStates: readonly string[];
  /** Asset name → CI name in the ITSM (an asset not listed is its own CI name). */
  readonly assetCis: Readonly<Record<string, string>>;
  readonly onUnavailable: OnUnavailable;
  readonly workNotes: boolean;
  readonly updatedAt: number;
}

export type ItsmCheckOutcome = 'verified' | 'unverified' | 'refused';

export interface ItsmCheckRow {
  readonly requestId: string;
  readonly stage: 'request' | 'approval';
  readonly connector: string;
  readonly ticket: string;
  readonly outcome: ItsmCheckOutcome;
  readonly reason: string;
  /** The record's key fields as JSON (connector.ts `TicketRecord`), when there was one. */
  readonly record: string | null;
  readonly checkedAt: number;
}

interface SettingsRow {
  site: string;
  connector: string;
  allowed_states: string;
  asset_cis: string;
  on_unavailable: string;
  work_notes: number;
  updated_at: number;
}

export class ItsmStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      settings: db.prepare<[string], SettingsRow>(
        'SELECT * FROM site_itsm_settings WHERE site = ?',
      ),
      putSettings: db.prepare(
        `INSERT INTO site_itsm_settings (site, connector, allowed_states, asset_cis, on_unavailable, work_notes, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (site) DO UPDATE SET connector = excluded.connector, allowed_states = excluded.allowed_states,
           asset_cis = excluded.asset_cis, on_unavailable = excluded.on_unavailable, work_notes = excluded.work_notes,
           updated_at = excluded.updated_at`,
      ),
      deleteSettings: db.prepare('DELETE FROM site_itsm_settings WHERE site = ?'),
      putCheck: db.prepare(
        `INSERT INTO request_itsm_checks (request_id, stage, connector, ticket, outcome, reason, record, checked_at)
         VALUES (@requestId, @stage, @connector, @ticket, @outcome, @reason, @record, @checkedAt)
         ON CONFLICT (request_id, stage) DO UPDATE SET connector = excluded.connector, ticket = excluded.ticket,
           outcome = excluded.outcome, reason = excluded.reason, record = excluded.record, checked_at = excluded.checked_at`,
      ),
      checks: db.prepare<
        [string],
        {
          request_id: string;
          stage: 'request' | 'approval';
          connector: string;
          ticket: string;
          outcome: ItsmCheckOutcome;
          reason: string;
          record: string | null;
          checked_at: number;
        }
      >(
        "SELECT * FROM request_itsm_checks WHERE request_id = ? ORDER BY CASE stage WHEN 'request' THEN 0 ELSE 1 END",
      ),
      claimNote: db.prepare(
        "INSERT OR IGNORE INTO itsm_work_notes (grant_id, ticket, outcome, error, sent_at) VALUES (?, ?, 'failed', 'pending', ?)",
      ),
      finishNote: db.prepare(
        'UPDATE itsm_work_notes SET outcome = ?, error = ?, sent_at = ? WHERE grant_id = ?',
      ),
    };
  }

  settings(site: string): SiteItsmSettings | undefined {
    const r = this.stmts.settings.get(site);
    if (r === undefined) return undefined;
    return {
      site: r.site,
      connector: r.connector,
      allowedStates: JSON.parse(r.allowed_states) as string[],
      assetCis: JSON.parse(r.asset_cis) as Record<string, string>,
      onUnavailable: r.on_unavailable === 'allow-and-flag' ? 'allow-and-flag' : 'deny',
      workNotes: r.work_notes === 1,
      updatedAt: r.updated_at,
    };
  }

  putSettings(s: SiteItsmSettings): void {
    this.stmts.putSettings.run(
      s.site,
      s.connector,
      JSON.stringify(s.allowedStates),
      JSON.stringify(s.assetCis),
      s.onUnavailable,
      s.workNotes ? 1 : 0,
      s.updatedAt,
    );
  }

  deleteSettings(site: string): boolean {
    return this.stmts.deleteSettings.run(site).changes > 0;
  }

  putCheck(c: ItsmCheckRow): void {
    this.stmts.putCheck.run(c);
  }

  checks(requestId: string): ItsmCheckRow[] {
    return this.stmts.checks.all(requestId).map((r) => ({
      requestId: r.request_id,
      stage: r.stage,
      connector: r.connector,
      ticket: r.ticket,
      outcome: r.outcome,
      reason: r.reason,
      record: r.record,
      checkedAt: r.checked_at,
    }));
  }

  /** True the first time for a grant: its work note is this caller's to write. */
  claimWorkNote(grantId: string, ticket: string, now: number): boolean {
    return this.stmts.claimNote.run(grantId, ticket, now).changes > 0;
  }

  finishWorkNote(grantId: string, sent: boolean, error: string | null, now: number): void {
    this.stmts.finishNote.run(sent ? 'sent' : 'failed', error, now, grantId);
  }
}
