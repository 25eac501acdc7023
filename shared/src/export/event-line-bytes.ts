/**
 * An event's JSON line written straight from its stored values into a byte sink, with the
 * positions of its values (the `Fields` of canonical-line-bytes.ts), so event-formats-bytes.ts can
 * write its CSV record and CEF line from those bytes at once, without a scan. The exporter writes a
 * million of these: building each line, CSV record and CEF line as strings and encoding all three
 * was most of an export's time (profiled: string building, UTF-8 encoding and the garbage of both).
 *
 * Guarantees: the bytes written are exactly `eventToJsonLine` of the event with `details` as its
 * canonical text (event-line-bytes.test.ts holds the two to it over every special character and
 * generated events), and the Fields are the byte ranges of the values as written, as scanEventLine
 * would find them. It writes only the plain form that scan accepts: every string value printable
 * ASCII without a quote or a backslash (so no JSON escape is needed and one character is one byte),
 * the details text printable ASCII without a backslash and starting with "{", seq and time whole
 * numbers of at most 15 digits. Anything else returns -1 with the sink's `used` unchanged, and the
 * caller renders the strings (event-formats.ts). Not checked here: that the details text is the
 * canonical JSON of the details (the chain stores it so; audit-chain.ts).
 */
import { F, LINE, QUOTE, type Fields } from './canonical-line-bytes.js';
import type { AuditEvent } from '../audit/audit-event.js';
import type { ByteSink } from './event-formats-bytes.js';

/**
 * An event as the chain stores it, positionally (no object per row): `details` is the stored
 * canonical JSON text, not parsed.
 */
export type EventRow = readonly [
  seq: number,
  id: string,
  time: number,
  actor: string,
  action: string,
  site: string | null,
  target: string | null,
  outcome: string,
  details: string,
  prevHash: string,
  hash: string,
];

/** The row of an event whose details are `detailsJson` (its canonical text). */
export function eventRowOf(e: AuditEvent, detailsJson: string): EventRow {
  return [
    e.seq,
    e.id,
    e.time,
    e.actor,
    e.action,
    e.site,
    e.target,
    e.outcome,
    detailsJson,
    e.prevHash,
    e.hash,
  ];
}

/** Indexes into an EventRow. */
export const R = {
  seq: 0,
  id: 1,
  time: 2,
  actor: 3,
  action: 4,
  site: 5,
  target: 6,
  outcome: 7,
  details: 8,
  prevHash: 9,
  hash: 10,
} as const;

const { ACTION, ACTOR, DETAILS, HASH, ID, OUTCOME, PREV, SEQ, SITE, TARGET, TIME, NULL } = LINE;
/** The keys, quotes, commas and brackets of a line, and room for two 15-digit numbers. */
const FIXED_BYTES = 160;
const MAX_INTEGER = 999_999_999_999_999;
const BACKSLASH = 0x5c;

/**
 * Writes the JSON line of row `r` (with its "\n") at `sink.used` and fills `f`; returns the line's
 * length without the "\n", or -1 (nothing written) when the row is not in the plain form.
 */
export function writeEventLine(sink: ByteSink, r: EventRow, f: Fields): number {
  const [seq, id, time, actor, action, site, target, outcome, details, prevHash, hash] = r;
  const need =
    FIXED_BYTES +
    id.length +
    actor.length +
    action.length +
    (site === null ? 0 : site.length) +
    (target === null ? 0 : target.length) +
    outcome.length +
    details.length +
    prevHash.length +
    hash.length;
  if (details.charCodeAt(0) !== 0x7b || !sink.reserve(need)) return -1;
  const o = sink.buf;
  const start = sink.used;
  // Positions stay in a local; a value that is not plain makes `u` -1, which every step passes on.
  let u = put(o, start, ACTION);
  u = value(o, u, action, f, F.action, true);
  u = put(o, u, ACTOR);
  u = value(o, u, actor, f, F.actor, true);
  u = put(o, u, DETAILS);
  u = value(o, u, details, f, F.details, false);
  u = put(o, u, HASH);
  u = value(o, u, hash, f, F.hash, true);
  u = put(o, u, ID);
  u = value(o, u, id, f, F.id, true);
  u = put(o, u, OUTCOME);
  u = value(o, u, outcome, f, F.outcome, true);
  u = put(o, u, PREV);
  u = value(o, u, prevHash, f, F.prevHash, true);
  u = put(o, u, SEQ);
  u = integer(o, u, seq, f, F.seq);
  u = put(o, u, SITE);
  u = nullable(o, u, site, f, F.site);
  u = put(o, u, TARGET);
  u = nullable(o, u, target, f, F.target);
  u = put(o, u, TIME);
  u = integer(o, u, time, f, F.time);
  if (u < 0) return -1;
  o[u++] = 0x7d;
  o[u++] = 0x0a;
  sink.used = u;
  return u - 1 - start;
}

function put(o: Buffer, u: number, bytes: Buffer): number {
  if (u < 0) return -1;
  for (let i = 0; i < bytes.length; i++) o[u + i] = bytes[i] as number;
  return u + bytes.length;
}

/** A value's characters as bytes: printable ASCII, no backslash, and no quote when `isString`. */
function value(o: Buffer, u: number, s: string, f: Fields, k: number, isString: boolean): number {
  if (u < 0) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === BACKSLASH || (c === QUOTE && isString)) return -1;
    o[u + i] = c;
  }
  f[k] = u;
  f[k + 1] = u + s.length;
  return u + s.length;
}

function nullable(o: Buffer, u: number, s: string | null, f: Fields, k: number): number {
  if (u < 0) return -1;
  if (s === null) {
    f[k] = -1;
    f[k + 1] = -1;
    return put(o, u, NULL);
  }
  o[u] = QUOTE;
  const end = value(o, u + 1, s, f, k, true);
  if (end < 0) return -1;
  o[end] = QUOTE;
  return end + 1;
}

/** A whole number 0..MAX_INTEGER in decimal (as JSON.stringify writes it). */
function integer(o: Buffer, u: number, n: number, f: Fields, k: number): number {
  if (u < 0 || !Number.isSafeInteger(n) || n < 0 || n > MAX_INTEGER) return -1;
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let x = n;
  for (let i = digits - 1; i >= 0; i--) {
    const q = Math.floor(x / 10);
    o[u + i] = 48 + (x - q * 10);
    x = q;
  }
  f[k] = u;
  f[k + 1] = u + digits;
  return u + digits;
}
