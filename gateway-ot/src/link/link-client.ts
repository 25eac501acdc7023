/**
 * The OT gateway's control link to its IT gateway. It only ever dials out (the OT gateway opens no
 * listener): pinned TLS, WebSocket, challenge answered with the identity key, then it publishes
 * the asset catalogue, discovery proposals and learning status, and ships the audit outbox one acknowledged batch at
 * a time. What each message from the IT side does (heartbeats answered, commands carried out and
 * answered with a `result`) is control-handler.ts; this module owns the connection loop.
 *
 * When the link drops (or nothing is heard for the IT side's offlineAfterMs) it reconnects with
 * exponential backoff, jitter and a cap (backoff.ts). While it is down the gateway keeps working:
 * live sessions follow the site's rule for link loss (sessions/link-loss.ts: ended after a grace,
 * or kept on their own data connections), their ends are enforced by this gateway's clock, and
 * audit events wait in the log until the IT side acknowledges them.
 * Frames from the IT side are validated like every link input; a bad one closes the link and is
 * audited (`link.violation`) in this gateway's log.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import { AirlockError, isAirlockError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import type { SigningKeyPair } from '../../../shared/src/crypto/signing.js';
import type { CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import type { SiteApprovals } from '../../../shared/src/model/site-approvals.js';
import type { PublishedProposal } from '../../../shared/src/model/discovery.js';
import type { LearningStatus } from '../../../shared/src/model/learning-status.js';
import { MAX_CONTROL_FRAME_BYTES } from '../../../shared/src/link/control-messages.js';
import { decodeFrame, type LinkViolation } from '../../../shared/src/link/frame-codec.js';
import type { FrameData } from '../../../shared/src/link/frame-inbox.js';
import type { SessionChannel } from '../../../shared/src/link/session-channel.js';
import type { AuditOutbox } from '../audit/audit.js';
import type { ItCommands, LinkState, ReviewRequests } from '../sessions/sessions.js';
import type { EnrollmentRecord, EnrollmentStore } from '../store/store.js';
import type { RecordingShipper } from './recording-shipper.js';
import { Backoff } from './backoff.js';
import {
  AFTER_WELCOME,
  handleControlMessage,
  sendControl,
  type AfterWelcomeMessage,
  type Connection,
  type ControlHandlerDeps,
} from './control-handler.js';
import { dialDataConnection } from './data-dialer.js';
import { enrollGateway, type EnrollInput } from './enroll-gateway.js';
import { dialControl } from './control-welcome.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';

export type LinkClientState = 'stopped' | 'not-enrolled' | 'connecting' | 'online' | 'waiting';

export interface LinkClientDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly audit: AuditLog;
  readonly site: string;
  readonly identity: SigningKeyPair;
  /** Where the IT gateway is and what to pin (`enroll` writes it; read at each connection). */
  readonly enrollment: EnrollmentStore;
  readonly catalogue: () => readonly CatalogueAsset[];
  /** The site's approval mode and enrolled owners, published with the catalogue. */
  readonly approvals: () => SiteApprovals;
  /** The discovery proposals (newest first), published at each connection and on `publishDiscovery`. */
  readonly discovery: () => readonly PublishedProposal[];
  /** Learn windows and latest proposals, published at each connection and on `publishLearning`. */
  readonly learning: () => LearningStatus;
  readonly outbox: AuditOutbox;
  /** Ships session recordings beside the audit batches. */
  readonly recordings: RecordingShipper;
  /** Lines the brokers hold for an OT owner's review: carried out, and their decisions back. */
  readonly reviews: ReviewRequests;
  /** The IT side's commands are carried out there; `open` gets this link's data dialer. */
  readonly commands: ItCommands;
  /** Told when the link is up and when it is gone (live sessions follow the site's link-loss rule). */
  readonly linkState: LinkState;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  readonly connectTimeoutMs: number;
  readonly enrollmentPollMs: number;
  readonly random?: () => number;
}

/** A link that stayed up this long resets the backoff; shorter ones keep backing off. */
const STABLE_LINK_MS = 10_000;

export class LinkClient {
  private readonly backoff: Backoff;
  private current: Connection | undefined;
  private stateValue: LinkClientState = 'stopped';
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastMismatch: string | undefined;
  private readonly handlerDeps: ControlHandlerDeps;

  constructor(private readonly deps: LinkClientDeps) {
    this.backoff = new Backoff({
      initialMs: deps.reconnectInitialMs,
      maxMs: deps.reconnectMaxMs,
      ...omitUndefined({ random: deps.random }),
    });
    this.handlerDeps = {
      clock: deps.clock,
      log: deps.log,
      outbox: deps.outbox,
      recordings: deps.recordings,
      reviews: deps.reviews,
      commands: deps.commands,
      pump: () => this.pump(),
      publishCatalogue: (c) => this.sendCatalogue(c),
      dialData: (sessionId) => this.dialData(sessionId),
    };
  }

