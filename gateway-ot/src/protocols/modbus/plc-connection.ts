/**
 * The gateway's one TCP connection to a PLC for one session. It numbers requests with its own
 * transaction ids (so a late answer to a request that already timed out can never be taken for the
 * answer to a newer one, and operators' ids may repeat freely), and settles each request exactly
 * once: with the PLC's response, with a timeout, or because the connection is gone.
 *
 * Guarantees: every socket event is handled; a response whose transaction id is not outstanding is
 * dropped (and counted); a PLC byte stream that breaks MBAP framing closes the connection (a TCP
 * stream cannot be resynchronised), which settles everything outstanding as `closed`. It does not
 * check what a response says (modbus-response.ts does) and does not limit how many requests are
 * outstanding: the session does that.
 *
 * One timer per connection, not one per request: every request has the same timeout, so the
 * oldest outstanding request is always the first to expire; the timer is armed for it and, when it
 * fires, times out what is due and re-arms for the next. A request costs no timer of its own (a
 * Timeout object, a timer-list insert and removal: about 3% of the OT gateway's time per read in a
 * profile of sequential reads). Due times are by the injected clock, as every deadline of the
 * broker: a step of the wall clock forward times out the requests outstanding at that moment early;
 * a step back is caught when the timer fires (a due time more than one timeout ahead is pulled in to
 * one timeout from then), so no request waits longer than twice its timeout.
 */
import { connect, type Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../../../shared/src/clock.js';
import { MbapReader } from './mbap-reader.js';
import { encodeFrame } from './modbus-pdu.js';

export type PlcAnswer =
  | { readonly kind: 'response'; readonly unitId: number; readonly pdu: Buffer }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'closed'; readonly reason: string };

/** Opens the TCP connection to the PLC; replaceable in tests. */
export type Dial = (host: string, port: number) => Socket;

export const dialTcp: Dial = (host, port) => connect({ host, port, noDelay: true });

export type AnswerHandler = (answer: PlcAnswer) => void;

interface Outstanding {
  readonly onAnswer: AnswerHandler;
  /** By the clock: when this request times out (pulled in if the clock steps back). */
  due: number;
}

export interface PlcConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly clock: Clock;
  readonly dial: Dial;
  /** Also bounds the TCP connect. */
  readonly timeoutMs: number;
  /** Called once when the connection is gone (closed by either side, failed, or broke framing). */
  readonly onClose: (reason: string) => void;
}

export class PlcConnection {
  private readonly socket: Socket;
  private readonly reader = new MbapReader();
  /** In send order (a Map keeps insertion order), so the first entry is the next to expire. */
  private readonly outstanding = new Map<number, Outstanding>();
  /** Armed while requests are outstanding (it may outlive them: it then finds nothing due). */
  private timeoutTimer: TimerHandle | undefined;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private nextId = 0;
  private closedReason: string | undefined;
  private isConnected = false;
  private readonly connectTimer: TimerHandle;
  /** Responses that answered nothing outstanding (late after a timeout, or invented by the PLC). */
  strayResponses = 0;

  constructor(private readonly options: PlcConnectionOptions) {
    this.clock = options.clock;
    this.timeoutMs = options.timeoutMs;
    this.socket = options.dial(options.host, options.port);
    this.connectTimer = this.clock.setTimeout(() => {
      if (!this.isConnected)
        this.close(`no connection to ${options.host}:${options.port} within ${this.timeoutMs} ms`);
    }, this.timeoutMs);
    this.socket.on('connect', () => {
      this.isConnected = true;
      this.connectTimer.cancel();
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (e: NodeJS.ErrnoException) =>
      this.close(`PLC connection error: ${e.code ?? e.message}`),
    );
    this.socket.on('end', () => this.close('the PLC closed the connection'));
    this.socket.on('close', () => this.close('the PLC connection closed'));
  }

  get isOpen(): boolean {
    return this.closedReason === undefined;
  }

  get inFlight(): number {
    return this.outstanding.size;
  }

  /**
   * Sends one request PDU; `onAnswer` runs exactly once, later (never during this call): when the
   * PLC answers, the timeout passes, or the connection goes.
   */
  send(unitId: number, pdu: Buffer, onAnswer: AnswerHandler): void {
    if (this.closedReason !== undefined) {
      const reason = this.closedReason;
      queueMicrotask(() => onAnswer({ kind: 'closed', reason }));
      return;
    }
    const id = this.allocateId();
    this.outstanding.set(id, { onAnswer, due: this.clock.now() + this.timeoutMs });
    this.timeoutTimer ??= this.clock.setTimeout(() => this.expire(), this.timeoutMs);
    // Written before the connect completes, bytes wait in the socket's buffer.
    this.socket.write(encodeFrame(id, unitId, pdu));
  }

  /** `send` as a promise, for the write path where a few microseconds do not matter. */
  ask(unitId: number, pdu: Buffer): Promise<PlcAnswer> {
    return new Promise((resolve) => this.send(unitId, pdu, resolve));
  }

  close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.connectTimer.cancel();
    this.timeoutTimer?.cancel();
    this.timeoutTimer = undefined;
    this.socket.destroy();
    const pending = [...this.outstanding.values()];
    this.outstanding.clear();
    for (const o of pending) o.onAnswer({ kind: 'closed', reason });
    this.options.onClose(reason);
  }

  /** The timer fired: times out every request that is due, after re-arming for the oldest left. */
  private expire(): void {
    this.timeoutTimer = undefined;
    const now = this.clock.now();
    const due: Outstanding[] = [];
    for (const [id, o] of this.outstanding) {
      // The clock stepped back since this was sent: wait one more timeout, not the step.
      if (o.due > now + this.timeoutMs) o.due = now + this.timeoutMs;
      if (o.due > now) break;
      this.outstanding.delete(id);
      due.push(o);
    }
    const next = this.outstanding.values().next();
    if (!next.done)
      this.timeoutTimer = this.clock.setTimeout(() => this.expire(), next.value.due - now);
    // Handlers may send (the timer armed above is due first) or close (which cancels it).
    for (const o of due) o.onAnswer({ kind: 'timeout' });
  }

  private allocateId(): number {
    // 65,536 ids and at most a few outstanding: the loop ends at once in practice.
    for (;;) {
      this.nextId = (this.nextId + 1) & 0xffff;
      if (!this.outstanding.has(this.nextId)) return this.nextId;
    }
  }

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    for (;;) {
      const r = this.reader.next();
      if (r === undefined) return;
      if (!r.ok) {
        this.close(`the PLC broke Modbus TCP framing: ${r.error.reason}`);
        return;
      }
      const o = this.outstanding.get(r.value.transactionId);
      if (o === undefined) {
        this.strayResponses++;
        continue;
      }
      this.outstanding.delete(r.value.transactionId);
      o.onAnswer({ kind: 'response', unitId: r.value.unitId, pdu: r.value.pdu });
    }
  }
}
