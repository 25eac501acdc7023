/**
 * Keeps a live session's counters in its `open_sessions` row, cheaply: a broker reports a change
 * with `changed()` (a flag test, and at most one pending timer per session), and the counters are
 * read and written with one prepared UPDATE at most once per `intervalMs` while they change, and
 * once more at the session's end. Nothing is written per frame, and a write never runs inside the
 * broker's frame handling.
 *
 * Guarantees: what a crash leaves in the row is the counters as of `asOf`, at most one interval
 * behind what the session did (plus what the interval's write could not record, logged). Not here:
 * what the counters mean (the broker's), and auditing them (the session manager's session.end).
 */
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import type { OpenSessionStore, SessionCounts } from '../store/store.js';

/** At most one write of a session's counters per this interval (ms). */
export const COUNTS_PERSIST_INTERVAL_MS = 1_000;

export class SessionCountsWriter {
  private read: (() => SessionCounts) | undefined;
  private timer: TimerHandle | undefined;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private isClosed = false;

  constructor(
    private readonly sessionId: string,
    private readonly store: OpenSessionStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly intervalMs = COUNTS_PERSIST_INTERVAL_MS,
  ) {}

  /** The broker's counters, read when they are written (a broker that counts nothing never calls it). */
  track(read: () => SessionCounts): void {
    this.read = read;
  }

  /** The counters changed: schedules one write, no sooner than `intervalMs` after the last. */
  changed(): void {
    if (this.timer !== undefined || this.isClosed || this.read === undefined) return;
    const due = Math.max(0, this.lastWriteAt + this.intervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.write();
    }, due);
  }

  /**
   * The session ended: cancels a pending write, writes the final counters (so they survive if the
   * session.end cannot be recorded) and returns them; undefined when the broker counts nothing.
   */
  close(): SessionCounts | undefined {
    this.timer?.cancel();
    this.timer = undefined;
    this.isClosed = true;
    if (this.read === undefined) return undefined;
    return this.write();
  }

  private write(): SessionCounts | undefined {
    if (this.read === undefined) return undefined;
    const counts = { ...this.read() };
    const at = this.clock.now();
    this.lastWriteAt = at;
    try {
      this.store.saveCounts(this.sessionId, counts, at);
    } catch (e) {
      // The counts are an aid to a crash's session.end; failing to keep them does not end the session.
      this.log.warn('could not write the session counters', { sessionId: this.sessionId, err: e });
    }
    return counts;
  }
}
