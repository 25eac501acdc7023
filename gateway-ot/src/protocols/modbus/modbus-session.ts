/**
 * One brokered Modbus TCP session: the operator's byte stream on one side, one connection to the
 * PLC on the other, the profile's rules in between.
 *
 * Guarantees:
 *  - Nothing reaches the PLC that was not parsed, found well-formed, and allowed by the profile. A
 *    malformed frame is audited at once and nothing after it is read; the requests before it are
 *    still answered, then the operator gets the exception a conformant server would send (when the
 *    frame was framed well enough to answer) and the session closes.
 *  - Every request gets exactly one answer with its own transaction id and unit id: the PLC's
 *    (checked against the request), a policy exception at once (01/02/03/0A, 06 over the rate
 *    limit), 0B when the PLC does not answer in time or answers wrongly, or 04 when the gateway
 *    could not record a write (which is then not forwarded).
 *  - Requests reach the PLC in the order they arrived; at most `maxInFlight` reads are outstanding;
 *    anything that can change state is sent alone (nothing else outstanding), after its old values
 *    were read (profile option) and after its `modbus.write` event was recorded.
 *  - Memory is bounded: at most `maxQueued` parsed requests wait; beyond that the operator's stream
 *    is paused (TCP back-pressure), as it is while the operator does not read the answers.
 *  - The session ends when either side closes, on a malformed frame, when a frame is not complete
 *    `frameTimeoutSeconds` after its first byte or no request completes for `idleTimeoutSeconds`
 *    (profile keys; `modbus.deadline` audited), or when `session.signal` aborts; both sides are
 *    closed and the read count is audited (`modbus.reads`). The counters are also reported to the
 *    gateway (`trackCounts`), which keeps them coalesced for the session.end a crash leaves.
 *
 * Not guaranteed: answers to pipelined requests keep their order only among forwarded requests; a
 * refusal is answered at once and may overtake earlier requests still at the PLC (clients match
 * answers by transaction id, as the specification requires).
 *
 * This module is the request path (parse, decide, queue, write, relay, end); refusals, PLC failures
 * and the counters are modbus-outcomes.ts, the frame and idle deadlines connection-deadlines.ts.
 */
import type { Duplex } from 'node:stream';
import { describeError } from '../../../../shared/src/errors.js';
import type { BrokerSession, SessionEnd } from '../../sessions/sessions.js';
import { MbapReader, type MbapFrame } from './mbap-reader.js';
import type { ModbusLearnHook } from './modbus-learning.js';
import {
  decodeReadValues,
  oldValueSpan,
  requestFacts,
  writeDetails,
  type Details,
  type OldValues,
} from './modbus-audit.js';
import { encodeFrame, exceptionFrame, exceptionLabel, readPdu } from './modbus-pdu.js';
import type { ModbusAssetPolicy } from './modbus-policy.js';
import { decodeRequest, isStateChanging, type ModbusRequest } from './modbus-request.js';
import { checkResponse } from './modbus-response.js';
import { ConnectionDeadlines, type DeadlineKind } from './connection-deadlines.js';
import { decide, isSignedRegister, type CompiledProfile, type Decision } from './modbus-rules.js';
import { PlcConnection, type Dial, type PlcAnswer } from './plc-connection.js';
import { SessionOutcomes, type Queued } from './modbus-outcomes.js';
import { TokenBucket } from './token-bucket.js';

export interface ModbusSessionOptions {
  readonly session: BrokerSession;
  readonly stream: Duplex;
  readonly asset: ModbusAssetPolicy;
  /** The profile at session start: its rate limit and deadlines hold for the whole session. */
  readonly profile: CompiledProfile;
  /**
   * The rules in force for the next request, read once per request (a policy reload or a learn
   * window applies to the next request of a live session); a Decision when the profile is gone.
   */
  readonly rules: () => ModbusRules | Refusal;
  readonly dial: Dial;
  readonly maxQueued: number;
  /** How long a closing operator stream may take to flush before it is destroyed. */
  readonly closeGraceMs: number;
}

/** A refusal of every request (the session's profile is no longer in the policy in force). */
export type Refusal = Extract<Decision, { readonly allow: false }>;

