/**
 * The retry loop every outgoing channel shares (e-mail, webhooks): one delivery id per message,
 * failed attempts retried with exponential backoff on the injected clock (`initialBackoffMs`,
 * doubling, at most `maxAttempts` attempts), and the final outcome audited once as `notify.send`.
 *
 * Guarantees: an attempt that throws counts as a failure; after `close` nothing new starts and no
 * retry fires; an audit write that fails is logged, never thrown at the caller. Not guaranteed:
 * deliveries still waiting for a retry when the gateway stops are dropped (the audit log, not the
 * channel, is the record). What one attempt sends, and how it talks, is the channel's.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import { describeError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';
import type { Notification } from './notification.js';

export interface DeliveryLoopDeps {
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
}

export interface DeliveryLoopOptions {
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  /** Logged when an attempt failed and another follows ('webhook delivery failed; will retry'). */
  readonly retryMessage: string;
  /** Logged when the outcome could not be audited. */
  readonly auditFailedMessage: string;
}

export interface Delivery {
  readonly n: Notification;
  /** One attempt: undefined when delivered, else a short description of the failure. */
  readonly send: () => Promise<string | undefined>;
  /** The channel's facts in the `notify.send` event (channel, recipient, host); never a secret. */
  readonly details: Readonly<Record<string, unknown>>;
}

export class DeliveryLoop {
  private readonly timers = new Set<TimerHandle>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly options: DeliveryLoopOptions,
    private readonly deps: DeliveryLoopDeps,
  ) {}

  /** Starts a delivery (`make` gets its id); nothing after `close`. Never throws. */
  deliver(make: (deliveryId: string) => Delivery): void {
    if (this.closed) return;
    const deliveryId = this.deps.ids.next('dlv');
    this.attempt(deliveryId, make(deliveryId), 1);
  }

  /** Stops retrying; waits for attempts already on the wire. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Resolves when nothing is on the wire (tests use it between clock advances). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  get pendingRetries(): number {
    return this.timers.size;
  }

  private attempt(deliveryId: string, d: Delivery, attempt: number): void {
    const p = d.send().then(
      (failure) => this.settle(deliveryId, d, attempt, failure),
      (e: unknown) => this.settle(deliveryId, d, attempt, describeError(e)),
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private settle(deliveryId: string, d: Delivery, attempt: number, failure: string | undefined) {
    const { deps, options } = this;
    const { n } = d;
    if (failure !== undefined && attempt < options.maxAttempts && !this.closed) {
      const delay = options.initialBackoffMs * 2 ** (attempt - 1);
      deps.log.warn(options.retryMessage, {
        deliveryId,
        event: n.event,
        attempt,
        failure,
        retryInMs: delay,
      });
      const timer = deps.clock.setTimeout(() => {
        this.timers.delete(timer);
        this.attempt(deliveryId, d, attempt + 1);
      }, delay);
      this.timers.add(timer);
      return;
    }
    try {
      deps.audit.append({
        action: 'notify.send',
        actor: 'system:it',
        site: n.site,
        target: n.grantId ?? n.requestId,
        outcome: failure === undefined ? 'success' : 'failure',
        details: {
          deliveryId,
          event: n.event,
          ...d.details,
          attempts: attempt,
          ...omitUndefined({ error: failure?.slice(0, 200) }),
        },
      });
    } catch (e) {
      deps.log.error(options.auditFailedMessage, { deliveryId, err: e });
    }
  }
}
