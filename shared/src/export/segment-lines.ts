/**
 * Lines of a bundle's `events/<log>.jsonl`: the chain segment, in seq order. A line is either an
 * event (its canonical JSON, hash included) or a withheld span
 * `{"withheld":{"fromSeq":..,"toSeq":..,"lastHash":".."}}` standing for events of other sites in the
 * IT log, which a per-site export must not disclose. Parsing returns a Result: a line from an
 * untrusted bundle never throws.
 */
import { z } from 'zod';
import { canonicalJson } from '../crypto/canonical.js';
import { blake2b, blake2bHex } from '../crypto/hash.js';
import { toHex } from '../crypto/encoding.js';
import { auditEventSchema, type AuditEvent } from '../audit/audit-event.js';
import { err, ok, type Result } from '../result.js';
import {
  F,
  fieldNumber,
  hasControl,
  isHexOf,
  isLowerHex64,
  newFields,
  scanEventLine,
  type Fields,
} from './canonical-line-bytes.js';

export interface WithheldSpan {
  readonly fromSeq: number;
  readonly toSeq: number;
  /** Hash of event `toSeq`, as the exporting gateway holds it. */
  readonly lastHash: string;
}

export type SegmentLine =
  | { readonly kind: 'event'; readonly event: AuditEvent }
  | { readonly kind: 'withheld'; readonly span: WithheldSpan };

const withheldSchema = z.strictObject({
  withheld: z.strictObject({
    fromSeq: z.number().int().positive(),
    toSeq: z.number().int().positive(),
    lastHash: z.string().regex(/^[0-9a-f]{64}$/),
  }),
});

export function withheldLine(span: WithheldSpan): string {
  return `${canonicalJson({ withheld: { fromSeq: span.fromSeq, toSeq: span.toSeq, lastHash: span.lastHash } })}\n`;
}

export function parseSegmentLine(line: string): Result<SegmentLine, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(line) as unknown;
  } catch {
    return err('not valid JSON');
  }
  if (raw !== null && typeof raw === 'object' && 'withheld' in raw) {
    const w = withheldSchema.safeParse(raw);
    if (!w.success)
      return err(`malformed withheld span: ${w.error.issues[0]?.message ?? 'invalid'}`);
    return ok({ kind: 'withheld', span: w.data.withheld });
  }
  if (isAuditEventShape(raw)) return ok({ kind: 'event', event: raw });
  // Slow path only for bad lines: zod names the field and the problem.
  const e = auditEventSchema.safeParse(raw);
  const first = e.success ? undefined : e.error.issues[0];
  return err(
    `not an audit event: ${first === undefined ? 'invalid' : `${first.path.join('.') || '(root)'}: ${first.message}`}`,
  );
}

const EVENT_KEYS = new Set([
  'seq',
  'id',
  'time',
  'actor',
  'action',
  'site',
  'target',
  'outcome',
  'details',
  'prevHash',
  'hash',
]);
const HEX64 = /^[0-9a-f]{64}$/;
const isStr = (v: unknown, min: number, max: number): v is string =>
  typeof v === 'string' && v.length >= min && v.length <= max;

/**
 * Exactly `auditEventSchema`'s rules, hand-written: the verifier checks a million lines and zod's
 * generic walk was 12% of its time (measured). segment-lines.test.ts holds the two to the same answers.
 */
export function isAuditEventShape(v: unknown): v is AuditEvent {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  let n = 0;
  for (const k in o) {
    if (!EVENT_KEYS.has(k)) return false;
    n++;
  }
  if (n !== EVENT_KEYS.size) return false;
  const d = o.details;
  return (
    Number.isSafeInteger(o.seq) &&
    (o.seq as number) > 0 &&
    Number.isSafeInteger(o.time) &&
    (o.time as number) >= 0 &&
    isStr(o.id, 1, 64) &&
    isStr(o.actor, 1, 256) &&
    isStr(o.action, 1, 64) &&
    (o.site === null || isStr(o.site, 0, 128)) &&
    (o.target === null || isStr(o.target, 0, 512)) &&
    (o.outcome === 'success' || o.outcome === 'failure' || o.outcome === 'denied') &&
    d !== null &&
    typeof d === 'object' &&
    !Array.isArray(d) &&
    typeof o.prevHash === 'string' &&
    HEX64.test(o.prevHash) &&
    typeof o.hash === 'string' &&
    HEX64.test(o.hash)
  );
}

/**
 * The hash of an event computed from the line it was read from, without re-encoding it: an event
 * line is the canonical JSON of the event, and the canonical hash input is that same text without
 * the top-level `"hash"` member (keys are sorted, so it sits between `details` and `id`). If the
 * result equals `e.hash`, the line minus that member is exactly the signed-over preimage, so the
 * parsed event is the genuine one; a line that is not canonical simply fails to match. Also returns
 * the canonical text of `details` (between `"details":` and the hash member: only `action` and
 * `actor`, both strings, come before it, and a string cannot hold an unescaped quote), so the CSV
 * and CEF renderings need not encode it again. Undefined when the line is not shaped that way (the
 * caller then re-encodes).
 */
export function canonicalLineParts(
  line: string,
  e: AuditEvent,
): { readonly contentHash: string; readonly detailsJson: string } | undefined {
  const span = hashMemberSpan(line, e.hash);
  if (span === undefined) return undefined;
  return {
    contentHash: blake2bHex(`${line.slice(0, span.at)},"id":${line.slice(span.end)}`),
    detailsJson: line.slice(span.details, span.at),
  };
}