/** What decides one request: the profile in force, and its learn hook while it learns. */
export interface ModbusRules {
  readonly profile: CompiledProfile;
  /** Set while the profile learns (modbus-learning.ts); undefined: enforce. */
  readonly learn: ModbusLearnHook | undefined;
}

export function runModbusSession(options: ModbusSessionOptions): Promise<SessionEnd> {
  return new Promise((resolve) => new ModbusSession(options, resolve).start());
}

class ModbusSession {
  private readonly s: BrokerSession;
  private readonly stream: Duplex;
  private readonly reader = new MbapReader();
  private readonly queue: Queued[] = [];
  private readonly bucket: TokenBucket;
  private readonly outcomes: SessionOutcomes;
  private plc: PlcConnection | undefined;
  private deadlines: ConnectionDeadlines | undefined;
  /** A state-changing request is being handled: nothing else goes to the PLC meanwhile. */
  private isWriting = false;
  /** Set by a malformed frame: the stream is not read past it, and the session ends once what came before is answered. */
  private broken: { readonly reason: string; readonly answer: Buffer | undefined } | undefined;
  private endReason: string | undefined;
  private isResolved = false;
  private readonly onAbort = (): void => this.end(abortReason(this.s.signal), false);

  constructor(
    private readonly o: ModbusSessionOptions,
    private readonly resolve: (end: SessionEnd) => void,
  ) {
    this.s = o.session;
    this.stream = o.stream;
    this.outcomes = new SessionOutcomes({
      session: o.session,
      profile: o.profile,
      reply: (frame) => this.reply(frame),
    });
    this.bucket = new TokenBucket(
      o.profile.rateLimit.requestsPerSecond,
      o.profile.rateLimit.burst,
      o.session.clock.now(),
    );
  }

