/**
 * The IT<->OT control channel's messages, defined once for both gateways: zod schemas (strict, so an
 * unknown field is a violation, not silently ignored), the TypeScript types derived from them, and
 * the size limits. The codec (frame-codec.ts) is the only way a received frame becomes one of these.
 *
 * Every connection (control and per-session data) starts with the same handshake:
 *   IT -> OT  challenge   a fresh random nonce (the IT side never reuses one)
 *   OT -> IT  hello       the OT identity's Ed25519 signature over link-proof.ts's proof input
 *   IT -> OT  welcome     (control) or data.welcome (data); anything else means refused + close
 * After the control welcome the messages below flow; see docs/link.md for the sequence.
 */
import { z } from 'zod';
import { auditEventSchema, checkpointSchema } from '../audit/audit-event.js';
import { assetCatalogueSchema } from '../model/asset-catalogue.js';
import { siteApprovalsSchema } from '../model/site-approvals.js';
import { ownerNameSchema } from '../model/owner-approval.js';
import { publishedProposalSchema } from '../model/discovery.js';
import { learningStatusSchema } from '../model/learning-status.js';
import { nameSchema, signedTicketSchema } from '../model/session-ticket.js';

export const LINK_PROTOCOL_VERSION = 1;
/** Control frames carry catalogues (up to 10,000 assets) and audit batches; nothing legitimate is larger. */
export const MAX_CONTROL_FRAME_BYTES = 4 * 1024 * 1024;
/** Before authentication only the small handshake frames are accepted. */
export const MAX_HANDSHAKE_FRAME_BYTES = 8 * 1024;
/** Most audit events an OT gateway ships in one batch (and the serialized size it aims below). */
export const MAX_AUDIT_BATCH_EVENTS = 500;
export const AUDIT_BATCH_TARGET_BYTES = 512 * 1024;

export const CONTROL_PATH = '/link/v1/control';
export const DATA_PATH_PREFIX = '/link/v1/data/';
export const ENROLL_PATH = '/link/v1/enroll';

const b64url32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected 32 bytes in base64url');
const b64url64 = z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'expected 64 bytes in base64url');
const hex64 = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 / BLAKE2b-256 digest in lowercase hex');
const epochMs = z.number().int().nonnegative();
const commandId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const reason = z.string().min(1).max(500);
export const sessionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a session id: letters, digits, "_", "-" (max 64)');
const version = z.string().min(1).max(32);
const reviewId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a review id: letters, digits, "_", "-" (max 64)');

export const chainHeadSchema = z.strictObject({ seq: z.number().int().nonnegative(), hash: hex64 });
export type ChainHead = z.output<typeof chainHeadSchema>;

// ---- handshake (both channels) ----
export const challengeSchema = z.strictObject({
  type: z.literal('challenge'),
  v: z.literal(LINK_PROTOCOL_VERSION),
  nonce: b64url32,
  itTime: epochMs,
});
export const helloSchema = z.strictObject({
  type: z.literal('hello'),
  v: z.literal(LINK_PROTOCOL_VERSION),
  channel: z.enum(['control', 'data']),
  site: nameSchema,
  /** Set on data connections: the session this connection carries. */
  sessionId: sessionIdSchema.nullable(),
  publicKey: b64url32,
  /** The challenge nonce being answered, echoed so a stale or replayed answer is recognised as such. */
  nonce: b64url32,
  signature: b64url64,
  gatewayVersion: version,
  otTime: epochMs,
});
export const welcomeSchema = z.strictObject({
  type: z.literal('welcome'),
  site: nameSchema,
  gatewayId: z.string().min(1).max(64),
  itTime: epochMs,
  heartbeatMs: z.number().int().min(50).max(600_000),
  offlineAfterMs: z.number().int().min(100).max(3_600_000),
  /** The last OT audit event the IT side holds for this gateway (seq 0 = none): shipping resumes after it. */
  auditHead: chainHeadSchema,
});
export const dataWelcomeSchema = z.strictObject({
  type: z.literal('data.welcome'),
  sessionId: sessionIdSchema,
});

