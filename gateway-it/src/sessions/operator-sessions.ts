/**
 * The one IT-side path that opens an operator session (SSH endpoint, port forwarding, web
 * terminal), and the registry of live sessions.
 *
 * `open` runs the access check and signs a ticket (TicketIssuer, which audits `ticket.issue`),
 * asks the site to open the session (SiteCommands.openSession: the OT gateway verifies the ticket
 * again and hands it to its broker), registers the live session and audits `session.start`. Any
 * refusal on the way (no grant, expired, outside window, site locked down, site offline, refused
 * by the site) is audited as `session.deny` and thrown as an AirlockError whose message says why,
 * for the caller's boundary to map once (SSH banner and exit status, HTTP status, WebSocket close).
 * If `session.start` cannot be audited the session is closed at once and the error propagates.
 *
 * Ending: by the operator or the relay (`LiveSession.end`), by an IT command (`terminate`: audited,
 * and the site is told), or by grant revocation or lockdown (`endGrant`, `endSite`: sessions.ts
 * calls them when access announces the end, so revocation does not wait for the site). Every end
 * is audited once as `session.end` with its reason.
 * Not guaranteed here: anything about the OT side; the site enforces expiry by its own clock.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { AuditEventInput } from '../../../shared/src/audit/audit-event.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError, toAirlockError } from '../../../shared/src/errors.js';
import type { SessionId, UserId } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import type { Protocol } from '../../../shared/src/model/session-ticket.js';
import type { AccessDeny, TicketChannel, TicketIssue, TicketRequest } from '../access/access.js';
import type { SiteCommands } from '../sites/sites.js';
import { LiveSession, type SessionVia, type Unsubscribe } from './live-session.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';

export interface SessionOpenRequest {
  readonly user: UserId;
  readonly site: string;
  readonly asset: string;
  readonly protocol: Protocol;
  readonly channel: TicketChannel;
  readonly via: SessionVia;
  /** `ip:port` of the operator, for audit. */
  readonly source?: string;
}

export type SessionEvent =
  | { readonly type: 'started'; readonly session: LiveSession }
  | { readonly type: 'ended'; readonly session: LiveSession; readonly reason: string };

export interface OperatorSessionsDeps {
  readonly tickets: { issue(req: TicketRequest): TicketIssue };
  readonly siteCommands: Pick<SiteCommands, 'openSession' | 'endSession'>;
  readonly userName: (user: UserId) => string | undefined;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly log: Logger;
}

/** The error an access refusal becomes: `access.<reason>`, the checker's message for the operator. */
export function accessRefusal(deny: AccessDeny): AirlockError {
  return new AirlockError(
    'access_denied',
    `access.${deny.reason.replaceAll('-', '_')}`,
    deny.message,
    { details: { reason: deny.reason, grantId: deny.grantId } },
  );
}

export class OperatorSessions {
  private readonly live = new Map<SessionId, LiveSession>();
  private readonly listeners = new Set<(e: SessionEvent) => void>();
  private closing = false;

  constructor(private readonly deps: OperatorSessionsDeps) {}

  /** Opens a session or throws an AirlockError saying why not (audited either way). */
  async open(req: SessionOpenRequest): Promise<LiveSession> {
    const { deps } = this;
    const actor = deps.userName(req.user) ?? req.user;
    const facts = {
      protocol: req.protocol,
      channel: req.channel,
      via: req.via,
      source: req.source ?? null,
    };
    const refuse = (e: AirlockError, extra: Record<string, unknown> = {}): AirlockError => {
      this.auditSafely({
        action: 'session.deny',
        actor,
        site: req.site,
        target: req.asset,
        outcome: 'denied',
        details: { ...facts, ...extra, code: e.code, message: e.message },
      });
      return e.asAudited();
    };
    if (this.closing)
      throw refuse(
        new AirlockError('unavailable', 'session.stopping', 'the IT gateway is stopping'),
      );
    const issued = deps.tickets.issue({
      user: req.user,
      site: req.site,
      asset: req.asset,
      protocol: req.protocol,
      channel: req.channel,
      ...omitUndefined({ source: req.source }),
    });
    if (!issued.ok)
      throw refuse(accessRefusal(issued.access), {
        reason: issued.access.reason,
        grantId: issued.access.grantId,
      });
    const grant = issued.access.grant;
    let stream;
    try {
      stream = await deps.siteCommands.openSession(req.site, issued.signed);
    } catch (e) {
      throw refuse(toAirlockError(e, 'session.open_failed'), {
        sessionId: issued.sessionId,
        grantId: grant.id,
      });
    }
    const session = new LiveSession(
      {
        id: issued.sessionId,
        userId: req.user,
        userName: actor,
        site: req.site,
        asset: req.asset,
        protocol: req.protocol,
        channel: req.channel,
        grantId: grant.id,
        profile: issued.access.profile,
        breakGlass: grant.breakGlass,
        startedAt: deps.clock.now(),
        notAfter: grant.notAfter,
        source: req.source ?? null,
        via: req.via,
      },
      stream,
    );
    try {
      deps.audit.append({
        action: 'session.start',
        actor,
        site: req.site,
        target: req.asset,
        outcome: 'success',
        details: {
          ...facts,
          sessionId: session.id,
          grantId: grant.id,
          profile: issued.access.profile,
          breakGlass: grant.breakGlass,
        },
      });
    } catch (e) {
      stream.close('the IT gateway could not record the session start');
      throw toAirlockError(e, 'session.audit_failed');
    }
    this.live.set(session.id, session);
    session.onEnd((reason) => this.ended(session, reason));
    if (this.closing) session.end('the IT gateway is stopping');
    this.emit({ type: 'started', session });
    return session;
  }

