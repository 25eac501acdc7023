/**
 * Where the values of a canonical event line sit in its bytes, found without decoding or parsing
 * it: the verifier reads a million lines on each of two threads, and JSON.parse, UTF-8 decoding
 * and the string building after it were most of its time (measured on 1,000,000 events).
 *
 * It accepts only the plainest form of the canonical layout: ASCII without a backslash (so every
 * string value is its raw bytes: no escapes, no quote inside, one byte per character),
 * keys in sorted order without whitespace, integers of 1 to 15 digits without a leading zero (so
 * every one is a safe integer), `details` an object. Anything else returns false and the caller
 * takes the general path (JSON.parse), which also names what is wrong. It validates nothing beyond
 * that layout: `details` is only delimited (its brackets matched), and whether it is JSON, control characters in values,
 * the values' lengths, the outcome and the hex of the hashes are for the caller to judge.
 */
import { isAscii } from 'node:buffer';

/** Offsets in `Fields`: each value is the byte range [Fields[k], Fields[k + 1]) of the buffer scanned. */
export const F = {
  action: 0,
  actor: 2,
  details: 4,
  hash: 6,
  id: 8,
  outcome: 10,
  prevHash: 12,
  seq: 14,
  site: 16,
  target: 18,
  time: 20,
} as const;

/** The scan's answer; `site` and `target` start at -1 when null. Reused line after line (no allocation). */
export type Fields = Int32Array;

export function newFields(): Fields {
  return new Int32Array(22);
}

const lit = (s: string): Buffer => Buffer.from(s, 'latin1');
/** The fixed parts of a canonical line, in key order (the line writer, event-line-bytes.ts, uses them too). */
export const LINE = {
  ACTION: lit('{"action":"'),
  ACTOR: lit('","actor":"'),
  DETAILS: lit('","details":'),
  HASH: lit(',"hash":"'),
  ID: lit('","id":"'),
  OUTCOME: lit('","outcome":"'),
  PREV: lit('","prevHash":"'),
  SEQ: lit('","seq":'),
  SITE: lit(',"site":'),
  TARGET: lit(',"target":'),
  TIME: lit(',"time":'),
  NULL: lit('null'),
} as const;
const { ACTION, ACTOR, DETAILS, HASH, ID, OUTCOME, PREV, SEQ, SITE, TARGET, TIME, NULL } = LINE;
const CLOSE = lit('"');

export const QUOTE = 0x22;

/**
 * Scans the line at bytes [start, end) of `b` (without its "\n"); true if it has the canonical
 * layout described above. `plain` says the caller already knows those bytes are ASCII without a
 * backslash (LineSplitter checks a whole chunk at once); otherwise the line is checked here. The
 * walk is plain JavaScript over the short values: a native Buffer call costs about 100 ns here,
 * more than a loop over a typical value (measured).
 */
export function scanEventLine(
  b: Buffer,
  start: number,
  end: number,
  f: Fields,
  plain: boolean,
): boolean {
  if (!plain) {
    const line = b.subarray(start, end);
    if (!isAscii(line) || line.indexOf(0x5c) >= 0) return false;
  }
  let at = expect(b, start, end, ACTION);
  at = text(b, at, end, f, F.action, ACTOR);
  at = text(b, at, end, f, F.actor, DETAILS);
  at = object(b, at, end, f, F.details, HASH);
  if (at < 0 || at + 64 > end) return false;
  f[F.hash] = at;
  f[F.hash + 1] = at + 64;
  at = expect(b, at + 64, end, ID);
  at = text(b, at, end, f, F.id, OUTCOME);
  at = text(b, at, end, f, F.outcome, PREV);
  at = text(b, at, end, f, F.prevHash, SEQ);
  at = integer(b, at, end, f, F.seq, SITE);
  at = nullOrText(b, at, end, f, F.site, TARGET);
  at = nullOrText(b, at, end, f, F.target, TIME);
  at = integer(b, at, end, f, F.time, undefined);
  return at === end - 1 && b[at] === 0x7d;
}

/** The value of an integer field the scan found (at most 15 digits: exact). */
export function fieldNumber(b: Uint8Array, f: Fields, k: number): number {
  let v = 0;
  for (let i = f[k] as number; i < (f[k + 1] as number); i++) v = v * 10 + ((b[i] as number) - 48);
  return v;
}

/** `at` past `literal` if the bytes there are exactly it, else -1 (and -1 stays -1). */
function expect(b: Uint8Array, at: number, end: number, literal: Uint8Array): number {
  if (at < 0 || at + literal.length > end) return -1;
  for (let i = 0; i < literal.length; i++) if (b[at + i] !== literal[i]) return -1;
  return at + literal.length;
}

/** A string's raw bytes up to its closing quote, which starts `then`. */
function text(
  b: Uint8Array,
  at: number,
  end: number,
  f: Fields,
  k: number,
  then: Uint8Array,
): number {
  if (at < 0) return -1;
  let q = at;
  while (q < end && b[q] !== QUOTE) q++;
  f[k] = at;
  f[k + 1] = q;
  return expect(b, q, end, then);
}

/** An object, delimited by matching brackets outside strings (strings hold no escapes here). */
function object(
  b: Uint8Array,
  at: number,
  end: number,
  f: Fields,
  k: number,
  then: Uint8Array,
): number {
  if (at < 0 || b[at] !== 0x7b) return -1;
  let depth = 0;
  let inString = false;
  let q = at;
  for (; q < end; q++) {
    const c = b[q] as number;
    if (c === QUOTE) inString = !inString;
    else if (inString) continue;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) break;
  }
  if (q === end) return -1;
  f[k] = at;
  f[k + 1] = q + 1;
  return expect(b, q + 1, end, then);
}

/** 1 to 15 digits, no leading zero; followed by `then` (or, without one, by the last byte). */
function integer(
  b: Uint8Array,
  at: number,
  end: number,
  f: Fields,
  k: number,
  then: Uint8Array | undefined,
): number {
  if (at < 0) return -1;
  let q = at;
  while (q < end && (b[q] as number) >= 48 && (b[q] as number) <= 57) q++;
  if (q === at || q - at > 15 || (b[at] === 48 && q - at > 1)) return -1;
  f[k] = at;
  f[k + 1] = q;
  return then === undefined ? q : expect(b, q, end, then);
}

function nullOrText(
  b: Uint8Array,
  at: number,
  end: number,
  f: Fields,
  k: number,
  then: Uint8Array,
): number {
  if (at < 0) return -1;
  if (b[at] === QUOTE) return expect(b, text(b, at + 1, end, f, k, CLOSE), end, then);
  f[k] = -1;
  f[k + 1] = -1;
  return expect(b, expect(b, at, end, NULL), end, then);
}

/** Whether bytes [start, end) hold a control character (a line that has one is not JSON; the caller refuses it). */
export function hasControl(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((b[i] as number) < 0x20) return true;
  return false;
}

const HEX_DIGIT = lit('0123456789abcdef');

/** Whether bytes [at, at + 64) are the lowercase hex of the 32-byte `digest`. */
export function isHexOf(digest: Uint8Array, b: Uint8Array, at: number): boolean {
  if (digest.length !== 32) return false;
  for (let i = 0; i < 32; i++) {
    const d = digest[i] as number;
    if (b[at + 2 * i] !== HEX_DIGIT[d >> 4] || b[at + 2 * i + 1] !== HEX_DIGIT[d & 15])
      return false;
  }
  return true;
}

/** Whether bytes [start, end) are exactly 64 lowercase hex digits. */
export function isLowerHex64(b: Uint8Array, start: number, end: number): boolean {
  if (end - start !== 64) return false;
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}
