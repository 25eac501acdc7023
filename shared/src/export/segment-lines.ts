/**
 * Lines of a bundle's `events/<log>.jsonl`: the chain segment, in seq order. A line is either an
 * event (its canonical JSON, hash included) or a withheld span
 * `{"withheld":{"fromSeq":..,"toSeq":..,"lastHash":".."}}` standing for events of other sites in the
 * IT log, which a per-site export must not disclose. Parsing returns a Result: a line from an
 * untrusted bundle never throws.
 */
import { z } from 'zod';
import { canonicalJson } from '../crypto/canonical.js';
import { blake2bHex } from '../crypto/hash.js';
import { auditEventSchema, type AuditEvent } from '../audit/audit-event.js';
import { err, ok, type Result } from '../result.js';

export interface WithheldSpan {
  readonly fromSeq: number;
  readonly toSeq: number;
  /** Hash of event `toSeq`, as the exporting gateway holds it. */
  readonly lastHash: string;
}

export type SegmentLine = { readonly kind: 'event'; readonly event: AuditEvent } | { readonly kind: 'withheld'; readonly span: WithheldSpan };

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
    if (!w.success) return err(`malformed withheld span: ${w.error.issues[0]?.message ?? 'invalid'}`);
    return ok({ kind: 'withheld', span: w.data.withheld });
  }
  if (isAuditEventShape(raw)) return ok({ kind: 'event', event: raw });
  // Slow path only for bad lines: zod names the field and the problem.
  const e = auditEventSchema.safeParse(raw);
  const first = e.success ? undefined : e.error.issues[0];
  return err(`not an audit event: ${first === undefined ? 'invalid' : `${first.path.join('.') || '(root)'}: ${first.message}`}`);
}

const EVENT_KEYS = new Set(['seq', 'id', 'time', 'actor', 'action', 'site', 'target', 'outcome', 'details', 'prevHash', 'hash']);
const HEX64 = /^[0-9a-f]{64}$/;
const isStr = (v: unknown, min: number, max: number): v is string => typeof v === 'string' && v.length >= min && v.length <= max;

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
    Number.isSafeInteger(o.seq) && (o.seq as number) > 0 &&
    Number.isSafeInteger(o.time) && (o.time as number) >= 0 &&
    isStr(o.id, 1, 64) && isStr(o.actor, 1, 256) && isStr(o.action, 1, 64) &&
    (o.site === null || isStr(o.site, 0, 128)) &&
    (o.target === null || isStr(o.target, 0, 512)) &&
    (o.outcome === 'success' || o.outcome === 'failure' || o.outcome === 'denied') &&
    d !== null && typeof d === 'object' && !Array.isArray(d) &&
    typeof o.prevHash === 'string' && HEX64.test(o.prevHash) &&
    typeof o.hash === 'string' && HEX64.test(o.hash)
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
export function canonicalLineParts(line: string, e: AuditEvent): { readonly contentHash: string; readonly detailsJson: string } | undefined {
  const span = hashMemberSpan(line, e.hash);
  if (span === undefined) return undefined;
  return { contentHash: blake2bHex(`${line.slice(0, span.at)},"id":${line.slice(span.end)}`), detailsJson: line.slice(span.details, span.at) };
}

/** canonicalLineParts' `detailsJson` alone (no hash computed), for rendering a line whose chain is checked elsewhere. */
export function canonicalDetailsText(line: string, hash: string): string | undefined {
  const span = hashMemberSpan(line, hash);
  return span === undefined ? undefined : line.slice(span.details, span.at);
}

/** Where the top-level `"hash"` member sits (from its comma to the `"id":` after it) and where details' value starts. */
function hashMemberSpan(line: string, hash: string): { readonly at: number; readonly end: number; readonly details: number } | undefined {
  const member = `,"hash":"${hash}","id":`;
  const at = line.indexOf(member);
  const d = line.indexOf('"details":');
  return at < 0 || d < 0 || d > at ? undefined : { at, end: at + member.length, details: d + 10 };
}

/**
 * An event line read by position instead of JSON.parse, for the CSV/CEF derivation that runs on the
 * main thread beside the worker's chain check (JSON.parse was a fifth of that thread's time,
 * measured on 1,000,000 events). It reads only the canonical layout (keys in sorted order, no
 * whitespace, integer seq and time) and only lines without a backslash, so every string value is
 * its raw text (no escapes, no quote inside); anything else returns undefined and the caller uses
 * JSON.parse. It validates nothing: its answer counts only for lines the chain check accepted, and
 * for those it gives what JSON.parse gives (segment-lines.test.ts). `details` is left empty: the
 * renderers take `detailsJson`, the canonical text of it.
 */
export function scanCanonicalEventLine(line: string): { readonly event: AuditEvent; readonly detailsJson: string } | undefined {
  if (line.indexOf('\\') >= 0 || !line.startsWith('{"action":"')) return undefined;
  // Strings hold no quote here, so the last `,"hash":"` is the top-level member, whatever details holds.
  const hashAt = line.lastIndexOf(',"hash":"');
  const c = new CanonicalCursor(line, 11);
  const action = c.text(',"actor":"');
  const actor = c.text(',"details":');
  if (!c.ok || hashAt <= c.at) return undefined;
  const detailsJson = line.slice(c.at, hashAt);
  c.at = hashAt + 9;
  const hash = c.text(',"id":"');
  const id = c.text(',"outcome":"');
  const outcome = c.text(',"prevHash":"');
  const prevHash = c.text(',"seq":');
  const seq = c.integer(',"site":');
  const site = c.nullOrText(',"target":');
  const target = c.nullOrText(',"time":');
  const time = c.integer('}');
  if (!c.ok || c.at !== line.length) return undefined;
  return { event: { seq, id, time, actor, action, site, target, outcome: outcome as AuditEvent['outcome'], details: {}, prevHash, hash }, detailsJson };
}

/** Reads values of a canonical line left to right; each is followed by the literal `then`. Once a read fails, `ok` stays false. */
class CanonicalCursor {
  ok = true;

  constructor(
    private readonly line: string,
    public at: number,
  ) {}

  /** A string's raw text (the opening quote already passed) up to its closing quote. */
  text(then: string): string {
    return this.take(this.ok ? this.line.indexOf('"', this.at) : -1, 1, then);
  }

  /** 1 to 16 digits (a safe integer's length at most). */
  integer(then: string): number {
    let q = this.at;
    while (q < this.line.length && this.line.charCodeAt(q) >= 48 && this.line.charCodeAt(q) <= 57) q++;
    return Number(this.take(q === this.at || q - this.at > 16 ? -1 : q, 0, then));
  }

  /** `null` or a quoted string. */
  nullOrText(then: string): string | null {
    if (this.line.startsWith('null', this.at)) {
      this.take(this.at + 4, 0, then);
      return null;
    }
    if (this.line.charCodeAt(this.at) !== 34) this.ok = false;
    this.at++;
    return this.text(then);
  }

  private take(end: number, skip: number, then: string): string {
    if (!this.ok || end < 0 || !this.line.startsWith(then, end + skip)) {
      this.ok = false;
      return '';
    }
    const value = this.line.slice(this.at, end);
    this.at = end + skip + then.length;
    return value;
  }
}