  get(id: string): LiveSession | undefined {
    return this.live.get(id as SessionId);
  }

  /** Live sessions, oldest first. */
  list(filter: { user?: UserId; site?: string; grantId?: string } = {}): LiveSession[] {
    return [...this.live.values()].filter(
      (s) =>
        (filter.user === undefined || s.info.userId === filter.user) &&
        (filter.site === undefined || s.info.site === filter.site) &&
        (filter.grantId === undefined || s.info.grantId === filter.grantId),
    );
  }

  get size(): number {
    return this.live.size;
  }

  /** Sessions starting and ending, for the live list of the portal. */
  subscribe(listener: (e: SessionEvent) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * An IT-side command (an OT owner or admin in the portal) ends a live session: audited as
   * `session.terminate`, the site is told, and the local side is closed whether or not it answered.
   * Returns false when no such session is live here.
   */
  async terminate(id: string, actor: string, reason: string): Promise<boolean> {
    const session = this.live.get(id as SessionId);
    if (session === undefined) return false;
    const { info } = session;
    this.deps.audit.append({
      action: 'session.terminate',
      actor,
      site: info.site,
      target: info.asset,
      outcome: 'success',
      details: { sessionId: info.id, user: info.userName, reason },
    });
    const text = `ended by ${actor}: ${reason}`;
    const told = this.deps.siteCommands.endSession(info.site, info.id, text).catch(() => false);
    session.end(text);
    if (!(await told))
      this.deps.log.warn('site did not confirm the end of a session', {
        site: info.site,
        sessionId: info.id,
      });
    return true;
  }

  /** Ends the local sessions of a grant (revocation, expiry); the site is told separately. */
  endGrant(grantId: string, reason: string): number {
    const hit = this.list({ grantId });
    for (const s of hit) s.end(reason);
    return hit.length;
  }

  /** Ends the local sessions of a site (lockdown, site revoked). */
  endSite(site: string, reason: string): number {
    const hit = this.list({ site });
    for (const s of hit) s.end(reason);
    return hit.length;
  }

  /** Gateway stop: refuses new sessions and ends the live ones. */
  closeAll(reason: string): void {
    this.closing = true;
    for (const s of [...this.live.values()]) s.end(reason);
  }

  private ended(session: LiveSession, reason: string): void {
    this.live.delete(session.id);
    const { info } = session;
    this.auditSafely({
      action: 'session.end',
      actor: info.userName,
      site: info.site,
      target: info.asset,
      outcome: 'success',
      details: {
        sessionId: info.id,
        grantId: info.grantId,
        channel: info.channel,
        via: info.via,
        reason,
        durationMs: this.deps.clock.now() - info.startedAt,
      },
    });
    this.emit({ type: 'ended', session, reason });
  }

  private emit(e: SessionEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.deps.log.warn('a session listener failed', { err });
      }
    }
  }

  /** For events that report something already decided (a refusal, an end): log if the audit fails. */
  private auditSafely(event: AuditEventInput): void {
    try {
      this.deps.audit.append(event);
    } catch (e) {
      this.deps.log.error('could not audit a session event', { action: event.action, err: e });
    }
  }
}
