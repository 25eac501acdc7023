/**
 * One session's data connection (a WebSocket of its own, so TCP back-pressure and isolation come
 * for free), seen by either gateway as a Node Duplex of the operator's bytes plus a side channel of
 * small JSON control messages (window changes, signals, exit status: their content is the
 * protocol broker's business).
 *
 * Framing on the socket: binary frames are stream bytes (at most MAX_DATA_FRAME_BYTES each); text
 * frames are JSON objects with a `type`. Two types are reserved here: `stream.eof` (this direction
 * of the byte stream is finished; WebSocket has no half-close) and `session.close` (the reason the
 * sender is ending the session, sent just before the close frame, whose reason field is too short).
 *
 * Guarantees: reading pauses the socket when the consumer does not keep up, and writing completes
 * only when the socket took the bytes, so a fast side never buffers more than about two high-water
 * marks plus one frame; a frame that breaks these rules is reported as a violation and ends the
 * session; close listeners run exactly once, with the reason from whichever side ended it first.
 * Not guaranteed: delivery of bytes written after the session closed (they are discarded).
 *
 * The WebSocket library is not imported here (it lives in each gateway's link/): `FrameSocket`
 * is the part of a `ws` WebSocket this needs.
 */
import { Duplex } from 'node:stream';
import { z } from 'zod';
import { checkFrame, parseFrameObject, type LinkViolation } from './frame-codec.js';
import type { FrameData, InboxHandler } from './frame-inbox.js';

export const MAX_DATA_FRAME_BYTES = 256 * 1024;
export const MAX_SESSION_CONTROL_BYTES = 64 * 1024;
/** maxPayload of every data WebSocket (server and client). */
export const DATA_SOCKET_MAX_PAYLOAD = MAX_DATA_FRAME_BYTES;
const HIGH_WATER_MARK = 256 * 1024;

export type SessionControlMessage = Readonly<Record<string, unknown>> & { readonly type: string };

const RESERVED_EOF = 'stream.eof';
const RESERVED_CLOSE = 'session.close';
const controlTypeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9._-]{0,63}$/, 'expected a lowercase message type');
const sessionControlSchema = z.looseObject({ type: controlTypeSchema });
const eofSchema = z.strictObject({ type: z.literal(RESERVED_EOF) });
const closeSchema = z.strictObject({
  type: z.literal(RESERVED_CLOSE),
  reason: z.string().min(1).max(500),
});

/** Session frames a peer may send: the two reserved types, and any broker message with a valid type. */
function schemaFor(type: string): z.ZodType<SessionControlMessage> {
  if (type === RESERVED_EOF) return eofSchema;
  if (type === RESERVED_CLOSE) return closeSchema;
  return sessionControlSchema;
}

/** The part of a `ws` WebSocket a session channel uses. */
export interface FrameSocket {
  send(data: string | Uint8Array, options: { binary: boolean }, cb: (err?: Error) => void): void;
  pause(): void;
  resume(): void;
  close(code?: number, reason?: string): void;
  readonly bufferedAmount: number;
}

export interface SessionChannelOptions {
  /** A peer broke the framing rules: the channel is already closing; the owner audits it. */
  readonly onViolation: (v: LinkViolation) => void;
  /** A control listener threw: for the owner's log. */
  readonly onError?: (e: Error) => void;
}

/** What the IT relay and the OT broker get: a byte stream and a control side for one session. */
export interface SessionStream {
  readonly sessionId: string;
  /** The operator's bytes, both ways, with stream back-pressure. `end()` sends EOF for this direction. */
  readonly stream: Duplex;
  sendControl(message: SessionControlMessage): void;
  onControl(listener: (message: SessionControlMessage) => void): void;
  /** Runs once when the session ended (either side), with the reason. Runs at once if it already has. */
  onClose(listener: (reason: string) => void): void;
  /** Ends the session with a reason the other side receives; idempotent. */
  close(reason: string): void;
  readonly isClosed: boolean;
}

function closeFrameReason(reason: string): string {
  // A close frame's reason is at most 123 bytes of UTF-8; the full text went in session.close.
  let r = reason;
  while (Buffer.byteLength(r) > 120) r = r.slice(0, -1);
  return r;
}

/**
 * Frames reach the channel through its `frame`/`closed` methods (it is the FrameInbox handler of
 * its socket after the handshake); it writes to the socket directly.
 */
export class SessionChannel implements SessionStream, InboxHandler {
  readonly sessionId: string;
  readonly stream: Duplex;
  private readonly socket: FrameSocket;
  private readonly options: SessionChannelOptions;
  private readonly controlListeners: ((m: SessionControlMessage) => void)[] = [];
  private readonly closeListeners: ((reason: string) => void)[] = [];
  private closing = false;
  private closedReason: string | undefined;
  private peerReason: string | undefined;
  private localReason: string | undefined;
  private paused = false;
  private readEnded = false;

