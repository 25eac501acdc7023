/**
 * The two deadlines of an operator's Modbus connection, by the session's injected clock:
 *  - frame: a frame must be complete `frameMs` after its first byte arrived (an MBAP header that
 *    announces 200 bytes and never sends them, or a byte every few seconds, is not a client);
 *  - idle: a connection that completes no request for `idleMs` is closed, unless the gateway
 *    itself still owes an answer then (a request queued or at the PLC, whose own timeout bounds
 *    it); an operator who stops reading the answers is idle like one who stops asking.
 * Each deadline fires at most once, through `onExpire`; the owner ends the session, which frees its
 * slot among the site's concurrent sessions and its PLC connection. Nothing here reads bytes.
 */
import type { Clock, TimerHandle } from '../../../../shared/src/clock.js';

export type DeadlineKind = 'frame' | 'idle';

export interface ConnectionDeadlineOptions {
  readonly clock: Clock;
  readonly frameMs: number;
  readonly idleMs: number;
  /** True while the gateway owes the operator an answer (request queued or at the PLC). */
  readonly isBusy: () => boolean;
  readonly onExpire: (kind: DeadlineKind, reason: string) => void;
}

export class ConnectionDeadlines {
  private frame: TimerHandle | undefined;
  private idle: TimerHandle | undefined;
  private lastRequestAt: number;
  private isStopped = false;

  constructor(private readonly o: ConnectionDeadlineOptions) {
    this.lastRequestAt = o.clock.now();
    this.armIdle(o.idleMs);
  }

  /**
   * After each read of the operator's stream: `framesCompleted` frames were taken out of it, and
   * `isMidFrame` says whether bytes of an unfinished frame are waiting. A frame that started in
   * this read gets the full frame deadline; one still unfinished keeps the deadline it had.
   */
  observe(framesCompleted: number, isMidFrame: boolean): void {
    if (this.isStopped) return;
    if (framesCompleted > 0) {
      this.lastRequestAt = this.o.clock.now();
      this.frame?.cancel();
      this.frame = undefined;
    }
    if (!isMidFrame) {
      this.frame?.cancel();
      this.frame = undefined;
    } else
      this.frame ??= this.o.clock.setTimeout(
        () =>
          this.expire(
            'frame',
            `a Modbus frame was not complete ${this.o.frameMs / 1000} s after its first byte`,
          ),
        this.o.frameMs,
      );
  }

  stop(): void {
    this.isStopped = true;
    this.frame?.cancel();
    this.idle?.cancel();
  }

  private armIdle(ms: number): void {
    this.idle = this.o.clock.setTimeout(() => this.checkIdle(), ms);
  }

  private checkIdle(): void {
    const quietFor = this.o.clock.now() - this.lastRequestAt;
    if (quietFor < this.o.idleMs) this.armIdle(this.o.idleMs - quietFor);
    else if (this.o.isBusy()) this.armIdle(this.o.idleMs);
    else this.expire('idle', `no complete Modbus request for ${this.o.idleMs / 1000} s`);
  }

  private expire(kind: DeadlineKind, reason: string): void {
    if (this.isStopped) return;
    this.stop();
    this.o.onExpire(kind, reason);
  }
}
