/**
 * All sites' links, IT end: the registry of authenticated control links (one per site; a newer
 * authenticated connection supersedes an older one, which covers a gateway that restarted before
 * the old TCP connection timed out) and of sessions' data connections. It is what the rest of the
 * IT gateway sees: `SiteLinkStates` (for /healthz and the API) and `SiteCommands` (lockdown, ending
 * sessions, opening a session for a signed ticket).
 *
 * A session opens like this: `open {ticket}` goes down the control link; the OT gateway verifies
 * the ticket itself and, if it accepts, dials a new data connection for that session only, which
 * authenticates like any link connection, starts the session (audited) and answers `result ok`;
 * openSession then resolves with that connection's stream. It rejects with the OT gateway's refusal
 * (code and reason), with `link.site_offline`, or with `link.open_timeout`.
 */
import type { WebSocket } from 'ws';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import type { SignedTicket } from '../../../shared/src/model/session-ticket.js';
import type {
  CommandResult,
  ReviewDecisionMessage,
} from '../../../shared/src/link/control-messages.js';
import {
  encodeFrame,
  socketErrorViolation,
  type LinkViolation,
} from '../../../shared/src/link/frame-codec.js';
import type { FrameInbox } from '../../../shared/src/link/frame-inbox.js';
import { SessionChannel, type SessionStream } from '../../../shared/src/link/session-channel.js';
import type { SiteCommands, SiteLinkState, SiteLinkStates } from '../sites/sites.js';
import type { SiteGatewayStore } from '../store/store.js';
import {
  CLOSE_GOING_AWAY,
  CLOSE_REVOKED,
  CLOSE_SUPERSEDED,
  CLOSE_VIOLATION,
  ControlLink,
  type ControlLinkDeps,
  type ReviewInbox,
} from './control-link.js';
import type { LinkPeer } from './link-authenticator.js';

export interface SiteLinksDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly audit: AuditLog;
  readonly gateways: SiteGatewayStore;
  readonly control: Omit<ControlLinkDeps, 'reviews'>;
  /** How long openSession waits for the OT gateway's verdict and data connection. */
  readonly openTimeoutMs: number;
  /** How long a command waits for the OT gateway's result. */
  readonly commandTimeoutMs: number;
}

/** A session being opened: it resolves once both its data connection and the OT side's `result ok` are in. */
interface PendingOpen {
  readonly site: string;
  readonly gatewayId: string;
  readonly timer: TimerHandle;
  channel: SessionChannel | undefined;
  accepted: boolean;
  resolve(stream: SessionStream): void;
  reject(e: AirlockError): void;
}

export class SiteLinks implements SiteLinkStates, SiteCommands {
  private readonly links = new Map<string, ControlLink>();
  private readonly lastOffsets = new Map<string, number>();
  private readonly pendingOpens = new Map<string, PendingOpen>();
  private readonly sessions = new Map<string, Set<SessionChannel>>();
  private closedAll = false;
  private reviews: ReviewInbox | undefined;

  constructor(private readonly deps: SiteLinksDeps) {}

  /** Registers where lines held for review go (one inbox: sessions/ registers CommandReviews). */
  onReviews(inbox: ReviewInbox): void {
    if (this.reviews !== undefined)
      throw new AirlockError('internal', 'link.reviews_taken', 'a review inbox is registered');
    this.reviews = inbox;
  }

  // ---- SiteLinkStates ----
  get(site: string): SiteLinkState {
    const link = this.links.get(site);
    if (link?.isOpen === true)
      return {
        state: 'online',
        lastSeen: link.lastSeen,
        gatewayVersion: link.peer.gatewayVersion,
        clockOffsetMs: link.clockOffsetMs,
        ...(link.roundTripMs === undefined ? {} : { roundTripMs: link.roundTripMs }),
      };
    const offset = this.lastOffsets.get(site) ?? null;
    const active = this.deps.gateways.active(site);
    if (active !== undefined)
      return {
        state: 'offline',
        lastSeen: active.lastSeen,
        gatewayVersion: active.gatewayVersion,
        clockOffsetMs: offset,
      };
    const latest = this.deps.gateways.latest(site);
    if (latest?.state === 'revoked')
      return {
        state: 'revoked',
        lastSeen: latest.lastSeen,
        gatewayVersion: latest.gatewayVersion,
        clockOffsetMs: offset,
      };
    return { state: 'not-enrolled', lastSeen: null, gatewayVersion: null, clockOffsetMs: null };
  }