  constructor(sessionId: string, socket: FrameSocket, options: SessionChannelOptions) {
    this.sessionId = sessionId;
    this.socket = socket;
    this.options = options;
    this.stream = new Duplex({
      highWaterMark: HIGH_WATER_MARK,
      autoDestroy: false,
      read: () => {
        if (this.paused) {
          this.paused = false;
          this.socket.resume();
        }
      },
      write: (chunk: Buffer, _enc, cb) => this.writeBytes(chunk, cb),
      // Chunks that queued while a frame was being sent go out together: fewer, larger frames
      // (a relay writes 32 KiB SSH packets one by one; per-frame costs dominated).
      writev: (chunks, cb) =>
        this.writeBytes(
          chunks.length === 1
            ? (chunks[0]?.chunk as Buffer)
            : Buffer.concat(chunks.map((c) => c.chunk as Buffer)),
          cb,
        ),
      final: (cb) => this.sendText({ type: RESERVED_EOF }, () => cb()),
      destroy: (e, cb) => {
        if (!this.closing)
          this.close(e === null ? 'session stream destroyed' : 'session stream failed');
        cb(e);
      },
    });
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Bytes held in memory for this session on this side (stream buffers plus the socket's queue). */
  bufferedBytes(): number {
    return this.stream.readableLength + this.stream.writableLength + this.socket.bufferedAmount;
  }

  sendControl(message: SessionControlMessage): void {
    if (message.type === RESERVED_EOF || message.type === RESERVED_CLOSE)
      throw new Error(`session control type ${message.type} is reserved`);
    this.sendText(message, () => undefined);
  }

  onControl(listener: (message: SessionControlMessage) => void): void {
    this.controlListeners.push(listener);
  }

  onClose(listener: (reason: string) => void): void {
    if (this.closedReason !== undefined) listener(this.closedReason);
    else this.closeListeners.push(listener);
  }

  close(reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.localReason = reason;
    this.sendText(
      { type: RESERVED_CLOSE, reason: reason.slice(0, 500) || 'closed' },
      () => undefined,
      true,
    );
    this.socket.close(1000, closeFrameReason(reason));
  }

  private writeBytes(chunk: Buffer, cb: (e?: Error | null) => void): void {
    if (this.closing) {
      cb();
      return;
    }
    let offset = 0;
    const sendNext = (): void => {
      const end = Math.min(chunk.length, offset + MAX_DATA_FRAME_BYTES);
      const piece = chunk.subarray(offset, end);
      offset = end;
      const last = offset >= chunk.length;
      this.socket.send(piece, { binary: true }, (e) => {
        if (e !== undefined && e !== null && !this.closing) return cb(e);
        if (last || this.closing) cb();
      });
      if (!last) sendNext();
    };
    sendNext();
  }

  private sendText(message: SessionControlMessage, cb: () => void, evenIfClosing = false): void {
    if (this.closing && !evenIfClosing) return cb();
    this.socket.send(JSON.stringify(message), { binary: false }, () => cb());
  }

  /** A frame from the peer (called by the socket's owner). */
  frame(data: FrameData, isBinary: boolean): void {
    if (this.closing) return;
    if (isBinary) {
      if (this.readEnded)
        return this.violate({ code: 'frame.unexpected', message: 'data after end of stream' });
      // A Buffer from ws is the frame's own (ws never reuses it): pushed as it is, not copied.
      const buf = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      if (!this.stream.push(buf) && !this.paused) {
        this.paused = true;
        this.socket.pause();
      }
      return;
    }
    const frame = parseFrameObject(data, false, MAX_SESSION_CONTROL_BYTES);
    if (!frame.ok) return this.violate(frame.error);
    const typeOk = controlTypeSchema.safeParse(frame.value.type);
    if (!typeOk.success)
      return this.violate({
        code: 'frame.unknown_type',
        message: 'session message type must be a lowercase name',
      });
    const r = checkFrame(frame.value.type, frame.value.json, schemaFor(frame.value.type));
    if (!r.ok) return this.violate(r.error);
    const message = r.value;
    if (message.type === RESERVED_EOF) {
      if (!this.readEnded) {
        this.readEnded = true;
        this.stream.push(null);
      }
      return;
    }
    if (message.type === RESERVED_CLOSE) {
      this.peerReason = String(message.reason);
      return;
    }
    for (const l of this.controlListeners) {
      try {
        l(message);
      } catch (e) {
        this.options.onError?.(e instanceof Error ? e : new Error(String(e)));
      }
    }
  }

  private violate(v: LinkViolation): void {
    this.close(`link violation: ${v.message}`);
    this.options.onViolation(v);
  }

  /** The socket closed (called by the socket's owner). */
  closed(code: number, frameReason: string): void {
    if (this.closedReason !== undefined) return;
    this.closing = true;
    this.closedReason =
      this.localReason ??
      this.peerReason ??
      (frameReason !== '' ? frameReason : `data connection closed (code ${code})`);
    // Bytes already received stay readable; the reader then sees the end.
    if (!this.readEnded) {
      this.readEnded = true;
      this.stream.push(null);
    }
    if (this.paused) this.socket.resume();
    for (const l of this.closeListeners.splice(0)) l(this.closedReason);
  }
}
