/**
 * The outcomes of one Modbus session's requests that are not the PLC's own answer, and its
 * counters: refusals by the profile (`modbus.deny`), the rate limit (06; only the first refusal of a
 * run audited, all counted), PLC failures (0B, `modbus.timeout`), and the read/write/other counts
 * that `modbus.reads` reports and the gateway keeps coalesced for a crash's session.end.
 *
 * Guarantees: each refusal answers the operator once, with the request's own transaction and unit
 * id; every count change is reported (`countsChanged`); `record` never throws (false, logged, when
 * the event could not be recorded). Not here: parsing, queueing, the write path and deadlines
 * (modbus-session.ts, connection-deadlines.ts); what the profile allows (modbus-rules.ts).
 */
import { describeError } from '../../../../shared/src/errors.js';
import type { BrokerAuditInput, BrokerSession } from '../../sessions/sessions.js';
import type { MbapFrame } from './mbap-reader.js';
import { requestFacts, type Details } from './modbus-audit.js';
import { EXCEPTION, exceptionFrame, exceptionLabel } from './modbus-pdu.js';
import { isStateChanging, type ModbusRequest } from './modbus-request.js';
import type { CompiledProfile, Decision } from './modbus-rules.js';

export interface Queued {
  readonly frame: MbapFrame;
  readonly request: ModbusRequest;
  /** The profile that allowed it (after a policy reload, its write is carried out by that one). */
  readonly profile: CompiledProfile;
}

export interface ModbusSessionStats {
  /** Read requests answered by the PLC (FC 1–4, 23, 24), and the points they covered. */
  reads: number;
  readPoints: number;
  /** State-changing requests forwarded (each has a `modbus.write` event). */
  writes: number;
  /** Other allowed requests forwarded (diagnostics, identification, file reads). */
  otherRequests: number;
  denied: number;
  rateLimited: number;
  /** Requests answered 0B: PLC timeout, wrong answer, or connection lost. */
  plcFailures: number;
  /** Writes refused with 04 because their audit event could not be recorded. */
  auditFailures: number;
}

export interface SessionOutcomeOptions {
  readonly session: BrokerSession;
  readonly profile: CompiledProfile;
  /** Writes a frame to the operator (nothing once the stream is closing). */
  readonly reply: (frame: Buffer) => void;
}

export class SessionOutcomes {
  readonly stats: ModbusSessionStats = {
    reads: 0,
    readPoints: 0,
    writes: 0,
    otherRequests: 0,
    denied: 0,
    rateLimited: 0,
    plcFailures: 0,
    auditFailures: 0,
  };
  private isRateLimited = false;
  private readonly s: BrokerSession;

  constructor(private readonly o: SessionOutcomeOptions) {
    this.s = o.session;
  }

  /** A request passed the rate limit: the next refusal over it starts a new run (and is audited). */
  withinRate(): void {
    this.isRateLimited = false;
  }

  wrote(): void {
    this.stats.writes++;
    this.s.countsChanged();
  }

  /** A write whose `modbus.write` event could not be recorded: 04, and it is not forwarded. */
  auditFailed(q: Queued): void {
    this.stats.auditFailures++;
    this.s.countsChanged();
    this.reply(
      exceptionFrame(
        q.frame.transactionId,
        q.frame.unitId,
        q.request.fc,
        EXCEPTION.SERVER_DEVICE_FAILURE,
      ),
    );
  }

  count(q: Queued, exception: number | undefined): void {
    const r = q.request;
    if (isStateChanging(r)) {
      if (exception !== undefined) {
        this.record({
          action: 'modbus.write',
          outcome: 'failure',
          details: {
            ...requestFacts(q.frame.unitId, r, q.frame.pdu),
            plcException: exceptionLabel(exception),
          },
        });
      }
      if (r.kind === 'read-write') this.countRead(r.read.quantity);
      return;
    }
    if (r.kind === 'read') this.countRead(r.span.quantity);
    else {
      this.stats.otherRequests++;
      this.s.countsChanged();
    }
  }