/** canonicalLineParts' `detailsJson` alone (no hash computed), for rendering a line whose chain is checked elsewhere. */
export function canonicalDetailsText(line: string, hash: string): string | undefined {
  const span = hashMemberSpan(line, hash);
  return span === undefined ? undefined : line.slice(span.details, span.at);
}

/** Where the top-level `"hash"` member sits (from its comma to the `"id":` after it) and where details' value starts. */
function hashMemberSpan(
  line: string,
  hash: string,
): { readonly at: number; readonly end: number; readonly details: number } | undefined {
  const member = `,"hash":"${hash}","id":`;
  const at = line.indexOf(member);
  const d = line.indexOf('"details":');
  return at < 0 || d < 0 || d > at ? undefined : { at, end: at + member.length, details: d + 10 };
}

/** What readEventLine gives for a line it accepts. */
export interface ReadEventLine {
  readonly event: AuditEvent;
  /** BLAKE2b of the line without its hash member (the event's canonical hash input), hex. */
  readonly contentHash: string;
  /** The canonical text of `details`, as in the line. */
  readonly detailsJson: string;
}

const fields = newFields();
let preimage = Buffer.allocUnsafe(64 * 1024);

/**
 * parseSegmentLine and canonicalLineParts in one, for a line in the plain canonical form
 * (canonical-line-bytes.ts), read from its bytes [start, end) (without the "\n"; `plain` as for scanEventLine): the events worker checks a million lines, and
 * JSON.parse, the shape check's regular expressions and hashing a re-encoded string were most of its
 * time (measured). It gives the same event, the same content hash (over the line's own bytes minus
 * the hash member: for printable ASCII, the bytes of the same text) and the same details text. It
 * is sound, not complete: whatever it is unsure of (another layout, invalid JSON in details, a
 * value isAuditEventShape refuses) returns undefined, and the caller takes the general path, which
 * names the problem. segment-lines.test.ts holds the two paths to the same answers. `knownHex`, if
 * given, must be 64 lowercase hex digits (the hash the event must link to).
 */
export function readEventLine(
  b: Buffer,
  start: number,
  end: number,
  plain: boolean,
  knownHex?: string,
): ReadEventLine | undefined {
  const f = fields;
  if (!scanEventLine(b, start, end, f, plain)) return undefined;
  const seq = fieldNumber(b, f, F.seq);
  if (
    seq <= 0 ||
    !within(f, F.id, 1, 64) ||
    !within(f, F.actor, 1, 256) ||
    !within(f, F.action, 1, 64) ||
    !within(f, F.site, 0, 128) ||
    !within(f, F.target, 0, 512) ||
    // JSON forbids raw control characters; details go through JSON.parse, the hashes and outcome are checked below.
    hasControl(b, f[F.action] as number, f[F.actor + 1] as number) ||
    hasControl(b, f[F.id] as number, f[F.id + 1] as number) ||
    hasControl(b, f[F.seq + 1] as number, end)
  ) {
    return undefined;
  }
  const text = b.toString('latin1', start, end);
  const outcome = slice(text, f, F.outcome, start);
  if (outcome !== 'success' && outcome !== 'failure' && outcome !== 'denied') return undefined;
  // `knownHex` (the hash this event must link to) is hex already: an equal prevHash needs no check of its own.
  const prevHash = slice(text, f, F.prevHash, start);
  if (
    prevHash !== knownHex &&
    !isLowerHex64(b, f[F.prevHash] as number, f[F.prevHash + 1] as number)
  )
    return undefined;
  const detailsJson = slice(text, f, F.details, start);
  let details: unknown;
  try {
    details = JSON.parse(detailsJson);
  } catch {
    return undefined;
  }
  if (details === null || typeof details !== 'object' || Array.isArray(details)) return undefined;

  // The hash input: the line without `,"hash":"<64 hex>"` (9 + 64 + 1 bytes before `,"id":`).
  const cut = (f[F.hash] as number) - 9;
  const resume = (f[F.hash + 1] as number) + 1;
  const n = end - start - (resume - cut);
  if (preimage.length < n) preimage = Buffer.allocUnsafe(n);
  b.copy(preimage, 0, start, cut);
  b.copy(preimage, cut - start, resume, end);
  const digest = blake2b(preimage.subarray(0, n));
  const hash = slice(text, f, F.hash, start);
  let contentHash = hash;
  if (!isHexOf(digest, b, f[F.hash] as number)) {
    if (!isLowerHex64(b, f[F.hash] as number, f[F.hash + 1] as number)) return undefined;
    contentHash = toHex(digest);
  }
  const site = (f[F.site] as number) < 0 ? null : slice(text, f, F.site, start);
  const target = (f[F.target] as number) < 0 ? null : slice(text, f, F.target, start);
  const event: AuditEvent = {
    action: slice(text, f, F.action, start),
    actor: slice(text, f, F.actor, start),
    details: details as AuditEvent['details'],
    hash,
    id: slice(text, f, F.id, start),
    outcome,
    prevHash,
    seq,
    site,
    target,
    time: fieldNumber(b, f, F.time),
  };
  return { event, contentHash, detailsJson };
}

/** Whether field k's length is within [min, max] (a null field has length 0). */
function within(f: Fields, k: number, min: number, max: number): boolean {
  const n = (f[k + 1] as number) - (f[k] as number);
  return n >= min && n <= max;
}

/** Field k of the line, from the line's text (`start`: where the line starts in the buffer). */
function slice(text: string, f: Fields, k: number, start: number): string {
  return text.slice((f[k] as number) - start, (f[k + 1] as number) - start);
}