  start(): void {
    const stream = this.stream;
    // The gateway keeps these (coalesced) so the session.end of a crash can still say them.
    this.s.trackCounts(() => ({ ...this.outcomes.stats }));
    stream.on('error', (e: Error) =>
      this.end(`operator connection error: ${describeError(e)}`, false),
    );
    stream.on('close', () => {
      this.end('the operator connection closed', false);
      this.finish();
    });
    if (this.s.signal.aborted) {
      this.onAbort();
      return;
    }
    this.s.signal.addEventListener('abort', this.onAbort, { once: true });
    this.plc = new PlcConnection({
      host: this.o.asset.address,
      port: this.o.asset.port,
      clock: this.s.clock,
      dial: this.o.dial,
      timeoutMs: this.o.asset.responseTimeoutMs,
      onClose: (reason) => this.end(`PLC connection lost: ${reason}`, true),
    });
    this.deadlines = new ConnectionDeadlines({
      clock: this.s.clock,
      ...this.o.profile.deadlines,
      isBusy: () => this.queue.length > 0 || this.isWriting || (this.plc?.inFlight ?? 0) > 0,
      onExpire: (kind, reason) => this.deadlineExpired(kind, reason),
    });
    stream.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      this.process();
    });
    stream.on('drain', () => this.process());
    stream.on('end', () => this.end('the operator closed the connection', true));
  }

  /** Parses what has arrived while there is room, sends what may go, and applies back-pressure. */
  private process(): void {
    let frames = 0;
    let isMidFrame = false;
    while (
      this.endReason === undefined &&
      this.broken === undefined &&
      this.queue.length < this.o.maxQueued &&
      !this.stream.writableNeedDrain
    ) {
      const r = this.reader.next();
      if (r === undefined) {
        isMidFrame = this.reader.pending > 0;
        break;
      }
      if (!r.ok) {
        this.malformed(
          `bad MBAP header: ${r.error.reason}`,
          { headerHex: r.error.headerHex },
          undefined,
        );
        break;
      }
      frames++;
      this.onRequest(r.value);
    }
    this.deadlines?.observe(frames, isMidFrame);
    this.pump();
    if (this.endReason !== undefined) return;
    if (this.broken !== undefined) {
      if (this.queue.length === 0 && !this.isWriting && (this.plc?.inFlight ?? 0) === 0) {
        if (this.broken.answer !== undefined) this.reply(this.broken.answer);
        this.end(`malformed Modbus frame: ${this.broken.reason}`, true);
      }
      return;
    }
    const isFull = this.queue.length >= this.o.maxQueued || this.stream.writableNeedDrain;
    if (isFull && !this.stream.isPaused()) this.stream.pause();
    else if (!isFull && this.stream.isPaused()) this.stream.resume();
  }

  private onRequest(frame: MbapFrame): void {
    const decoded = decodeRequest(frame.pdu);
    if (!decoded.ok) {
      const fc = frame.pdu[0] ?? 0;
      const facts = {
        unit: frame.unitId,
        function: fc,
        pduLength: frame.pdu.length,
        pduPrefixHex: frame.pdu.subarray(0, 8).toString('hex'),
      };
      this.malformed(
        decoded.error.reason,
        facts,
        exceptionFrame(frame.transactionId, frame.unitId, fc, decoded.error.exception),
      );
      return;
    }
    const request = decoded.value;
    if (!this.bucket.take(this.s.clock.now())) {
      this.outcomes.refuseOverRate(frame, request);
      return;
    }
    this.outcomes.withinRate();
    // One policy object per check: the rules are read once, here.
    const rules = this.o.rules();
    if ('allow' in rules) {
      this.outcomes.refuse(frame, request, rules);
      return;
    }
    const decision =
      rules.learn?.decide(frame.unitId, request) ?? decide(rules.profile, frame.unitId, request);
    if (!decision.allow) {
      this.outcomes.refuse(frame, request, decision);
      return;
    }
    this.queue.push({ frame, request, profile: rules.profile });
  }

  private pump(): void {
    const plc = this.plc;
    while (plc !== undefined && plc.isOpen && this.endReason === undefined && !this.isWriting) {
      const head = this.queue[0];
      if (head === undefined) return;
      if (isStateChanging(head.request)) {
        if (plc.inFlight > 0) return;
        this.queue.shift();
        this.isWriting = true;
        this.write(plc, head)
          .catch((e: unknown) => {
            // Not expected (every step returns values); never let it become an unhandled rejection.
            this.s.log.error('modbus write handling failed', { err: describeError(e) });
            this.end(`internal error while handling a write: ${describeError(e)}`, false);
          })
          .finally(() => {
            this.isWriting = false;
            this.process();
          });
        return;
      }
      if (plc.inFlight >= this.o.asset.maxInFlight) return;
      this.queue.shift();
      plc.send(head.frame.unitId, head.frame.pdu, (answer) => {
        // The next queued request goes to the PLC before this answer goes to the operator, so the
        // PLC works while the answer is written to the link (a TLS write); only requests already
        // decided are sent, so answers keep their order. Then read what the operator sent meanwhile.
        this.pump();
        this.relay(head, answer);
        this.process();
      });
    }
  }

  /** Old values (profile option), then the audit event, then the write itself. */
  private async write(plc: PlcConnection, q: Queued): Promise<void> {
    let old: OldValues = { kind: 'not-read' };
    const span = oldValueSpan(q.request);
    if (q.profile.readBeforeWrite && span !== undefined) {
      const pdu = readPdu(span.table, span.address, span.quantity);
      const answer = await plc.ask(q.frame.unitId, pdu);
      if (this.endReason !== undefined) return;
      if (answer.kind !== 'response') {
        // A PLC that does not answer a read will not answer the write either: do not send it blind.
        this.outcomes.plcFailure(
          q,
          answer.kind === 'timeout'
            ? `no answer to the read of old values within ${this.o.asset.responseTimeoutMs} ms; the write was not sent`
            : answer.reason,
        );
        return;
      }
      const read: ModbusRequest = { kind: 'read', fc: pdu.readUInt8(0), classes: ['read'], span };
      const check =
        answer.unitId === q.frame.unitId ? checkResponse(read, pdu, answer.pdu) : undefined;
      if (check === undefined || !check.ok)
        old = {
          kind: 'unavailable',
          reason: `wrong answer to the read of old values${check === undefined ? '' : `: ${check.error}`}`,
        };
      else if (check.value.exception !== undefined)
        old = {
          kind: 'unavailable',
          reason: `the PLC answered the read of old values with exception ${exceptionLabel(check.value.exception)}`,
        };
      else old = { kind: 'read', values: decodeReadValues(span.table, answer.pdu, span.quantity) };
    }
    const details = writeDetails(q.frame.unitId, q.request, q.frame.pdu, old, (a) =>
      isSignedRegister(q.profile, a),
    );
    // Durable before the write goes out, in a commit shared with other sessions' writes of the
    // same moment (one fsync for a burst, and the event loop is held once for it, not per write).
    if (
      !(await this.outcomes.recordDurable({ action: 'modbus.write', outcome: 'success', details }))
    ) {
      this.outcomes.auditFailed(q);
      return;
    }
    if (this.endReason !== undefined) {
      this.outcomes.notSentAfterEnd(q, this.endReason);
      return;
    }
    this.outcomes.wrote();
    this.relay(q, await plc.ask(q.frame.unitId, q.frame.pdu));
  }

  /** Sends the PLC's answer to the operator, or 0B when there is none or it does not fit. */
  private relay(q: Queued, answer: PlcAnswer): void {
    if (this.endReason !== undefined) {
      // The session ended with this request at the PLC; only a write's fate is worth recording.
      if (isStateChanging(q.request))
        this.outcomes.record({
          action: 'modbus.timeout',
          outcome: 'failure',
          details: {
            ...requestFacts(q.frame.unitId, q.request, q.frame.pdu),
            reason: `the session ended (${this.endReason}) before the PLC answered`,
            writeOutcome: 'unknown',
          },
        });
      return;
    }
    switch (answer.kind) {
      case 'timeout':
        this.outcomes.plcFailure(q, `no answer within ${this.o.asset.responseTimeoutMs} ms`);
        return;
      case 'closed':
        this.outcomes.plcFailure(q, answer.reason);
        return;
      case 'response': {
        if (answer.unitId !== q.frame.unitId) {
          this.outcomes.plcFailure(
            q,
            `response from unit ${answer.unitId} to a request for unit ${q.frame.unitId}`,
          );
          return;
        }
        const check = checkResponse(q.request, q.frame.pdu, answer.pdu);
        if (!check.ok) {
          this.outcomes.plcFailure(q, `wrong response dropped: ${check.error}`);
          return;
        }
        this.outcomes.count(q, check.value.exception);
        this.reply(encodeFrame(q.frame.transactionId, q.frame.unitId, answer.pdu));
        return;
      }
      default: {
        const never: never = answer;
        return never;
      }
    }
  }

  /** A deadline of connection-deadlines.ts passed: audited, then the session ends (and frees its slot). */
  private deadlineExpired(kind: DeadlineKind, reason: string): void {
    this.outcomes.record({
      action: 'modbus.deadline',
      outcome: 'denied',
      details: { deadline: kind, reason, pendingBytes: this.reader.pending },
    });
    this.end(reason, true);
  }

  private malformed(reason: string, facts: Details, answer: Buffer | undefined): void {
    this.outcomes.record({
      action: 'modbus.malformed',
      outcome: 'denied',
      details: { ...facts, reason },
    });
    this.broken = { reason, answer };
    this.stream.pause();
  }

  private reply(frame: Buffer): void {
    if (!this.stream.destroyed && !this.stream.writableEnded) this.stream.write(frame);
  }

  /** Ends the session once: closes the PLC side, audits the counts, then closes (or flushes and closes) the operator side. */
  private end(reason: string, isGraceful: boolean): void {
    if (this.endReason !== undefined) {
      if (!isGraceful && !this.stream.destroyed) this.stream.destroy();
      return;
    }
    this.endReason = reason;
    this.deadlines?.stop();
    this.s.signal.removeEventListener('abort', this.onAbort);
    this.plc?.close('the session ended');
    this.queue.length = 0;
    this.outcomes.record({
      action: 'modbus.reads',
      outcome: 'success',
      details: {
        ...this.outcomes.stats,
        strayResponses: this.plc?.strayResponses ?? 0,
        endReason: reason,
      },
    });
    if (this.stream.destroyed) {
      this.finish();
      return;
    }
    if (!isGraceful) {
      this.stream.destroy();
      return;
    }
    this.stream.end();
    const grace = this.s.clock.setTimeout(() => {
      this.stream.destroy();
      this.finish();
    }, this.o.closeGraceMs);
    this.stream.once('close', () => grace.cancel());
  }

  private finish(): void {
    if (this.isResolved || this.endReason === undefined) return;
    this.isResolved = true;
    this.resolve({ reason: this.endReason });
  }
}

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return typeof r === 'string' ? r : r instanceof Error ? r.message : 'the session was ended';
}