// ---- IT -> OT after the welcome ----
export const pingSchema = z.strictObject({
  type: z.literal('ping'),
  id: commandId,
  itTime: epochMs,
});
export const openSchema = z.strictObject({
  type: z.literal('open'),
  id: commandId,
  ticket: signedTicketSchema,
});
export const endSessionSchema = z.strictObject({
  type: z.literal('session.end'),
  id: commandId,
  sessionId: sessionIdSchema,
  reason,
});
export const endGrantSchema = z.strictObject({
  type: z.literal('grant.end'),
  id: commandId,
  grantId: z.string().min(1).max(64),
  reason,
});
export const lockdownSchema = z.strictObject({
  type: z.literal('lockdown'),
  id: commandId,
  on: z.boolean(),
  reason,
});
export const auditAckSchema = z.strictObject({
  type: z.literal('audit.ack'),
  seq: z.number().int().nonnegative(),
  hash: hex64,
});
export const auditRejectSchema = z.strictObject({
  type: z.literal('audit.reject'),
  problem: z.string().min(1).max(64),
  seq: z.number().int().nonnegative(),
  reason,
});
/**
 * Recording store and forward, IT answer: the IT side holds the first `held` bytes of the file
 * durably (written and synced); the OT side continues from there, whatever it sent before (so a
 * lost chunk or ack is resent, and a resumed link starts where the IT side really is). `complete`:
 * the whole file arrived and its SHA-256 matched; nothing more to send.
 */
export const recordingAckSchema = z.strictObject({
  type: z.literal('recording.ack'),
  sessionId: sessionIdSchema,
  held: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  complete: z.boolean(),
});
/** The IT side refused the recording for good (its hash or size does not match, another site's session): stop shipping it. */
export const recordingRejectSchema = z.strictObject({
  type: z.literal('recording.reject'),
  sessionId: sessionIdSchema,
  problem: z.string().min(1).max(64),
  reason,
});

/**
 * Command review, IT answer: an OT owner of the site decided on a held line (`reviewer` is the
 * owner's account name, `comment` theirs). The OT side passes or clears the line; a decision for a
 * review it no longer holds (timed out, session ended) is ignored there.
 */
export const reviewDecisionSchema = z.strictObject({
  type: z.literal('review.decision'),
  reviewId,
  decision: z.enum(['allow', 'deny']),
  reviewer: z.string().min(1).max(128),
  comment: z.string().min(1).max(500),
});
/**
 * Owner enrollment, relayed: the registration an OT owner's browser made in the portal for an
 * enrollment the OT side started (`airlock-ot owner enroll-start`). The OT gateway verifies it
 * against the challenge it derived from its one-time code and answers with `result`.
 */
export const ownerEnrollSchema = z.strictObject({
  type: z.literal('owner.enroll'),
  id: commandId,
  owner: ownerNameSchema,
  /** The JSON `startRegistration` returned, as the browser posted it. */
  registration: z.string().min(1).max(80_000),
});

// ---- OT -> IT after the welcome ----
export const pongSchema = z.strictObject({
  type: z.literal('pong'),
  id: commandId,
  itTime: epochMs,
  otTime: epochMs,
});
export const catalogueSchema = z.strictObject({
  type: z.literal('catalogue'),
  assets: assetCatalogueSchema,
  /** The site's `approvals` policy and enrolled owners (absent from older OT gateways: it-signed). */
  approvals: siteApprovalsSchema.optional(),
});
/** The site's discovery results (newest first), for the portal; read-only, onboarding is OT-side. */
export const MAX_PUBLISHED_PROPOSALS = 500;
export const discoveryResultsSchema = z.strictObject({
  type: z.literal('discovery'),
  proposals: z.array(publishedProposalSchema).max(MAX_PUBLISHED_PROPOSALS),
});
/** The site's learn windows and latest proposals, for the portal; read-only, applying is OT-side. */
export const learningMessageSchema = z.strictObject({
  type: z.literal('learning'),
  status: learningStatusSchema,
});
export const auditBatchSchema = z.strictObject({
  type: z.literal('audit.batch'),
  events: z.array(auditEventSchema).min(1).max(MAX_AUDIT_BATCH_EVENTS),
  checkpoints: z.array(checkpointSchema).max(MAX_AUDIT_BATCH_EVENTS),
});
/** Largest slice of a recording file in one `recording.chunk` (base64 in the frame). */
export const MAX_RECORDING_CHUNK_BYTES = 256 * 1024;
/**
 * Recording store and forward, OT side: `data` is the slice of the session's asciicast file at
 * byte `offset`; `final` comes with the slice that ends a closed recording (total size and the
 * SHA-256 the OT gateway also put in its audit chain as `recording.close`).
 */
