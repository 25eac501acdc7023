/**
 * The single owner of a link socket's incoming frames. During the handshake a side reads frames
 * one at a time with a deadline (`next`); once authenticated it hands every later frame to one
 * handler (`deliverTo`), first draining what arrived in between, so no frame is lost between the
 * two phases (ws emits several frames from one TCP read synchronously). Before `deliverTo` at most
 * `maxQueued` frames are held; a peer that sends more without waiting is cut off. Structural over a
 * `ws` WebSocket, which lives in each gateway's link/.
 */
import type { Clock, TimerHandle } from '../clock.js';

export interface FrameEvents {
  on(event: string, listener: (...args: never[]) => void): unknown;
}

export type FrameData = Buffer | ArrayBuffer | Buffer[];

export type InboxItem =
  | { readonly kind: 'frame'; readonly data: FrameData; readonly isBinary: boolean }
  | { readonly kind: 'closed'; readonly code: number; readonly reason: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'overflow' };

export interface InboxHandler {
  frame(data: FrameData, isBinary: boolean): void;
  closed(code: number, reason: string): void;
}

export class FrameInbox {
  private readonly queue: InboxItem[] = [];
  private waiter: { resolve: (i: InboxItem) => void; timer: TimerHandle } | undefined;
  private handler: InboxHandler | undefined;
  private closedItem: InboxItem | undefined;
  private overflowed = false;

  constructor(
    socket: FrameEvents,
    private readonly clock: Clock,
    private readonly maxQueued = 4,
  ) {
    socket.on('message', ((data: FrameData, isBinary: boolean) =>
      this.push({ kind: 'frame', data, isBinary })) as (...a: never[]) => void);
    socket.on('close', ((code: number, reason: Buffer) =>
      this.push({ kind: 'closed', code, reason: reason.toString('utf8') })) as (
      ...a: never[]
    ) => void);
  }

  /** The next frame (or the close) within `timeoutMs`. */
  next(timeoutMs: number): Promise<InboxItem> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closedItem !== undefined) return Promise.resolve(this.closedItem);
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.waiter = undefined;
        resolve({ kind: 'timeout' });
      }, timeoutMs);
      this.waiter = { resolve, timer };
    });
  }

  /** From now on every frame goes to `handler`, starting with any that arrived meanwhile. */
  deliverTo(handler: InboxHandler): void {
    this.handler = handler;
    for (const item of this.queue.splice(0)) this.dispatch(item);
    if (this.closedItem !== undefined) this.dispatch(this.closedItem);
  }

  private push(item: InboxItem): void {
    if (item.kind === 'closed') {
      if (this.closedItem !== undefined) return;
      this.closedItem = item;
    }
    if (this.handler !== undefined) return this.dispatch(item);
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w.timer.cancel();
      w.resolve(item);
      return;
    }
    if (item.kind === 'closed' || this.overflowed) return;
    if (this.queue.length >= this.maxQueued) {
      this.overflowed = true;
      this.queue.length = 0;
      this.queue.push({ kind: 'overflow' });
      return;
    }
    this.queue.push(item);
  }

  private dispatch(item: InboxItem): void {
    if (item.kind === 'frame') this.handler?.frame(item.data, item.isBinary);
    else if (item.kind === 'closed') this.handler?.closed(item.code, item.reason);
  }
}