  get state(): LinkClientState {
    return this.stateValue;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const c = this.current;
    if (c !== undefined) this.closeConnection(c, 'OT gateway stopping', 1001);
    await this.loop;
    this.stateValue = 'stopped';
  }

  /** The catalogue with the approval mode and owners (at each connection and after an owner enrolls). */
  private sendCatalogue(c: Connection): void {
    const { deps } = this;
    sendControl(c, {
      type: 'catalogue',
      assets: [...deps.catalogue()],
      approvals: deps.approvals(),
    });
  }

  /** Publishes the discovery proposals now, if the link is up (else at the next connection). */
  /** Sends the catalogue again (after a policy reload), if the link is up. */
  publishCatalogue(): void {
    const c = this.current;
    if (c === undefined || c.closeReason !== undefined) return;
    sendControl(c, { type: 'catalogue', assets: [...this.deps.catalogue()] });
  }

  publishDiscovery(): void {
    const c = this.current;
    if (c === undefined || c.closeReason !== undefined) return;
    sendControl(c, { type: 'discovery', proposals: [...this.deps.discovery()] });
  }

  /** Publishes the learning status now, if the link is up (else at the next connection). */
  publishLearning(): void {
    const c = this.current;
    if (c === undefined || c.closeReason !== undefined) return;
    sendControl(c, { type: 'learning', status: this.deps.learning() });
  }

  /** Ships whatever the outbox holds, if the link is up and no batch is awaiting its ack; and the next recording chunk. */
  pump(): void {
    const c = this.current;
    if (c === undefined || c.closeReason !== undefined) return;
    const chunk = this.deps.recordings.next();
    if (chunk !== undefined) sendControl(c, chunk);
    if (c.inFlight || c.shippingStopped) return;
    const batch = this.deps.outbox.nextBatch();
    if (batch === undefined) return;
    c.inFlight = true;
    sendControl(c, batch);
  }

  /**
   * Enrolls this gateway with its IT gateway (a one-time token from an admin), over TLS pinned to
   * the given fingerprint; a running link picks the enrollment up by itself.
   */
  enroll(input: EnrollInput): Promise<EnrollmentRecord> {
    const { deps } = this;
    return enrollGateway(
      {
        audit: deps.audit,
        enrollment: deps.enrollment,
        clock: deps.clock,
        identity: deps.identity,
        site: deps.site,
        timeoutMs: deps.connectTimeoutMs,
      },
      input,
    );
  }

