/**
 * The export bundle's layout and manifest (format `airlock-audit-export`, version 2; 1 is read).
 *
 * A bundle is one tar.gz whose first entry is `manifest.json` (canonical JSON) and second
 * `manifest.sig` (the base64url Ed25519 signature over exactly the bytes of manifest.json, made with
 * the IT gateway's audit key). Every other entry is listed in the manifest with its SHA-256 and size.
 * Putting the manifest first lets a verifier check everything in one streaming pass.
 *
 * Per audit log (`it`: the IT gateway's own chain; `ot`: the site's OT chain as ingested) the manifest
 * records the chain segment the bundle carries: the anchor it starts from (a signed checkpoint, or
 * the genesis), the head it ends at, the seqs of the events in the time range, and the key that
 * signs that log's checkpoints. This module only describes and parses; verify-bundle.ts judges.
 */
import { z } from 'zod';
import type { Checkpoint } from '../audit/audit-event.js';
import { checkpointSchema } from '../audit/audit-event.js';
import { err, ok, type Result } from '../result.js';
import { AUDIT_LOG_NAMES, type AuditLogName, type TextRendering } from './event-formats.js';
import { evidenceManifestSchema } from './evidence-manifest.js';

export const BUNDLE_FORMAT = 'airlock-audit-export';
/**
 * 2: the CSV and CEF files render text neutralised (control characters and bidi overrides as
 * U+FFFD, event-formats.ts); 1: as stored. The verifier reads both and re-derives each its way.
 */
export const BUNDLE_VERSION = 2;

/** How a bundle of `version` renders the text of its CSV and CEF files. */
export function bundleTextRendering(version: number): TextRendering {
  return version >= 2 ? 'neutral' : 'raw';
}

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';
export const README_FILE = 'README.txt';

/** Upper bounds the verifier enforces before trusting sizes from an untrusted file. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

export type EventFileFormat = 'jsonl' | 'csv' | 'cef';
export type ArtifactKind = 'recording' | 'protocol-log';
export const ARTIFACT_KINDS: readonly ArtifactKind[] = ['recording', 'protocol-log'];

export function eventsFile(log: AuditLogName, format: EventFileFormat): string {
  return `events/${log}.${format}`;
}

export function checkpointsFile(log: AuditLogName): string {
  return `checkpoints/${log}.jsonl`;
}

/** Session ids and artifact names become path segments: keep them plain. */
export const PATH_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function artifactFile(sessionId: string, kind: ArtifactKind, name: string): string {
  return `sessions/${sessionId}/${kind}/${name}`;
}

const HEX64 = /^[0-9a-f]{64}$/;
const hex64 = z.string().regex(HEX64);
const seqSchema = z.number().int().nonnegative();
const epochMs = z.number().int().nonnegative();
const b64urlKey = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'expected a 32-byte Ed25519 public key in base64url');
const pointSchema = z.strictObject({ seq: seqSchema, hash: hex64 });

export type FileKind = 'readme' | 'events' | 'checkpoints' | 'evidence' | ArtifactKind;

const fileEntrySchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .max(512)
    .regex(
      /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._/-]+$/,
      'expected a relative path without . or .. segments',
    ),
  sha256: hex64,
  bytes: z.number().int().nonnegative(),
  kind: z.enum(['readme', 'events', 'checkpoints', 'evidence', 'recording', 'protocol-log']),
  log: z.enum(['it', 'ot']).optional(),
  format: z.enum(['jsonl', 'csv', 'cef']).optional(),
  sessionId: z.string().regex(PATH_SEGMENT).optional(),
});

const logSchema = z.strictObject({
  /** base64url Ed25519 key that signs this log's checkpoints (the IT audit key, or the site's OT key). */
  publicKey: b64urlKey,
  /** The point the segment continues from: a signed checkpoint, or seq 0 and the genesis hash. */
  anchor: pointSchema,
  /** The last event of the segment (equal to the anchor when the segment is empty). */
  head: pointSchema,
  /** Seqs of the events whose time lies in the range (first > last when there are none). */
  inRange: z.strictObject({ first: seqSchema, last: seqSchema }),
  /** The whole log's head when the bundle was made (how far it went, or was ingested). */
  logHead: pointSchema,
  /** Events written in full (the site's), and events withheld (other sites', IT log only). */
  events: z.number().int().nonnegative(),
  withheld: z.number().int().nonnegative(),
  checkpoints: z.number().int().nonnegative(),
});

export const manifestSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  version: z.union([z.literal(1), z.literal(BUNDLE_VERSION)]),
  exportId: z.string().min(1).max(64),
  site: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/),
  range: z
    .strictObject({ from: epochMs, to: epochMs })
    .refine((r) => r.from <= r.to, { message: 'range.from must not be after range.to' }),
  createdAt: epochMs,
  exportedBy: z.string().min(1).max(256),
  generator: z.strictObject({ product: z.literal('airlock'), version: z.string().min(1).max(64) }),
  signer: z.strictObject({ algorithm: z.literal('Ed25519'), publicKey: b64urlKey }),
  logs: z.strictObject({ it: logSchema, ot: logSchema.nullable() }),
  /** Why a log is absent or what the reader should know (e.g. no OT events ingested yet). */
  notes: z.array(z.string().max(1000)).max(100),
  files: z.array(fileEntrySchema).max(1_000_000),
  /** Present in an evidence pack only (evidence-manifest.ts): what it is about, and which events. */
  evidence: evidenceManifestSchema.optional(),
});

export type BundleManifest = z.output<typeof manifestSchema>;
export type ManifestFile = BundleManifest['files'][number];
export type ManifestLog = z.output<typeof logSchema>;
export type ChainPoint = z.output<typeof pointSchema>;

export function parseManifest(bytes: Uint8Array): Result<BundleManifest, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
    ) as unknown;
  } catch (e) {
    return err(`manifest.json is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return err(
      `manifest.json does not match format ${BUNDLE_FORMAT} v${BUNDLE_VERSION}: ${first === undefined ? 'invalid' : `${first.path.join('.') || '(root)'}: ${first.message}`}`,
    );
  }
  const seen = new Set<string>();
  for (const f of parsed.data.files) {
    if (seen.has(f.path)) return err(`manifest.json lists ${f.path} twice`);
    if (f.path === MANIFEST_FILE || f.path === SIGNATURE_FILE)
      return err(`manifest.json must not list ${f.path}`);
    seen.add(f.path);
  }
  return ok(parsed.data);
}

/** A line of a checkpoints file. */
export function parseCheckpointLine(line: string): Result<Checkpoint, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(line) as unknown;
  } catch {
    return err('not valid JSON');
  }
  const parsed = checkpointSchema.safeParse(raw);
  return parsed.success
    ? ok(parsed.data)
    : err(parsed.error.issues[0]?.message ?? 'not a checkpoint');
}

export function isAuditLogName(value: string): value is AuditLogName {
  return (AUDIT_LOG_NAMES as readonly string[]).includes(value);
}