  private countRead(points: number): void {
    this.stats.reads++;
    this.stats.readPoints += points;
    this.s.countsChanged();
  }

  refuse(frame: MbapFrame, request: ModbusRequest, d: Extract<Decision, { allow: false }>): void {
    this.stats.denied++;
    this.s.countsChanged();
    this.record({
      action: 'modbus.deny',
      outcome: 'denied',
      details: {
        ...requestFacts(frame.unitId, request, frame.pdu),
        rule: d.rule,
        reason: d.reason,
        exception: exceptionLabel(d.exception),
      },
    });
    this.reply(exceptionFrame(frame.transactionId, frame.unitId, request.fc, d.exception));
  }

  /** Over the rate limit: 06 (busy, retry later). Only the first refusal of a run is audited; all are counted. */
  refuseOverRate(frame: MbapFrame, request: ModbusRequest): void {
    this.stats.rateLimited++;
    this.s.countsChanged();
    if (!this.isRateLimited) {
      this.isRateLimited = true;
      const { requestsPerSecond, burst } = this.o.profile.rateLimit;
      const reason = `over the rate limit of ${requestsPerSecond} requests/s (burst ${burst}); further refusals until the rate drops are counted in modbus.reads`;
      this.record({
        action: 'modbus.deny',
        outcome: 'denied',
        details: {
          ...requestFacts(frame.unitId, request, frame.pdu),
          rule: 'rate',
          reason,
          exception: exceptionLabel(EXCEPTION.SERVER_DEVICE_BUSY),
        },
      });
    }
    this.reply(
      exceptionFrame(frame.transactionId, frame.unitId, request.fc, EXCEPTION.SERVER_DEVICE_BUSY),
    );
  }

  plcFailure(q: Queued, reason: string): void {
    this.stats.plcFailures++;
    this.s.countsChanged();
    const details: Details = {
      ...requestFacts(q.frame.unitId, q.request, q.frame.pdu),
      reason,
      exception: exceptionLabel(EXCEPTION.GATEWAY_TARGET_FAILED),
    };
    // For a write that was sent, nobody knows whether the PLC applied it: say so.
    if (isStateChanging(q.request)) details.writeOutcome = 'unknown or not sent';
    this.record({ action: 'modbus.timeout', outcome: 'failure', details });
    this.reply(
      exceptionFrame(
        q.frame.transactionId,
        q.frame.unitId,
        q.request.fc,
        EXCEPTION.GATEWAY_TARGET_FAILED,
      ),
    );
  }

  /** Appends an audit event; false (and logged) when it could not be recorded. */
  record(event: Omit<BrokerAuditInput, 'target'>): boolean {
    try {
      this.s.audit({ ...event, target: this.s.assetName });
      return true;
    } catch (e) {
      this.s.log.error('modbus audit event could not be recorded', {
        action: event.action,
        err: describeError(e),
      });
      return false;
    }
  }

  /**
   * `record`, resolving once the event is durable in a commit shared with other sessions' events
   * (group commit; see BrokerSession.auditDurable); false (and logged) when it was not recorded.
   */
  async recordDurable(event: Omit<BrokerAuditInput, 'target'>): Promise<boolean> {
    if (this.s.auditDurable === undefined) return this.record(event);
    try {
      await this.s.auditDurable({ ...event, target: this.s.assetName });
      return true;
    } catch (e) {
      this.s.log.error('modbus audit event could not be recorded', {
        action: event.action,
        err: describeError(e),
      });
      return false;
    }
  }

  /**
   * The session ended while a write's event was being committed (deadline, owner, operator gone):
   * nothing is sent after the end, so the committed `modbus.write` is followed by one saying so.
   */
  notSentAfterEnd(q: Queued, endReason: string): void {
    this.record({
      action: 'modbus.timeout',
      outcome: 'failure',
      details: {
        ...requestFacts(q.frame.unitId, q.request, q.frame.pdu),
        reason: `the session ended (${endReason}) before the write was sent`,
        writeOutcome: 'not sent',
      },
    });
  }

  private reply(frame: Buffer): void {
    this.o.reply(frame);
  }
}
