/**
 * Notifications to people and to the outside (docs/notifications.md). What happens: the access
 * services' announcements (request created, approved, denied, grant revoked, break-glass), OT
 * alerts once ingested, and what this subsystem derives itself: a command line held for review and
 * a playback waiting for a second approver (from their audit events, after commit), and a grant
 * ending soon (grant-ending.ts). Where it goes: the generic signed webhook (config), each site's
 * chat webhooks (generic, Slack or Teams format; site settings), and e-mail through the SMTP relay
 * (config) to each person who has an address and chose that kind (audiences.ts). It also tells
 * the portal's live header when something that waits may have changed (pending-feed.ts).
 *
 * Guarantees: a notification carries names, times and a portal page, never a secret or a link
 * that acts without login; the caller's action is already committed and audited, so sending never
 * fails it (every channel is fire-and-forget, retried, its outcome audited as `notify.send`).
 * Not guaranteed: deliveries still queued at stop are dropped; alerts ingested while no channel was
 * configured are never sent later.
 */
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import type { Clock } from '../../../shared/src/clock.js';
import { readSecretFile } from '../../../shared/src/crypto/key-file.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';
import type { ItConfig } from '../config/config.js';
import type { ItStore, SiteWebhook } from '../store/store.js';
import { emailAudience } from './audiences.js';
import { slackBody, teamsBody } from './chat-formats.js';
import { EmailNotifier } from './email-notifier.js';
import { GrantEndingNotices } from './grant-ending.js';
import { noticeText } from './message-text.js';
import type { Notification, Notifier } from './notification.js';
import { NotifySettings } from './notify-settings.js';
import { otAlertNotifications } from './ot-alerts.js';
import { PendingFeed } from './pending-feed.js';
import { derivedNotification } from './derived-notices.js';
import { WebhookNotifier } from './webhook-notifier.js';

export type { Notification, NotificationEvent, Notifier, OtAlert } from './notification.js';
export type { WebhookNotifier } from './webhook-notifier.js';
export type { PendingCounts, PendingFeed } from './pending-feed.js';
export type { NotifySettings, WebhookView } from './notify-settings.js';
export { EMAIL_KINDS } from './audiences.js';

export interface Notify {
  /** Every channel at once (the dispatcher); what the access services call. */
  readonly notifier: Notifier;
  /** The generic signed webhook of the config, if any (tests watch its retries). */
  readonly webhook: WebhookNotifier | undefined;
  /** People's e-mail settings and sites' webhooks. */
  readonly settings: NotifySettings;
  /** "Something that waits may have changed", for the portal's live header. */
  readonly pending: PendingFeed;
  /** Sends the alerts among a site's newly ingested OT events to its OT owners (never throws). */
  otAlerts(site: string, events: readonly AuditEvent[]): void;
  /** Starts the grant-ending notices. */
  start(): void;
  /** Resolves when no delivery is on the wire (tests, between clock advances). */
  idle(): Promise<void>;
  /** Stops timers and retries; deliveries still queued are dropped. */
  close(): Promise<void>;
}

export interface NotifyDeps {
  readonly config: Pick<ItConfig, 'notifications' | 'http' | 'tls'>;
  readonly store: Pick<ItStore, 'audit' | 'users' | 'notify' | 'sites' | 'recordings'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  /** For the webhooks (undefined: the platform's); tests inject one. */
  readonly fetch: typeof fetch | undefined;
}

/** The webhook's HMAC key: a 0600 file of at least 16 bytes (e.g. `head -c 32 /dev/urandom`). */
function readWebhookSecret(path: string): Uint8Array {
  const secret = readSecretFile(path);
  if (secret.length < 16)
    throw new AirlockError(
      'bad_request',
      'notify.short_secret',
      `webhook secret file ${path} holds ${secret.length} bytes; use at least 16 random bytes`,
    );
  return secret;
}

/** The portal's address as people reach it (links in messages). */
function portalUrlOf(config: Pick<ItConfig, 'http' | 'tls'>): string {
  if (config.http.publicUrl !== undefined) return config.http.publicUrl;
  const host = config.tls.hostnames[0] ?? 'localhost';
  return `https://${host.includes(':') ? `[${host}]` : host}:${config.http.port}`;
}

