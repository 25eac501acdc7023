/**
 * Who gets what, as people set it: a person's e-mail address and the kinds of notice they want by
 * e-mail (the person or an admin sets them), and a site's chat webhooks (an admin or an OT owner of
 * the site adds and removes them). Input is parsed here and refused with a message naming the
 * problem, changing nothing; every change is audited in the transaction that makes it
 * (`notify.settings`, `notify.webhook`).
 *
 * A webhook URL is a credential of the chat tool (whoever holds it can post), so it is written
 * once and then only shown, logged and audited by host. Plain `http:` is refused except to
 * loopback (a local relay on the appliance).
 */
import { z } from 'zod';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import {
  WEBHOOK_FORMATS,
  type NotifyStore,
  type User,
  type UserStore,
  type WebhookFormat,
} from '../store/store.js';
import { isEmailKind } from './audiences.js';

type Actor = Pick<User, 'id' | 'name' | 'roles'>;

export interface NotifySettingsDeps {
  readonly store: NotifyStore;
  readonly users: Pick<UserStore, 'getByName'>;
  readonly sites: { get(id: string): unknown };
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/** A site webhook as people see it: the host, never the URL. */
export interface WebhookView {
  readonly id: string;
  readonly host: string;
  readonly format: WebhookFormat;
  readonly createdBy: string;
  readonly createdAt: number;
}

const isAdmin = (a: Actor): boolean => a.roles.some((r) => r.role === 'admin');
const ownsSite = (a: Actor, site: string): boolean =>
  a.roles.some((r) => r.role === 'ot-owner' && r.site === site);

export const emailSettingsSchema = z.strictObject({
  email: z
    .union([z.literal(''), z.email({ message: 'email: not an e-mail address' }).max(254)])
    .transform((v) => (v === '' ? null : v.toLowerCase())),
  kinds: z
    .array(z.string())
    .max(20)
    .refine((ks) => ks.every(isEmailKind), { message: 'kinds: unknown kind of notice' })
    .transform((ks) => [...new Set(ks)]),
});
export type EmailSettingsInput = z.input<typeof emailSettingsSchema>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
export const webhookInputSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, message: 'url: not an http(s) URL' })
    .max(2000)
    .refine(
      (u) => {
        const url = new URL(u);
        return url.protocol === 'https:' || LOOPBACK.has(url.hostname);
      },
      { message: 'url: must be https (plain http only to this machine)' },
    ),
  format: z.enum(WEBHOOK_FORMATS, { message: 'format: one of generic, slack, teams' }),
});

const firstIssue = (e: z.ZodError): string => e.issues[0]?.message ?? 'invalid input';

export class NotifySettings {
  constructor(private readonly deps: NotifySettingsDeps) {}

  /** A person's address and kinds: one's own, or anyone's for an admin. */
  emailOf(actor: Actor, userName: string): { email: string | null; kinds: readonly string[] } {
    const target = this.deps.users.getByName(userName);
    if (target === undefined || (target.id !== actor.id && !isAdmin(actor)))
      throw new AirlockError('not_found', 'user.not_found', `no user ${userName}`);
    const s = this.deps.store.settings(target.id);
    return { email: s.email, kinds: s.emailKinds };
  }

  /** Sets a person's address and kinds: their own, or anyone's for an admin. */
  setEmail(actor: Actor, userName: string, input: unknown): void {
    const target = this.deps.users.getByName(userName);
    if (target === undefined || (target.id !== actor.id && !isAdmin(actor)))
      throw new AirlockError('not_found', 'user.not_found', `no user ${userName}`);
    this.apply(actor.name, target, input);
  }

  /** The same from the appliance's CLI (`user-email`), audited with the operator as actor. */
  setEmailByOperator(cliActor: string, userName: string, input: unknown): void {
    const target = this.deps.users.getByName(userName);
    if (target === undefined)
      throw new AirlockError('not_found', 'user.not_found', `no user ${userName}`);
    this.apply(cliActor, target, input);
  }

  private apply(actorName: string, target: Pick<User, 'id' | 'name'>, input: unknown): void {
    const { deps } = this;
    const parsed = emailSettingsSchema.safeParse(input);
    if (!parsed.success)
      throw new AirlockError('bad_request', 'notify.bad_settings', firstIssue(parsed.error));
    const { email, kinds } = parsed.data;
    const before = deps.store.settings(target.id);
    deps.store.atomically(() => {
      deps.store.putSettings(target.id, { email, emailKinds: kinds }, actorName, deps.clock.now());
      deps.audit.append({
        action: 'notify.settings',
        actor: actorName,
        target: target.name,
        outcome: 'success',
        details: {
          email,
          kinds,
          previous: { email: before.email, kinds: before.emailKinds },
        },
      });
    });
  }

  webhooks(actor: Actor, site: string): WebhookView[] {
    this.mayManage(actor, site);
    return this.deps.store.webhooks(site).map((h) => ({
      id: h.id,
      host: new URL(h.url).host,
      format: h.format,
      createdBy: h.createdBy,
      createdAt: h.createdAt,
    }));
  }

  addWebhook(actor: Actor, site: string, input: unknown): WebhookView {
    const { deps } = this;
    this.mayManage(actor, site);
    const parsed = webhookInputSchema.safeParse(input);
    if (!parsed.success)
      throw new AirlockError('bad_request', 'notify.bad_webhook', firstIssue(parsed.error));
    if (deps.store.webhooks(site).length >= 5)
      throw new AirlockError(
        'limit_exceeded',
        'notify.too_many_webhooks',
        `${site} has 5 webhooks already`,
      );
    const hook = {
      id: deps.ids.next('whk'),
      site,
      url: parsed.data.url,
      format: parsed.data.format,
      createdBy: actor.name,
      createdAt: deps.clock.now(),
    };
    const host = new URL(hook.url).host;
    deps.store.atomically(() => {
      deps.store.addWebhook(hook);
      deps.audit.append({
        action: 'notify.webhook',
        actor: actor.name,
        site,
        target: hook.id,
        outcome: 'success',
        details: { change: 'add', host, format: hook.format },
      });
    });
    return {
      id: hook.id,
      host,
      format: hook.format,
      createdBy: actor.name,
      createdAt: hook.createdAt,
    };
  }

  removeWebhook(actor: Actor, site: string, id: string): void {
    const { deps } = this;
    this.mayManage(actor, site);
    deps.store.atomically(() => {
      if (!deps.store.removeWebhook(site, id))
        throw new AirlockError(
          'not_found',
          'notify.webhook_not_found',
          `no webhook ${id} at ${site}`,
        );
      deps.audit.append({
        action: 'notify.webhook',
        actor: actor.name,
        site,
        target: id,
        outcome: 'success',
        details: { change: 'remove' },
      });
    });
  }

  private mayManage(actor: Actor, site: string): void {
    if (this.deps.sites.get(site) === undefined)
      throw new AirlockError('not_found', 'site.not_found', `site ${site} does not exist`);
    if (!isAdmin(actor) && !ownsSite(actor, site))
      throw new AirlockError(
        'access_denied',
        'notify.not_allowed',
        `only an admin or an OT owner of ${site} manages its webhooks`,
      );
  }
}