  // ---- connections (from the link endpoint) ----
  attachControl(ws: WebSocket, inbox: FrameInbox, peer: LinkPeer): void {
    if (this.closedAll) {
      ws.close(CLOSE_GOING_AWAY, 'IT gateway stopping');
      return;
    }
    const previous = this.links.get(peer.site);
    const control = { ...this.deps.control, reviews: () => this.reviews };
    const link = new ControlLink(ws, peer, control, (l, reason) => this.controlClosed(l, reason));
    this.links.set(peer.site, link);
    previous?.close('superseded by a newer connection from the site', CLOSE_SUPERSEDED);
    link.start(inbox);
  }

  /** Whether a data connection for this session is awaited (checked before the WebSocket upgrade). */
  isAwaitingData(sessionId: string): boolean {
    const p = this.pendingOpens.get(sessionId);
    return p !== undefined && p.channel === undefined;
  }

  attachData(ws: WebSocket, inbox: FrameInbox, peer: LinkPeer, remote: string): void {
    const sessionId = peer.sessionId ?? '';
    const pending = this.pendingOpens.get(sessionId);
    if (
      pending === undefined ||
      pending.channel !== undefined ||
      pending.site !== peer.site ||
      pending.gatewayId !== peer.gatewayId
    ) {
      this.auditSafely({
        action: 'link.refuse',
        actor: 'system:link',
        site: peer.site,
        target: peer.gatewayId,
        outcome: 'denied',
        details: {
          code: 'link.unexpected_session',
          reason: 'no session is being opened with this id for this gateway',
          sessionId,
          channel: 'data',
          remote,
        },
      });
      ws.close(CLOSE_VIOLATION, 'unexpected session');
      return;
    }
    ws.send(encodeFrame({ type: 'data.welcome', sessionId }));
    const channel = new SessionChannel(sessionId, ws, {
      onViolation: (v) => this.dataViolation(peer, sessionId, v),
      onError: (e) => this.deps.log.warn('session control listener failed', { sessionId, err: e }),
    });
    ws.on('error', (e: Error & { code?: string }) => {
      const v = socketErrorViolation(e);
      if (v !== undefined) this.dataViolation(peer, sessionId, v);
      else this.deps.log.warn('data connection error', { site: peer.site, sessionId, err: e });
    });
    inbox.deliverTo(channel);
    const set = this.sessions.get(peer.site) ?? new Set<SessionChannel>();
    this.sessions.set(peer.site, set);
    set.add(channel);
    channel.onClose(() => set.delete(channel));
    pending.channel = channel;
    this.settle(sessionId, pending);
  }

  // ---- SiteCommands ----
  async setLockdown(site: string, on: boolean, reason: string): Promise<boolean> {
    return (await this.command(site, { type: 'lockdown', on, reason })) === true;
  }

  async endGrantSessions(site: string, grantId: string, reason: string): Promise<boolean> {
    return (await this.command(site, { type: 'grant.end', grantId, reason })) === true;
  }

  async endSession(site: string, sessionId: string, reason: string): Promise<boolean> {
    return (await this.command(site, { type: 'session.end', sessionId, reason })) === true;
  }

  async relayOwnerEnrollment(
    site: string,
    owner: string,
    registration: string,
  ): Promise<CommandResult | undefined> {
    const link = this.links.get(site);
    if (link?.isOpen !== true) return undefined;
    return link.request({ type: 'owner.enroll', owner, registration }, this.deps.commandTimeoutMs);
  }

  sendReviewDecision(site: string, decision: ReviewDecisionMessage): boolean {
    const link = this.links.get(site);
    return link?.isOpen === true && link.deliverReview(decision);
  }