export function createNotify(deps: NotifyDeps): Notify {
  const { store, log, config } = deps;
  const base = { audit: store.audit, clock: deps.clock, ids: deps.ids };
  const webhook = config.notifications.webhook;
  const portalUrl = portalUrlOf(config);
  const timezoneOf = (site: string): string => store.sites.get(site)?.timezone ?? 'UTC';
  const generic =
    webhook === undefined
      ? undefined
      : new WebhookNotifier(
          {
            url: webhook.url,
            secret: readWebhookSecret(webhook.secretFile),
            timeoutMs: webhook.timeoutSeconds * 1000,
            maxAttempts: webhook.maxAttempts,
            initialBackoffMs: webhook.initialBackoffSeconds * 1000,
          },
          {
            ...base,
            log: log.child({ component: 'webhook' }),
            ...omitUndefined({ fetch: deps.fetch }),
          },
        );
  const email =
    config.notifications.email === undefined
      ? undefined
      : new EmailNotifier(config.notifications.email, {
          ...base,
          log: log.child({ component: 'email' }),
        });

  // One sender per site webhook, made when first used (its URL and format never change).
  const siteSenders = new Map<string, WebhookNotifier>();
  const siteSender = (h: SiteWebhook): WebhookNotifier => {
    let s = siteSenders.get(h.id);
    if (s === undefined) {
      const render = (_id: string, n: Notification): string => {
        const t = noticeText(n, timezoneOf(n.site), portalUrl);
        return h.format === 'slack'
          ? slackBody(t)
          : teamsBody(t, n.event === 'break_glass' || n.event === 'ot.alert' ? 'D7000F' : '0B6E99');
      };
      s = new WebhookNotifier(
        {
          url: h.url,
          secret: undefined,
          timeoutMs: 5_000,
          maxAttempts: 6,
          initialBackoffMs: 2_000,
          channel: `site-webhook:${h.id}`,
          ...(h.format === 'generic' ? {} : { render }),
        },
        {
          ...base,
          log: log.child({ component: 'site-webhook' }),
          ...omitUndefined({ fetch: deps.fetch }),
        },
      );
      siteSenders.set(h.id, s);
    }
    return s;
  };

  const dispatch = (n: Notification): void => {
    generic?.notify(n);
    for (const h of store.notify.webhooks(n.site)) siteSender(h).notify(n);
    if (email === undefined) return;
    const text = noticeText(n, timezoneOf(n.site), portalUrl);
    for (const name of emailAudience(n)) {
      const r = store.notify.recipient(name);
      if (r !== undefined && r.emailKinds.includes(n.event))
        email.send({ user: name, address: r.email }, n, text);
    }
  };
  const notifier: Notifier = {
    notify(n) {
      try {
        dispatch(n);
      } catch (e) {
        log.error('could not dispatch a notification', { event: n.event, err: e });
      }
    },
  };

  const pending = new PendingFeed();
  store.audit.onAppend((events) => {
    pending.observe(events);
    for (const e of events) {
      const n = derivedNotification(e, {
        owners: (site) => store.users.activeOtOwnerNames(site),
        auditors: (site) =>
          store.users
            .listWithSiteRole('auditor', site)
            .filter((u) => u.state === 'active')
            .map((u) => u.name),
        recording: (sessionId) => store.recordings.get(sessionId),
      });
      // After the writer's transaction committed: a listener runs inside it.
      if (n !== undefined) setImmediate(() => notifier.notify(n));
    }
  });

  const ending = new GrantEndingNotices({
    store: store.notify,
    clock: deps.clock,
    log: log.child({ component: 'grant-ending' }),
    notifier,
    leadMs: (config.notifications.grantEndingMinutes ?? 15) * 60_000,
  });
  const senders = (): { idle(): Promise<void> }[] => [
    ...(generic === undefined ? [] : [generic]),
    ...(email === undefined ? [] : [email]),
    ...siteSenders.values(),
  ];

  return {
    notifier,
    webhook: generic,
    settings: new NotifySettings({
      ...base,
      store: store.notify,
      users: store.users,
      sites: store.sites,
    }),
    pending,
    otAlerts(site, events) {
      try {
        for (const n of otAlertNotifications(site, events, store.users.activeOtOwnerNames(site)))
          notifier.notify(n);
      } catch (e) {
        log.error('could not notify OT alerts', { site, err: e });
      }
    },
    start: () => ending.start(),
    async idle() {
      await new Promise<void>((r) => setImmediate(r));
      await Promise.all(senders().map((s) => s.idle()));
    },
    close: async () => {
      ending.stop();
      await Promise.allSettled([
        generic?.close(),
        email?.close(),
        ...[...siteSenders.values()].map((s) => s.close()),
      ]);
    },
  };
}
