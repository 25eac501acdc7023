/**
 * Live sessions on the OT gateway: opening one for a ticket (verified here, never on the IT side's
 * word), handing it to the protocol's broker, and ending it. A session ends, by this gateway's own
 * clock and whatever the link does, at min(grantNotAfter, start + limits.maxSessionMinutes); it also
 * ends on an IT command (session or grant), on lockdown, when its data connection closes, and when
 * the gateway stops. Ending means the BrokerSession signal aborts with the reason as a string; the
 * broker closes both sides and resolves. `session.start` and `session.end` are audited here, each
 * in one transaction with the session's row in `open_sessions`; a crash (kill -9, power loss)
 * leaves the rows of the sessions it cut, and `recoverCrashed` at the next start audits their
 * `session.end` with reason `gateway_crash`, so every start in the OT log has an end.
 */
import type { Duplex } from 'node:stream';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { AuditEventInput } from '../../../shared/src/audit/audit-event.js';
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import { describeError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import type { Protocol, SessionTicket } from '../../../shared/src/model/session-ticket.js';
import type { SessionStream } from '../../../shared/src/link/session-channel.js';
import type { AssetPolicy, LocalPolicy } from '../policy/policy.js';
import type { OpenSessionState, OpenSessionStore } from '../store/store.js';
import type { Lockdown, TicketVerifier } from '../grants/grants.js';
import type { OwnerApprovalVerifier } from '../owners/owners.js';
import type { BrokerAuditInput, BrokerSession, ProtocolBroker } from './protocol-broker.js';
import { SessionCountsWriter } from './session-counts.js';

/** How long the end of a session waits for bytes the broker wrote before it returned. */
const FLUSH_TIMEOUT_MS = 10_000;

/**
 * A broker that ended its stream (`end()`) and returned has not necessarily seen those bytes leave:
 * closing the session at once would discard the tail. Waits (bounded) for the stream to finish.
 */
function flushed(stream: Duplex, clock: Clock, ms: number): Promise<void> {
  if (!stream.writableEnded || stream.writableFinished || stream.destroyed)
    return Promise.resolve();
  return new Promise((resolve) => {
    const timer = clock.setTimeout(done, ms);
    function done(): void {
      timer.cancel();
      stream.off('finish', done).off('close', done).off('error', done);
      resolve();
    }
    stream.once('finish', done).once('close', done).once('error', done);
  });
}

export interface SessionManagerDeps {
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly log: Logger;
  readonly site: string;
  /** The policy in force; read once per check (a reload changes the next check, never half of one). */
  readonly policy: () => LocalPolicy;
  readonly brokers: ReadonlyMap<Protocol, ProtocolBroker>;
  readonly verifier: TicketVerifier;
  /** Owner-signed sites: checks the owners' signatures a ticket carries (owners/). */
  readonly ownerApprovals: Pick<OwnerApprovalVerifier, 'verify'>;
  readonly lockdown: Lockdown;
  /** The enrolled IT gateway's ticket-signing key (read at each verification). */
  readonly grantPublicKey: () => Uint8Array | undefined;
  /** Sessions started and not yet ended, kept with their audit events (what a crash cut). */
  readonly openSessions: OpenSessionStore;
}

/** The `session.end` reason of a session a crash of this gateway cut (found at the next start). */
export const GATEWAY_CRASH = 'gateway_crash';

export type OpenOutcome =
  | { readonly ok: true; readonly endsAt: number }
  | { readonly ok: false; readonly code: string; readonly reason: string };

/** Dials the session's data connection to the IT gateway (the link does, for the `open` it carried). */
export type DataDialer = (sessionId: string) => Promise<SessionStream>;

interface LiveSession {
  readonly ticket: SessionTicket;
  readonly asset: AssetPolicy;
  readonly controller: AbortController;
  channel: SessionStream | undefined;
  timer: TimerHandle | undefined;
  done: Promise<void> | undefined;
}

export class SessionManager {
  private readonly live = new Map<string, LiveSession>();

  constructor(private readonly deps: SessionManagerDeps) {}

  get liveCount(): number {
    return this.live.size;
  }

  liveSessionIds(): string[] {
    return [...this.live.keys()];
  }

  /** Live sessions by protocol (the metrics' gauge). */
  liveByProtocol(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const s of this.live.values())
      counts.set(s.asset.protocol, (counts.get(s.asset.protocol) ?? 0) + 1);
    return counts;
  }

  async open(signedTicket: unknown, dial: DataDialer): Promise<OpenOutcome> {
    const { deps } = this;
    const policy = deps.policy();
    // Owner signatures are verified (async: WebCrypto) before the one synchronous verdict.
    const ownerSignatures =
      policy.approvals.mode === 'owner-signed'
        ? await deps.ownerApprovals.verify(signedTicket)
        : undefined;
    const decision = deps.verifier.verify(signedTicket, {
      ...(ownerSignatures === undefined ? {} : { ownerSignatures }),
      grantPublicKey: deps.grantPublicKey(),
      policy,
      lockdown: deps.lockdown.status(),
      protocols: new Set(deps.brokers.keys()),
      liveSessions: this.live.size,
      isLive: (id) => this.live.has(id),
    });
    if (!decision.accepted) return { ok: false, code: decision.code, reason: decision.reason };
    const ticket = decision.ticket;
    const broker = deps.brokers.get(ticket.protocol);
    if (broker === undefined)
      return { ok: false, code: 'session.no_broker', reason: `no ${ticket.protocol} broker` };
    // Reserve the slot while dialling, so the concurrency limit counts this session.
    const session: LiveSession = {
      ticket,
      asset: decision.asset,
      controller: new AbortController(),
      channel: undefined,
      timer: undefined,
      done: undefined,
    };
    this.live.set(ticket.sessionId, session);

    let channel: SessionStream;
    try {
      channel = await dial(ticket.sessionId);
    } catch (e) {
      this.live.delete(ticket.sessionId);
      const reason = `the data connection to the IT gateway failed: ${describeError(e).slice(0, 200)}`;
      this.auditSafely({
        action: 'session.deny',
        actor: ticket.user.name,
        site: deps.site,
        target: ticket.asset,
        outcome: 'failure',
        details: {
          sessionId: ticket.sessionId,
          grantId: ticket.grantId,
          code: 'link.data_dial_failed',
          reason,
        },
      });
      return { ok: false, code: 'link.data_dial_failed', reason };
    }
    if (session.controller.signal.aborted) {
      this.live.delete(ticket.sessionId);
      const reason = String(session.controller.signal.reason);
      channel.close(reason);
      return { ok: false, code: 'session.ended', reason };
    }
    session.channel = channel;
    const start = deps.clock.now();
    const endsAt = Math.min(ticket.grantNotAfter, start + policy.limits.maxSessionMinutes * 60_000);
    try {
      deps.openSessions.atomically(() => {
        deps.audit.append({
          action: 'session.start',
          actor: ticket.user.name,
          site: deps.site,
          target: ticket.asset,
          outcome: 'success',
          details: {
            sessionId: ticket.sessionId,
            grantId: ticket.grantId,
            userId: ticket.user.id,
            profile: ticket.profile,
            protocol: ticket.protocol,
            channel: ticket.channel,
            breakGlass: ticket.breakGlass,
            endsAt,
          },
        });
        deps.openSessions.insert({
          sessionId: ticket.sessionId,
          grantId: ticket.grantId,
          userName: ticket.user.name,
          asset: ticket.asset,
          protocol: ticket.protocol,
          startedAt: start,
        });
      });
    } catch (e) {
      // No audit, no session.
      this.live.delete(ticket.sessionId);
      channel.close('the OT gateway could not record the session start');
      return {
        ok: false,
        code: 'audit.unavailable',
        reason: `the session start could not be audited: ${describeError(e).slice(0, 200)}`,
      };
    }
    session.timer = deps.clock.setTimeout(
      () =>
        this.abort(
          session,
          endsAt === ticket.grantNotAfter
            ? 'the grant has ended'
            : `the local limit of ${policy.limits.maxSessionMinutes} minutes per session was reached`,
        ),
      endsAt - start,
    );
    channel.onClose((reason) => this.abort(session, `the data connection closed: ${reason}`));
    session.done = this.run(session, broker, channel, start);
    return { ok: true, endsAt };
  }

  /** Ends one live session; false if there is none with this id. */
  end(sessionId: string, reason: string): boolean {
    const s = this.live.get(sessionId);
    if (s === undefined) return false;
    this.abort(s, reason);
    return true;
  }

  /** Ends every live session of a grant; returns how many. */
  endGrant(grantId: string, reason: string): number {
    const matching = [...this.live.values()].filter((s) => s.ticket.grantId === grantId);
    for (const s of matching) this.abort(s, reason);
    return matching.length;
  }

  /** Ends every live session (lockdown, stop); returns how many. */
  endAll(reason: string): number {
    const all = [...this.live.values()];
    for (const s of all) this.abort(s, reason);
    return all.length;
  }

  /** Ends everything and waits (up to `graceMs`) for the brokers to finish. */
  async stop(reason: string, graceMs = 5_000): Promise<void> {
    const running = [...this.live.values()]
      .map((s) => s.done)
      .filter((d): d is Promise<void> => d !== undefined);
    this.endAll(reason);
    if (running.length === 0) return;
    await new Promise<void>((resolve) => {
      const timer = this.deps.clock.setTimeout(resolve, graceMs);
      void Promise.allSettled(running).then(() => {
        timer.cancel();
        resolve();
      });
    });
  }

  private abort(s: LiveSession, reason: string): void {
    if (!s.controller.signal.aborted) s.controller.abort(reason);
  }

  private async run(
    session: LiveSession,
    broker: ProtocolBroker,
    channel: SessionStream,
    start: number,
  ): Promise<void> {
    const { deps } = this;
    const t = session.ticket;
    const log = deps.log.child({ sessionId: t.sessionId, asset: t.asset });
    const counts = new SessionCountsWriter(t.sessionId, deps.openSessions, deps.clock, log);
    const sessionEvent = (event: BrokerAuditInput): AuditEventInput => ({
      ...event,
      actor: event.actor ?? t.user.name,
      site: deps.site,
      details: { ...event.details, sessionId: t.sessionId, grantId: t.grantId },
    });
    const brokerSession: BrokerSession = {
      ticket: t,
      assetName: t.asset,
      asset: session.asset,
      currentAsset: () => {
        const assets = deps.policy().assets;
        return Object.hasOwn(assets, t.asset) ? assets[t.asset] : undefined;
      },
      profileName: t.profile,
      audit: (event) => {
        deps.audit.append(sessionEvent(event));
      },
      auditDurable: async (event) => {
        await deps.audit.appendDurable(sessionEvent(event));
      },
      log,
      clock: deps.clock,
      signal: session.controller.signal,
      trackCounts: (read) => counts.track(read),
      countsChanged: () => counts.changed(),
    };
    let reason: string;
    let outcome: 'success' | 'failure' = 'success';
    try {
      reason = (await broker.handle(brokerSession, channel)).reason;
    } catch (e) {
      outcome = 'failure';
      reason = `the ${t.protocol} broker failed: ${describeError(e).slice(0, 200)}`;
      deps.log.error('broker failed', { sessionId: t.sessionId, err: e });
    }
    if (session.controller.signal.aborted) reason = String(session.controller.signal.reason);
    session.timer?.cancel();
    this.live.delete(t.sessionId);
    const finalCounts = counts.close();
    await flushed(channel.stream, deps.clock, FLUSH_TIMEOUT_MS);
    channel.close(reason);
    try {
      deps.openSessions.atomically(() => {
        deps.audit.append({
          action: 'session.end',
          actor: t.user.name,
          site: deps.site,
          target: t.asset,
          outcome,
          details: {
            sessionId: t.sessionId,
            grantId: t.grantId,
            reason,
            durationMs: deps.clock.now() - start,
            ...(finalCounts === undefined ? {} : { counts: finalCounts }),
          },
        });
        deps.openSessions.remove(t.sessionId);
      });
    } catch (e) {
      // The row stays: the next start closes the session as cut (its end could not be recorded).
      deps.log.error('could not audit a session end', { sessionId: t.sessionId, err: e });
    }
  }

  /**
   * At start, before any session opens: audits `session.end` (reason `gateway_crash`, outcome
   * `failure`) for every session a crash left open, and forgets it. When it ended is not known
   * (the process died): the event says when it started and when the end was recorded. The broker's
   * counters are those last written (`counts`, at most a second apart while they changed), with
   * `countsAsOf` (ms) saying when: what the session did after that died with the process, so they
   * can be lower than the truth, never higher. Returns the sessions closed.
   */
  recoverCrashed(): OpenSessionState[] {
    const { deps } = this;
    const cut = deps.openSessions.list().filter((r) => !this.live.has(r.sessionId));
    for (const r of cut) {
      deps.openSessions.atomically(() => {
        deps.audit.append({
          action: 'session.end',
          actor: r.userName,
          site: deps.site,
          target: r.asset,
          outcome: 'failure',
          details: {
            sessionId: r.sessionId,
            grantId: r.grantId,
            reason: GATEWAY_CRASH,
            protocol: r.protocol,
            recovered: true,
            startedAt: r.startedAt,
            ...(r.counts === undefined
              ? {}
              : { counts: r.counts.values, countsAsOf: r.counts.asOf }),
          },
        });
        deps.openSessions.remove(r.sessionId);
      });
    }
    return cut;
  }

  private auditSafely(event: Parameters<AuditLog['append']>[0]): void {
    try {
      this.deps.audit.append(event);
    } catch (e) {
      this.deps.log.error('could not audit a session event', { action: event.action, err: e });
    }
  }
}
