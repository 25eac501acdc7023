/**
 * One authenticated control connection from a site's OT gateway, IT end. It welcomes the gateway
 * (telling it where its audit shipping resumes), sends heartbeats and measures the clock offset from
 * them (NTP-style: OT time minus the midpoint of the round trip), closes the link when nothing has
 * been heard for `offlineAfterMs` or when the gateway's enrollment is no longer active (a revocation
 * by the CLI in another process is seen at the next heartbeat), ingests audit batches and stores
 * catalogues, and carries commands that expect a `result`.
 *
 * Every frame is decoded by the shared codec; a frame that fails (not JSON, unknown type, invalid,
 * binary, or over the socket's maxPayload) closes the link and is audited as `link.violation`.
 */
import type { WebSocket } from 'ws';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import { describeError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import {
  decodeFrame,
  encodeFrame,
  onlyTypes,
  socketErrorViolation,
  type LinkViolation,
} from '../../../shared/src/link/frame-codec.js';
import {
  MAX_CONTROL_FRAME_BYTES,
  OT_TO_IT,
  type AuditBatch,
  type CommandResult,
  type ItToOtMessage,
  type OtToItMessage,
  type ReviewClose,
  type ReviewDecisionMessage,
  type ReviewRequest,
} from '../../../shared/src/link/control-messages.js';
import type { FrameData, FrameInbox } from '../../../shared/src/link/frame-inbox.js';
import type { CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import type { SiteApprovals } from '../../../shared/src/model/site-approvals.js';
import type { PublishedProposal } from '../../../shared/src/model/discovery.js';
import type { LearningStatus } from '../../../shared/src/model/learning-status.js';
import type { OtAuditIngest } from '../audit/audit.js';
import type { RecordingIngest } from '../recording/recording.js';
import type { SiteGatewayStore } from '../store/store.js';
import type { LinkPeer } from './link-authenticator.js';

export const CLOSE_VIOLATION = 1008;
export const CLOSE_SUPERSEDED = 4001;
export const CLOSE_REVOKED = 4003;
export const CLOSE_TIMEOUT = 4008;
export const CLOSE_GOING_AWAY = 1001;

const AFTER_HELLO = onlyTypes(
  OT_TO_IT,
  'pong',
  'catalogue',
  'discovery',
  'learning',
  'audit.batch',
  'recording.chunk',
  'review.request',
  'review.close',
  'result',
);

/** Where lines a site's command filter holds for review go (sessions/ registers CommandReviews). */
export interface ReviewInbox {
  received(site: string, m: ReviewRequest): void;
  closed(site: string, m: ReviewClose): void;
  /** The site's current link closed (not one superseded by a newer): its pending reviews are closed (the site denies them itself). */
  linkDown(site: string): void;
}

export interface ControlLinkDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly audit: AuditLog;
  readonly ingest: OtAuditIngest;
  /** Session recordings shipped by the site. */
  readonly recordings: RecordingIngest;
  /** Where held lines go: the inbox registered with the link (none yet: each is denied at once). */
  readonly reviews: () => ReviewInbox | undefined;
  readonly gateways: SiteGatewayStore;
  readonly updateCatalogue: (
    site: string,
    gatewayId: string,
    assets: readonly CatalogueAsset[],
    approvals: SiteApprovals | undefined,
  ) => boolean;
  /** The site's discovery results (read-only, for the portal). */
  readonly updateDiscovery: (
    site: string,
    gatewayId: string,
    proposals: readonly PublishedProposal[],
  ) => void;
  /** The site's learn windows and latest proposals (read-only, for the portal). */
  readonly updateLearning: (site: string, gatewayId: string, status: LearningStatus) => void;
  readonly heartbeatMs: number;
  readonly offlineAfterMs: number;
}

type Command = Exclude<
  ItToOtMessage,
  { type: 'challenge' | 'welcome' | 'data.welcome' | 'ping' | 'audit.ack' | 'audit.reject' }
>;
type CommandInput = Command extends infer C
  ? C extends { id: number }
    ? Omit<C, 'id'>
    : never
  : never;

export class ControlLink {
  readonly peer: LinkPeer;
  readonly connectedAt: number;
  lastSeen: number;
  clockOffsetMs: number;
  /** Ping to pong of the last heartbeat answered (ms); undefined until one is. */
  roundTripMs: number | undefined;
  private readonly ws: WebSocket;
  private readonly deps: ControlLinkDeps;
  private readonly onClosed: (link: ControlLink, reason: string) => void;
  private readonly pending = new Map<
    number,
    { resolve: (r: CommandResult | undefined) => void; timer: TimerHandle }
  >();
  private heartbeat: TimerHandle | undefined;
  private nextId = 1;
  private lastPing: { id: number; sentAt: number } | undefined;
  private closeReason: string | undefined;
  private finished = false;
  private markDone: (reason: string) => void = () => undefined;
  /** Resolves with the close reason once the connection is gone and the disconnect was recorded. */
  readonly done: Promise<string> = new Promise((resolve) => {
    this.markDone = resolve;
  });

  constructor(
    ws: WebSocket,
    peer: LinkPeer,
    deps: ControlLinkDeps,
    onClosed: (link: ControlLink, reason: string) => void,
  ) {
    this.ws = ws;
    this.peer = peer;
    this.deps = deps;
    this.onClosed = onClosed;
    this.connectedAt = deps.clock.now();
    this.lastSeen = peer.receivedAt;
    // A first estimate from the hello (it includes the one-way transit time); pongs refine it.
    this.clockOffsetMs = peer.otTime - peer.receivedAt;
  }

  get site(): string {
    return this.peer.site;
  }

  get isOpen(): boolean {
    return !this.finished && this.closeReason === undefined;
  }

  /** Sends the welcome and takes over the socket's frames. */
  start(inbox: FrameInbox): void {
    const { deps, peer } = this;
    this.ws.on('error', (e: Error & { code?: string }) => this.socketError(e));
    this.send({
      type: 'welcome',
      site: peer.site,
      gatewayId: peer.gatewayId,
      itTime: deps.clock.now(),
      heartbeatMs: deps.heartbeatMs,
      offlineAfterMs: deps.offlineAfterMs,
      auditHead: deps.ingest.head(peer.gatewayId),
    });
    deps.gateways.recordSeen(peer.gatewayId, this.lastSeen, peer.gatewayVersion);
    deps.audit.append({
      action: 'link.connect',
      actor: `gateway:${peer.site}`,
      site: peer.site,
      target: peer.gatewayId,
      outcome: 'success',
      details: { gatewayId: peer.gatewayId, gatewayVersion: peer.gatewayVersion },
    });
    inbox.deliverTo({
      frame: (data, isBinary) => this.receive(data, isBinary),
      closed: (code, reason) => this.finish(code, reason),
    });
    this.heartbeat = deps.clock.setInterval(() => this.tick(), deps.heartbeatMs);
    this.tick();
  }

  /** Sends a command and resolves with the gateway's result, or undefined if none came in time. */
  request(command: CommandInput, timeoutMs: number): Promise<CommandResult | undefined> {
    if (!this.isOpen) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = this.deps.clock.setTimeout(() => {
        this.pending.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.pending.set(id, { resolve, timer });
      this.send({ ...command, id } as ItToOtMessage);
    });
  }

  /** Sends an OT owner's review decision; false when the link is not open. */
  deliverReview(m: ReviewDecisionMessage): boolean {
    if (!this.isOpen || this.ws.readyState !== this.ws.OPEN) return false;
    this.send(m);
    return true;
  }

  close(reason: string, code = 1000): void {
    if (this.closeReason !== undefined || this.finished) return;
    this.closeReason = reason;
    let frameReason = reason;
    while (Buffer.byteLength(frameReason) > 120) frameReason = frameReason.slice(0, -1);
    this.ws.close(code, frameReason);
    // A peer that does not answer the close handshake is cut off.
    this.deps.clock.setTimeout(() => {
      if (!this.finished) this.ws.terminate();
    }, 5_000);
  }

  private send(message: ItToOtMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(encodeFrame(message));
  }

  private tick(): void {
    const { deps, peer } = this;
    if (!this.isOpen) return;
    const now = deps.clock.now();
    if (now - this.lastSeen > deps.offlineAfterMs) {
      this.close(`nothing heard from the gateway for ${now - this.lastSeen} ms`, CLOSE_TIMEOUT);
      this.ws.terminate();
      return;
    }
    const current = deps.gateways.byId(peer.gatewayId);
    if (current?.state !== 'active') {
      this.close(`gateway enrollment is ${current?.state ?? 'gone'}`, CLOSE_REVOKED);
      return;
    }
    const id = this.nextId++;
    this.lastPing = { id, sentAt: now };
    this.send({ type: 'ping', id, itTime: now });
  }

  private receive(data: FrameData, isBinary: boolean): void {
    if (!this.isOpen) return;
    const decoded = decodeFrame(AFTER_HELLO, data, isBinary, MAX_CONTROL_FRAME_BYTES);
    if (!decoded.ok) return this.violation(decoded.error);
    this.lastSeen = this.deps.clock.now();
    try {
      this.handle(decoded.value);
    } catch (e) {
      this.deps.log.error('control message handling failed; closing the link', {
        site: this.site,
        type: decoded.value.type,
        err: e,
      });
      this.close(
        `IT gateway could not handle ${decoded.value.type}: ${describeError(e).slice(0, 200)}`,
        1011,
      );
    }
  }

  private handle(message: Exclude<OtToItMessage, { type: 'hello' }>): void {
    switch (message.type) {
      case 'pong': {
        const ping = this.lastPing;
        if (ping !== undefined && ping.id === message.id) {
          const now = this.deps.clock.now();
          this.clockOffsetMs = Math.round(message.otTime - (ping.sentAt + now) / 2);
          this.roundTripMs = now - ping.sentAt;
        }
        return;
      }
      case 'catalogue':
        this.deps.updateCatalogue(
          this.site,
          this.peer.gatewayId,
          message.assets,
          message.approvals,
        );
        return;
      case 'discovery':
        this.deps.updateDiscovery(this.site, this.peer.gatewayId, message.proposals);
        return;
      case 'learning':
        this.deps.updateLearning(this.site, this.peer.gatewayId, message.status);
        return;
      case 'audit.batch':
        return this.ingest(message);
      case 'recording.chunk': {
        const { peer } = this;
        this.send(
          this.deps.recordings.ingest({ site: peer.site, gatewayId: peer.gatewayId }, message),
        );
        return;
      }
      case 'review.request': {
        const r = this.deps.reviews();
        // Fail closed: a line held while no inbox is registered (never, once the gateway runs).
        if (r === undefined)
          this.send({
            type: 'review.decision',
            reviewId: message.reviewId,
            decision: 'deny',
            reviewer: 'airlock-it',
            comment: 'this IT gateway takes no reviews',
          });
        else r.received(this.site, message);
        return;
      }
      case 'review.close':
        this.deps.reviews()?.closed(this.site, message);
        return;
      case 'result': {
        const p = this.pending.get(message.id);
        if (p === undefined) return;
        this.pending.delete(message.id);
        p.timer.cancel();
        p.resolve(message);
        return;
      }
      default: {
        const never: never = message;
        return never;
      }
    }
  }

  private ingest(batch: AuditBatch): void {
    const { peer } = this;
    const r = this.deps.ingest.ingest(
      { gatewayId: peer.gatewayId, site: peer.site, publicKey: peer.publicKey },
      batch.events,
      batch.checkpoints,
    );
    if (r.ok) {
      this.send({ type: 'audit.ack', seq: r.head.seq, hash: r.head.hash });
      // A recording that arrived before its recording.close event is checked now.
      this.deps.recordings.verifyPending(peer.site);
    } else
      this.send({
        type: 'audit.reject',
        problem: r.problem,
        seq: r.seq,
        reason: r.message.slice(0, 500),
      });
  }

  private violation(v: LinkViolation): void {
    const { peer } = this;
    this.deps.log.warn('link violation; closing', {
      site: peer.site,
      code: v.code,
      message: v.message,
    });
    try {
      this.deps.audit.append({
        action: 'link.violation',
        actor: `gateway:${peer.site}`,
        site: peer.site,
        target: peer.gatewayId,
        outcome: 'denied',
        details: {
          gatewayId: peer.gatewayId,
          code: v.code,
          message: v.message,
          type: v.type ?? null,
        },
      });
    } catch (e) {
      this.deps.log.error('could not audit a link violation', { err: e });
    }
    this.close(
      `link violation: ${v.message}`,
      v.code === 'frame.too_large' ? 1009 : CLOSE_VIOLATION,
    );
  }

  private socketError(e: Error & { code?: string }): void {
    const v = socketErrorViolation(e);
    if (v !== undefined) return this.violation(v);
    this.deps.log.warn('control link socket error', { site: this.site, err: e });
  }

  private finish(code: number, frameReason: string): void {
    if (this.finished) return;
    this.finished = true;
    this.heartbeat?.cancel();
    for (const p of this.pending.values()) {
      p.timer.cancel();
      p.resolve(undefined);
    }
    this.pending.clear();
    const reason =
      this.closeReason ??
      (frameReason !== ''
        ? `closed by the gateway: ${frameReason}`
        : `connection closed (code ${code})`);
    const { deps, peer } = this;
    try {
      deps.gateways.recordSeen(peer.gatewayId, this.lastSeen, peer.gatewayVersion);
      deps.audit.append({
        action: 'link.disconnect',
        actor: 'system:link',
        site: peer.site,
        target: peer.gatewayId,
        outcome: 'success',
        details: {
          gatewayId: peer.gatewayId,
          reason,
          code,
          connectedMs: deps.clock.now() - this.connectedAt,
        },
      });
    } catch (e) {
      deps.log.error('could not record a link disconnect', { err: e });
    }
    this.onClosed(this, reason);
    this.markDone(reason);
  }
}