  openSession(site: string, ticket: SignedTicket): Promise<SessionStream> {
    const link = this.links.get(site);
    if (link?.isOpen !== true)
      return Promise.reject(
        new AirlockError('unavailable', 'link.site_offline', `site ${site} is not connected`),
      );
    const sessionId = ticket.ticket.sessionId;
    if (ticket.ticket.site !== site)
      return Promise.reject(
        new AirlockError(
          'bad_request',
          'link.ticket_site',
          `the ticket is for site ${ticket.ticket.site}, not ${site}`,
        ),
      );
    if (this.pendingOpens.has(sessionId))
      return Promise.reject(
        new AirlockError(
          'conflict',
          'link.session_opening',
          `session ${sessionId} is already being opened`,
        ),
      );
    return new Promise<SessionStream>((resolve, reject) => {
      const timer = this.deps.clock.setTimeout(
        () =>
          this.fail(
            sessionId,
            pending,
            new AirlockError(
              'unavailable',
              'link.open_timeout',
              `site ${site} did not open session ${sessionId} in time`,
            ),
          ),
        this.deps.openTimeoutMs,
      );
      const pending: PendingOpen = {
        site,
        gatewayId: link.peer.gatewayId,
        timer,
        channel: undefined,
        accepted: false,
        resolve,
        reject,
      };
      this.pendingOpens.set(sessionId, pending);
      void link.request({ type: 'open', ticket }, this.deps.openTimeoutMs).then((result) => {
        if (this.pendingOpens.get(sessionId) !== pending) return;
        if (result === undefined)
          this.fail(
            sessionId,
            pending,
            new AirlockError(
              'unavailable',
              'link.site_offline',
              `site ${site} went offline while opening session ${sessionId}`,
            ),
          );
        else if (!result.ok)
          this.fail(
            sessionId,
            pending,
            new AirlockError(
              'access_denied',
              result.code,
              `site ${site} refused the session: ${result.reason}`,
            ),
          );
        else {
          pending.accepted = true;
          this.settle(sessionId, pending);
        }
      });
    });
  }

  private settle(sessionId: string, p: PendingOpen): void {
    if (p.channel === undefined || !p.accepted || this.pendingOpens.get(sessionId) !== p) return;
    this.pendingOpens.delete(sessionId);
    p.timer.cancel();
    p.resolve(p.channel);
  }

  private fail(sessionId: string, p: PendingOpen, e: AirlockError): void {
    if (this.pendingOpens.get(sessionId) !== p) return;
    this.pendingOpens.delete(sessionId);
    p.timer.cancel();
    p.channel?.close(e.message);
    p.reject(e);
  }

  // ---- lifecycle ----
  /** Closes a site's control link and its sessions' data connections (revocation). */
  disconnectSite(site: string, reason: string): void {
    this.links.get(site)?.close(reason, CLOSE_REVOKED);
    for (const s of this.sessions.get(site) ?? []) s.close(reason);
  }

  /** Closes everything (gateway stop) and resolves when the control links have finished. */
  async closeAll(reason: string): Promise<void> {
    this.closedAll = true;
    for (const [id, p] of [...this.pendingOpens])
      this.fail(id, p, new AirlockError('unavailable', 'link.stopping', reason));
    for (const set of this.sessions.values()) for (const s of set) s.close(reason);
    const open = [...this.links.values()];
    for (const l of open) l.close(reason, CLOSE_GOING_AWAY);
    await Promise.all(open.map((l) => l.done));
  }

  private controlClosed(link: ControlLink, reason: string): void {
    if (this.links.get(link.site) === link) {
      this.links.delete(link.site);
      // Lines held over this link were denied by the site when it went; a superseded link's close
      // must not touch those held over its successor.
      this.reviews?.linkDown(link.site);
    }
    this.lastOffsets.set(link.site, link.clockOffsetMs);
    this.deps.log.info('site link closed', { site: link.site, reason });
  }

  private async command(
    site: string,
    command: Parameters<ControlLink['request']>[0],
  ): Promise<boolean> {
    const link = this.links.get(site);
    if (link?.isOpen !== true) return false;
    const r = await link.request(command, this.deps.commandTimeoutMs);
    if (r !== undefined && !r.ok)
      this.deps.log.warn('site refused a command', {
        site,
        type: command.type,
        code: r.code,
        reason: r.reason,
      });
    return r?.ok === true;
  }

  private dataViolation(peer: LinkPeer, sessionId: string, v: LinkViolation): void {
    this.auditSafely({
      action: 'link.violation',
      actor: `gateway:${peer.site}`,
      site: peer.site,
      target: peer.gatewayId,
      outcome: 'denied',
      details: {
        gatewayId: peer.gatewayId,
        sessionId,
        channel: 'data',
        code: v.code,
        message: v.message,
      },
    });
  }

  private auditSafely(event: Parameters<AuditLog['append']>[0]): void {
    try {
      this.deps.audit.append(event);
    } catch (e) {
      this.deps.log.error('could not audit a link event', { action: event.action, err: e });
    }
  }
}