  /** A new, authenticated data connection for one session (used when the IT side sends `open`). */
  dialData(sessionId: string): Promise<SessionChannel> {
    const enrollment = this.deps.enrollment.read();
    if (enrollment === undefined)
      return Promise.reject(
        new AirlockError('unavailable', 'link.not_enrolled', 'this gateway is not enrolled'),
      );
    const { deps } = this;
    return dialDataConnection(
      {
        identity: deps.identity,
        clock: deps.clock,
        log: deps.log,
        audit: deps.audit,
        site: deps.site,
        timeoutMs: deps.connectTimeoutMs,
      },
      enrollment,
      sessionId,
    );
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const enrollment = this.deps.enrollment.read();
      if (enrollment === undefined) {
        this.stateValue = 'not-enrolled';
        await this.sleep(this.deps.enrollmentPollMs);
        continue;
      }
      this.stateValue = 'connecting';
      let upFor = 0;
      try {
        upFor = await this.connectOnce(enrollment);
      } catch (e) {
        this.connectFailed(e);
      }
      if (this.stopped) break;
      if (upFor >= STABLE_LINK_MS) this.backoff.reset();
      const delay = this.backoff.next();
      this.stateValue = 'waiting';
      this.deps.log.info('link down; reconnecting', {
        inMs: delay,
        attempt: this.backoff.attempts,
      });
      await this.sleep(delay);
    }
  }

  /** Connects, runs the link until it closes, and returns how long it was up (0 if never). */
  private async connectOnce(enrollment: EnrollmentRecord): Promise<number> {
    const { deps } = this;
    const { ws, inbox, welcome } = await dialControl({
      enrollment,
      identity: deps.identity,
      clock: deps.clock,
      log: deps.log,
      timeoutMs: deps.connectTimeoutMs,
      onViolation: (v) => this.recordViolation(v),
    });
    const c: Connection = {
      ws,
      welcome,
      since: deps.clock.now(),
      lastHeard: deps.clock.now(),
      inFlight: false,
      shippingStopped: false,
      closeReason: undefined,
    };
    this.current = c;
    this.deps.recordings.reset();
    this.deps.reviews.connected((m) => sendControl(c, m));
    this.deps.linkState.connected();
    this.stateValue = 'online';
    this.lastMismatch = undefined;
    deps.log.info('link up', {
      site: welcome.site,
      gatewayId: welcome.gatewayId,
      itHead: welcome.auditHead.seq,
    });
    const closed = new Promise<string>((resolve) => {
      inbox.deliverTo({
        frame: (data, isBinary) => this.receive(c, data, isBinary),
        closed: (code, reason) =>
          resolve(
            c.closeReason ??
              (reason === '' ? `closed (code ${code})` : `closed by the IT gateway: ${reason}`),
          ),
      });
    });
    // stop() may have come while this connection was being set up.
    if (this.stopped) this.closeConnection(c, 'OT gateway stopping', 1001);
    const watchdog = deps.clock.setInterval(() => {
      if (deps.clock.now() - c.lastHeard > welcome.offlineAfterMs) {
        this.closeConnection(
          c,
          `nothing heard from the IT gateway for ${deps.clock.now() - c.lastHeard} ms`,
          4008,
        );
        ws.terminate();
      }
    }, welcome.heartbeatMs);
    let downReason = 'the link closed';
    try {
      this.auditSafely({
        action: 'link.connect',
        actor: `system:ot:${deps.site}`,
        site: deps.site,
        target: welcome.gatewayId,
        outcome: 'success',
        details: { itUrl: enrollment.itUrl, itHead: welcome.auditHead.seq },
      });
      this.sendCatalogue(c);
      sendControl(c, { type: 'discovery', proposals: [...deps.discovery()] });
      sendControl(c, { type: 'learning', status: deps.learning() });
      const resumed = deps.outbox.resume(welcome.auditHead);
      if (!resumed.ok) {
        c.shippingStopped = true;
        deps.log.error(
          'audit shipping stopped: the IT gateway holds a chain this gateway did not write',
          { reason: resumed.reason },
        );
        this.auditSafely({
          action: 'link.ingest_fail',
          actor: `system:ot:${deps.site}`,
          site: deps.site,
          target: welcome.gatewayId,
          outcome: 'failure',
          details: { reason: resumed.reason },
        });
      }
      this.pump();
      const reason = await closed;
      downReason = reason;
      deps.log.info('link closed', { reason, pendingAuditEvents: deps.outbox.pending });
      return deps.clock.now() - c.since;
    } finally {
      watchdog.cancel();
      if (this.current === c) this.current = undefined;
      // Lines held for review are denied as soon as the link that carried them is gone.
      deps.reviews.disconnected();
      deps.linkState.disconnected(downReason);
    }
  }

  private receive(c: Connection, data: FrameData, isBinary: boolean): void {
    if (c.closeReason !== undefined) return;
    const decoded = decodeFrame(AFTER_WELCOME, data, isBinary, MAX_CONTROL_FRAME_BYTES);
    if (!decoded.ok) {
      this.recordViolation(decoded.error);
      this.closeConnection(
        c,
        `link violation: ${decoded.error.message}`,
        decoded.error.code === 'frame.too_large' ? 1009 : 1008,
      );
      return;
    }
    c.lastHeard = this.deps.clock.now();
    handleControlMessage(this.handlerDeps, c, decoded.value as AfterWelcomeMessage);
  }

  private closeConnection(c: Connection, reason: string, code: number): void {
    if (c.closeReason !== undefined) return;
    c.closeReason = reason;
    let frameReason = reason;
    while (Buffer.byteLength(frameReason) > 120) frameReason = frameReason.slice(0, -1);
    c.ws.close(code, frameReason);
    const timer: TimerHandle = this.deps.clock.setTimeout(() => c.ws.terminate(), 5_000);
    c.ws.once('close', () => timer.cancel());
  }

  private connectFailed(e: unknown): void {
    const { deps } = this;
    if (isAirlockError(e) && e.code === 'link.fingerprint_mismatch') {
      const presented = String(e.details.presented ?? '');
      deps.log.error('refusing the IT gateway: its certificate is not the pinned one', {
        presented,
        pinned: e.details.pinned,
      });
      if (this.lastMismatch !== presented) {
        this.lastMismatch = presented;
        this.auditSafely({
          action: 'link.refuse',
          actor: `system:ot:${deps.site}`,
          site: deps.site,
          target: 'it-gateway',
          outcome: 'denied',
          details: { code: e.code, presented, pinned: e.details.pinned ?? null },
        });
      }
      return;
    }
    deps.log.warn('link connection failed', { err: e });
  }

  private recordViolation(v: LinkViolation): void {
    this.deps.log.warn('link violation from the IT gateway; closing', {
      code: v.code,
      message: v.message,
    });
    this.auditSafely({
      action: 'link.violation',
      actor: `system:ot:${this.deps.site}`,
      site: this.deps.site,
      target: 'it-gateway',
      outcome: 'denied',
      details: { channel: 'control', code: v.code, message: v.message },
    });
  }

  private auditSafely(event: Parameters<AuditLog['append']>[0]): void {
    try {
      this.deps.audit.append(event);
    } catch (e) {
      this.deps.log.error('could not audit a link event', { action: event.action, err: e });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.deps.clock.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        timer.cancel();
        this.wake = undefined;
        resolve();
      };
    });
  }
}