export const recordingChunkSchema = z.strictObject({
  type: z.literal('recording.chunk'),
  sessionId: sessionIdSchema,
  asset: nameSchema,
  user: z.string().min(1).max(128),
  startedAt: epochMs,
  offset: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  data: z.base64().max((MAX_RECORDING_CHUNK_BYTES / 3) * 4 + 4),
  final: z
    .strictObject({
      size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      sha256: hex64,
    })
    .nullable(),
});
/** Largest held line shown to a reviewer (longer lines are cut, and said to be). */
export const MAX_REVIEW_LINE_CHARS = 4096;
/**
 * Command review, OT side: the SSH command filter holds a line of a live session until an OT owner
 * decides (`line` null when it must not be shown: typed at a password prompt). `expiresAt` is when
 * the OT gateway denies it by its own clock.
 */
export const reviewRequestSchema = z.strictObject({
  type: z.literal('review.request'),
  reviewId,
  sessionId: sessionIdSchema,
  line: z.string().max(MAX_REVIEW_LINE_CHARS).nullable(),
  why: z.string().min(1).max(500),
  expiresAt: epochMs,
});
/** Command review, OT side: the site stopped holding the line without a decision (its timeout, or the session ended). */
export const reviewCloseSchema = z.strictObject({
  type: z.literal('review.close'),
  reviewId,
  reason: z.enum(['timeout', 'session_ended']),
});
export const resultSchema = z.union([
  z.strictObject({ type: z.literal('result'), id: commandId, ok: z.literal(true) }),
  z.strictObject({
    type: z.literal('result'),
    id: commandId,
    ok: z.literal(false),
    code: z.string().min(1).max(64),
    reason,
  }),
]);

/** Every message the IT side may send, by type. */
export const IT_TO_OT = {
  challenge: challengeSchema,
  welcome: welcomeSchema,
  'data.welcome': dataWelcomeSchema,
  ping: pingSchema,
  open: openSchema,
  'session.end': endSessionSchema,
  'grant.end': endGrantSchema,
  lockdown: lockdownSchema,
  'audit.ack': auditAckSchema,
  'audit.reject': auditRejectSchema,
  'recording.ack': recordingAckSchema,
  'recording.reject': recordingRejectSchema,
  'review.decision': reviewDecisionSchema,
  'owner.enroll': ownerEnrollSchema,
} as const;

/** Every message the OT side may send, by type. */
export const OT_TO_IT = {
  hello: helloSchema,
  pong: pongSchema,
  catalogue: catalogueSchema,
  discovery: discoveryResultsSchema,
  learning: learningMessageSchema,
  'audit.batch': auditBatchSchema,
  'recording.chunk': recordingChunkSchema,
  'review.request': reviewRequestSchema,
  'review.close': reviewCloseSchema,
  result: resultSchema,
} as const;

type Messages<T extends Record<string, z.ZodType>> = { [K in keyof T]: z.output<T[K]> }[keyof T];
export type ItToOtMessage = Messages<typeof IT_TO_OT>;
export type OtToItMessage = Messages<typeof OT_TO_IT>;
export type Hello = z.output<typeof helloSchema>;
export type Welcome = z.output<typeof welcomeSchema>;
export type Challenge = z.output<typeof challengeSchema>;
export type AuditBatch = z.output<typeof auditBatchSchema>;
export type CommandResult = z.output<typeof resultSchema>;
export type RecordingChunk = z.output<typeof recordingChunkSchema>;
export type RecordingAck = z.output<typeof recordingAckSchema>;
export type RecordingReject = z.output<typeof recordingRejectSchema>;
export type ReviewRequest = z.output<typeof reviewRequestSchema>;
export type ReviewClose = z.output<typeof reviewCloseSchema>;
export type ReviewDecisionMessage = z.output<typeof reviewDecisionSchema>;
