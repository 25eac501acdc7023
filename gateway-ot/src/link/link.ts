/**
 * The link subsystem, OT end: everything this gateway says to its IT gateway, over connections it
 * dials itself (the OT gateway opens no listener). Enrollment (once, with a one-time token and a
 * pinned certificate fingerprint), the control link (asset catalogue up, the IT side's commands
 * down, the audit outbox and recordings shipped, reviews carried both ways, heartbeats), and one
 * data connection per session.
 *
 * Guarantees: every connection is TLS pinned to the enrolled fingerprint and answers a fresh
 * challenge with the gateway's identity key; frames from the IT side are validated like any input,
 * and a bad one closes the connection and is audited (`link.violation`); a dropped link reconnects
 * with capped, jittered backoff while live sessions, their deadlines and the audit log go on here
 * without it, and nothing queued for shipping is lost. Not here: what a command does (sessions/
 * decides, with this gateway's own checks), what a review decides, what is recorded or audited.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { SigningKeyPair } from '../../../shared/src/crypto/signing.js';
import type { Logger } from '../../../shared/src/log.js';
import type { CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import type { SiteApprovals } from '../../../shared/src/model/site-approvals.js';
import type { PublishedProposal } from '../../../shared/src/model/discovery.js';
import type { LearningStatus } from '../../../shared/src/model/learning-status.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';
import type { AuditOutbox } from '../audit/audit.js';
import type { RecordingOutbox } from '../recording/recording.js';
import type { ItCommands, LinkState, ReviewRequests } from '../sessions/sessions.js';
import type { EnrollmentStore } from '../store/store.js';
import { LinkClient } from './link-client.js';
import { RecordingShipper } from './recording-shipper.js';

export type { LinkClient, LinkClientState } from './link-client.js';
export type { EnrollInput } from './enroll-gateway.js';

export interface LinkDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly audit: AuditLog;
  readonly site: string;
  /** The gateway's identity: proves it to the IT side. */
  readonly identity: SigningKeyPair;
  readonly enrollment: EnrollmentStore;
  /** The asset catalogue of the policy in force, published at each connection and on `publishCatalogue`. */
  readonly catalogue: () => readonly CatalogueAsset[];
  /** The site's approval mode and enrolled owners, read at each publication. */
  readonly approvals: () => SiteApprovals;
  /** The discovery proposals, newest first (published at each connection and on `publishDiscovery`). */
  readonly discovery: () => readonly PublishedProposal[];
  /** Learn windows and latest proposals (published at each connection and on `publishLearning`). */
  readonly learning: () => LearningStatus;
  readonly outbox: AuditOutbox;
  readonly recordings: RecordingOutbox;
  readonly reviews: ReviewRequests;
  readonly commands: ItCommands;
  /** Told when the link is up and when it is gone (the sessions' rule for link loss). */
  readonly linkState: LinkState;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  /** TLS, WebSocket and handshake (and an enrollment request) must complete within this. */
  readonly connectTimeoutMs: number;
  /** While not enrolled, how often the link checks whether `enroll` has run. */
  readonly enrollmentPollMs: number;
  /** The jitter source of the reconnect backoff (default Math.random). */
  readonly random?: () => number;
}

export function createLink(deps: LinkDeps): LinkClient {
  return new LinkClient({
    clock: deps.clock,
    log: deps.log,
    audit: deps.audit,
    site: deps.site,
    identity: deps.identity,
    enrollment: deps.enrollment,
    catalogue: deps.catalogue,
    approvals: deps.approvals,
    discovery: deps.discovery,
    learning: deps.learning,
    outbox: deps.outbox,
    recordings: new RecordingShipper({
      outbox: deps.recordings,
      log: deps.log.child({ component: 'recording-shipper' }),
    }),
    reviews: deps.reviews,
    commands: deps.commands,
    linkState: deps.linkState,
    reconnectInitialMs: deps.reconnectInitialMs,
    reconnectMaxMs: deps.reconnectMaxMs,
    connectTimeoutMs: deps.connectTimeoutMs,
    enrollmentPollMs: deps.enrollmentPollMs,
    ...omitUndefined({ random: deps.random }),
  });
}
