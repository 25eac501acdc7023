/**
 * Flow control on the operator's TCP socket, for the relays that write into it.
 *
 * Why: ssh2 writes each SSH packet to the socket whatever `socket.write` returns, so only the
 * client's channel window (2 MiB per channel with OpenSSH) limits what waits in the socket's
 * user-space buffer. When the client drains more slowly than the site sends, up to that window of
 * encrypted packets per channel sits there, lives through young-generation collections and is
 * promoted: memory per connection grows and CPU per relayed byte rises just when the gateway is
 * busiest. A relay asks `isOverBound()` after each write and, when it says so, stops reading its
 * site stream until the socket drained (`whenDrained`); the site's data socket then stops being
 * read and TCP back-pressure reaches the OT gateway and the target.
 *
 * Guarantees: at most `boundBytes` plus what the relays of one connection wrote before they
 * checked (one site chunk each, at most 256 KiB: MAX_DATA_FRAME_BYTES) wait in the socket's
 * buffer; every waiter runs once, on the first 'drain' after it asked; one 'drain' listener per
 * connection however many channels wait. Not guaranteed: waiters of a socket that closes without
 * draining never run (their sessions end with the connection). It moves no bytes and changes no
 * timing while the client keeps up (the socket is then below the bound and nothing waits).
 */
/** What a relay sees of its connection's socket. */
export interface OperatorQueue {
  /** After a write: true when the caller should stop writing until `whenDrained` calls back. */
  isOverBound(): boolean;
  /** Calls `resume` once the socket's buffer has been handed to the kernel. */
  whenDrained(resume: () => void): void;
}

/** The part of a net.Socket this needs. */
export interface DrainingSocket {
  readonly writableLength: number;
  once(event: 'drain', listener: () => void): unknown;
}

/** Bytes that may wait in one operator socket's buffer before its relays pause their site streams. */
export const OPERATOR_QUEUE_BOUND_BYTES = 256 * 1024;

/** The largest number of bytes seen waiting in any operator socket's buffer (for metrics and tests). */
export interface OperatorQueuePeak {
  bytes: number;
}

export class OperatorSocketQueue implements OperatorQueue {
  private waiters: (() => void)[] = [];

  constructor(
    private readonly socket: DrainingSocket,
    private readonly peak: OperatorQueuePeak,
    private readonly boundBytes: number = OPERATOR_QUEUE_BOUND_BYTES,
  ) {}

  isOverBound(): boolean {
    const queued = this.socket.writableLength;
    if (queued > this.peak.bytes) this.peak.bytes = queued;
    return queued > this.boundBytes;
  }

  whenDrained(resume: () => void): void {
    // A socket above the bound (above its 16 KiB high-water mark) has a 'drain' pending.
    if (this.waiters.push(resume) === 1) this.socket.once('drain', this.wake);
  }

  private readonly wake = (): void => {
    const waiting = this.waiters;
    this.waiters = [];
    for (const resume of waiting) resume();
  };
}
