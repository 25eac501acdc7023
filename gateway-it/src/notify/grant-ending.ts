/**
 * "Your access ends in 15 minutes": once per grant, to its holder, when an active grant that has
 * started comes within the lead time of its end. Runs on the injected clock: each tick sends what
 * is due, then sleeps until the next grant's notice falls due (at most a minute, so grants issued
 * meanwhile are seen).
 *
 * Guarantees: a notice is recorded as sent (notices_sent) before it is handed to the channels, in
 * one statement that only one caller can win, so a restart or a second tick never sends it twice.
 * Not guaranteed: a gateway that is down through the whole lead time sends the notice late (at the
 * next start, if the grant is still active) — or, if delivery then fails for good, not at all.
 */
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import type { NotifyStore } from '../store/store.js';
import type { Notifier } from './notification.js';

export interface GrantEndingDeps {
  readonly store: Pick<NotifyStore, 'endingGrants' | 'nextEnding' | 'markSent'>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly notifier: Notifier;
  readonly leadMs: number;
}

const MAX_SLEEP_MS = 60_000;

export class GrantEndingNotices {
  private timer: TimerHandle | undefined;
  private running = false;

  constructor(private readonly deps: GrantEndingDeps) {}

  start(): void {
    this.running = true;
    this.tick();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Sends every notice now due; returns how many. */
  sendDue(): number {
    const { deps } = this;
    const now = deps.clock.now();
    let sent = 0;
    for (const g of deps.store.endingGrants(now, deps.leadMs)) {
      if (!deps.store.markSent(`grant.ending:${g.id}`, now)) continue;
      sent++;
      deps.notifier.notify({
        event: 'grant.ending',
        site: g.site,
        requestId: g.requestId,
        grantId: g.id,
        user: g.userName,
        actor: 'system:it',
        assets: g.assets,
        startsAt: g.notBefore,
        endsAt: g.notAfter,
        breakGlass: g.breakGlass,
        comment: null,
        recipients: [g.userName],
      });
    }
    return sent;
  }

  private tick(): void {
    if (!this.running) return;
    const { deps } = this;
    try {
      this.sendDue();
    } catch (e) {
      deps.log.error('could not send grant-ending notices', { err: e });
    }
    const now = deps.clock.now();
    const next = deps.store.nextEnding(now);
    const due = next === null ? now + MAX_SLEEP_MS : next - deps.leadMs;
    const sleep = Math.min(MAX_SLEEP_MS, Math.max(1_000, due - now));
    this.timer = deps.clock.setTimeout(() => this.tick(), sleep);
  }
}
