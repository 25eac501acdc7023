/**
 * An outgoing webhook: the config's generic one, or a site's chat webhook (whose `render` makes a
 * Slack or Teams body and which is not signed: a chat tool's URL is its own secret). The generic
 * one sends each notification as one JSON POST, signed with HMAC-SHA256 over
 * `<timestamp>.<body>` with a shared secret from a 0600 key file (the scheme Stripe and Slack use,
 * so receivers have code for it). Headers: `X-Airlock-Event`, `X-Airlock-Delivery` (unique id),
 * `X-Airlock-Timestamp` (Unix seconds) and `X-Airlock-Signature: v1=<hex>`. A receiver recomputes
 * the MAC, compares in constant time and refuses timestamps older than a few minutes (replay).
 * Failed deliveries (network error, timeout, non-2xx) are retried with exponential backoff on the
 * injected clock; the final outcome of each delivery is audited (`notify.send`). Deliveries still
 * queued when the gateway stops are not persisted: the audit log, not the webhook, is the record.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import { describeError } from '../../../shared/src/errors.js';
import { hmacSha256Hex } from '../../../shared/src/crypto/hash.js';
import { DeliveryLoop } from './delivery-loop.js';
import type { Notification, Notifier } from './notification.js';

export interface WebhookOptions {
  readonly url: string;
  /** Signs each body (generic format); chat tools' webhooks take none (their URL is the secret). */
  readonly secret: Uint8Array | undefined;
  /** The body for a notification (default: the generic JSON, webhookBody). */
  readonly render?: (deliveryId: string, n: Notification, now: number) => string;
  /** Named in the `notify.send` audit event (`webhook`, `site-webhook:<id>`). */
  readonly channel?: string;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
}

export interface WebhookDeps {
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  /** Injected for tests; defaults to the platform fetch. */
  readonly fetch?: typeof fetch;
}

export function signWebhook(secret: Uint8Array, timestamp: number, body: string): string {
  return `v1=${hmacSha256Hex(secret, `${timestamp}.${body}`)}`;
}

export function webhookBody(deliveryId: string, n: Notification, now: number): string {
  return JSON.stringify({
    id: deliveryId,
    event: n.event,
    time: new Date(now).toISOString(),
    site: n.site,
    requestId: n.requestId,
    grantId: n.grantId,
    user: n.user,
    actor: n.actor,
    assets: n.assets,
    startsAt: new Date(n.startsAt).toISOString(),
    endsAt: new Date(n.endsAt).toISOString(),
    breakGlass: n.breakGlass,
    comment: n.comment,
    recipients: n.recipients,
    ...(n.alert === undefined
      ? {}
      : { alert: { ...n.alert, time: new Date(n.alert.time).toISOString() } }),
  });
}

export class WebhookNotifier implements Notifier {
  private readonly loop: DeliveryLoop;

  constructor(
    private readonly options: WebhookOptions,
    private readonly deps: WebhookDeps,
  ) {
    this.loop = new DeliveryLoop(
      {
        maxAttempts: options.maxAttempts,
        initialBackoffMs: options.initialBackoffMs,
        retryMessage: 'webhook delivery failed; will retry',
        auditFailedMessage: 'could not audit a webhook delivery',
      },
      deps,
    );
  }

  notify(n: Notification): void {
    this.loop.deliver((deliveryId) => {
      const body = (this.options.render ?? webhookBody)(deliveryId, n, this.deps.clock.now());
      return {
        n,
        details: {
          channel: this.options.channel ?? 'webhook',
          host: new URL(this.options.url).host,
        },
        send: () => this.send(body, n.event, deliveryId),
      };
    });
  }

  /** Stops retrying; waits for requests already on the wire. */
  async close(): Promise<void> {
    await this.loop.close();
  }

  /** Resolves when nothing is on the wire (tests use it between clock advances). */
  async idle(): Promise<void> {
    await this.loop.idle();
  }

  get pendingRetries(): number {
    return this.loop.pendingRetries;
  }

  /** Resolves with undefined on a 2xx answer, or a short description of the failure. */
  private async send(body: string, event: string, deliveryId: string): Promise<string | undefined> {
    const timestamp = Math.floor(this.deps.clock.now() / 1000);
    const doFetch = this.deps.fetch ?? fetch;
    try {
      const res = await doFetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'airlock-it-webhook',
          'x-airlock-event': event,
          'x-airlock-delivery': deliveryId,
          ...(this.options.secret === undefined
            ? {}
            : {
                'x-airlock-timestamp': String(timestamp),
                'x-airlock-signature': signWebhook(this.options.secret, timestamp, body),
              }),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await res.body?.cancel();
      return res.status >= 200 && res.status < 300 ? undefined : `HTTP ${res.status}`;
    } catch (e) {
      return e instanceof Error && e.name === 'TimeoutError'
        ? `no answer within ${this.options.timeoutMs} ms`
        : describeError(e);
    }
  }
}
