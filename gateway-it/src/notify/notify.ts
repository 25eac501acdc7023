/**
 * Notifications to the outside: the access services' announcements (request created, approved,
 * denied, grant revoked, break-glass) and `ot.alert`s (an OT gateway's events flagged as alerts,
 * once ingested). They go to the webhook, signed and retried (webhook-notifier.ts).
 *
 * Off by configuration: with no `notifications.webhook` the notifier is the no-op one and nothing
 * leaves the gateway; the audit log stays the record either way. Guarantees: a notification
 * carries names and times only, never a secret; the caller's action is already committed and
 * audited, so sending never fails it; each delivery's outcome is audited (`notify.send`). OT
 * alerts go to the site's active OT owners, read from the user store. Not guaranteed: deliveries
 * still queued at stop are dropped, and alerts ingested while no webhook was configured are never
 * sent later.
 */
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import type { Clock } from '../../../shared/src/clock.js';
import { readSecretFile } from '../../../shared/src/crypto/key-file.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';
import type { ItConfig } from '../config/config.js';
import type { ItStore } from '../store/store.js';
import { noNotifications, type Notifier } from './notification.js';
import { otAlertNotifications } from './ot-alerts.js';
import { WebhookNotifier } from './webhook-notifier.js';

export type { Notification, NotificationEvent, Notifier, OtAlert } from './notification.js';
export type { WebhookNotifier } from './webhook-notifier.js';

export interface Notify {
  /** The webhook, or the no-op notifier when none is configured. */
  readonly notifier: Notifier;
  /** Sends the alerts among a site's newly ingested OT events to its OT owners (never throws). */
  otAlerts(site: string, events: readonly AuditEvent[]): void;
  /** Stops retrying; deliveries still queued are dropped. */
  close(): Promise<void>;
}

export interface NotifyDeps {
  readonly config: Pick<ItConfig, 'notifications'>;
  readonly store: Pick<ItStore, 'audit' | 'users'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  /** For the webhook (undefined: the platform's); tests inject one. */
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

export function createNotify(deps: NotifyDeps): Notify {
  const { store, log } = deps;
  const webhook = deps.config.notifications.webhook;
  const sender =
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
            audit: store.audit,
            clock: deps.clock,
            ids: deps.ids,
            log: log.child({ component: 'webhook' }),
            ...omitUndefined({ fetch: deps.fetch }),
          },
        );
  const notifier: Notifier = sender ?? noNotifications;
  return {
    notifier,
    otAlerts(site, events) {
      try {
        for (const n of otAlertNotifications(site, events, store.users.activeOtOwnerNames(site)))
          notifier.notify(n);
      } catch (e) {
        log.error('could not notify OT alerts', { site, err: e });
      }
    },
    close: async () => {
      await sender?.close();
    },
  };
}
