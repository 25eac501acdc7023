/**
 * The textual forms of an audit event that leave the gateway: JSON Lines (the verifiable form),
 * CSV (RFC 4180, for spreadsheets) and CEF (ArcSight Common Event Format, for SIEMs). The export
 * writer, the offline verifier (which re-derives CSV and CEF from the verified JSON Lines and
 * compares) and the SIEM forwarder all render through here, so the three can never drift apart.
 *
 * Guarantees: rendering is deterministic (same event, same bytes); a rendered CSV record or CEF line
 * never contains a raw line break, so one event is one line. CSV cells that a spreadsheet would run
 * as a formula (leading =, +, -, @, tab, CR) are prefixed with an apostrophe (OWASP's advice against
 * CSV injection: typed SSH commands end up in `details`); the JSON Lines file keeps the exact values.
 * Text is `neutral` by default (bundle format 2 and the SIEM feed): control characters other than
 * TAB, LF and CR LF, and bidirectional overrides, are replaced by U+FFFD in every text cell
 * (shared/src/text/free-text.ts), so an ESC or U+202E stored in an event (typed before input was
 * checked, or by a target) reaches no spreadsheet, SIEM console or terminal. `raw` renders as
 * format 1 bundles were made, so the verifier still re-derives those exactly.
 */
import { canonicalJson } from '../crypto/canonical.js';
import type { AuditEvent } from '../audit/audit-event.js';
import { AUDIT_EVENTS, isAuditAction } from '../audit/catalogue.js';
import { neutraliseText } from '../text/free-text.js';

/** How text cells are rendered: `neutral` (format 2, SIEM) or `raw` (format 1 bundles). */
export type TextRendering = 'neutral' | 'raw';

const shown = (value: string, text: TextRendering): string =>
  text === 'raw' ? value : neutraliseText(value, 'multiline');

/** Which gateway's chain an event comes from. */
export type AuditLogName = 'it' | 'ot';
export const AUDIT_LOG_NAMES: readonly AuditLogName[] = ['it', 'ot'];

/** The catalogue code of an action, or `unknown` for one this version does not list (a newer OT gateway). */
export function auditCodeOf(action: string): string {
  return isAuditAction(action) ? AUDIT_EVENTS[action].code : 'unknown';
}

const DAY_MS = 86_400_000;
const MAX_DATE_MS = 8.64e15;
let cachedDay = Number.NaN;
let cachedDayPrefix = '';
const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

/**
 * `new Date(ms).toISOString()`, with the date part kept from the previous call: a log's events
 * mostly share their day, and the verifier renders a million of them (measured: 5% of its events check).
 */
export function isoTime(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_DATE_MS) return new Date(ms).toISOString();
  const day = ms - (ms % DAY_MS);
  if (day !== cachedDay) {
    const iso = new Date(day).toISOString();
    cachedDayPrefix = iso.slice(0, iso.length - 13); // up to and including the "T"
    cachedDay = day;
  }
  let rest = ms - day;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = Math.floor(rest / 1000);
  return `${cachedDayPrefix}${pad2(h)}:${pad2(m)}:${pad2(sec)}.${pad3(rest - sec * 1000)}Z`;
}

/**
 * One line of the JSON Lines file: the event's canonical JSON (hash included). The keys of an event
 * are fixed, so the line is assembled in their sorted order around `detailsJson` (the canonical
 * details, which the CSV and CEF renderings of the same event reuse) instead of sorting and encoding
 * the whole object again: the exporter renders a million of these (measured: a fifth of its time).
 * A value of an unexpected type takes the general encoder, so the bytes are canonicalJson's always
 * (a unit test compares the two).
 */
export function eventToJsonLine(e: AuditEvent, detailsJson?: string): string {
  if (
    typeof e.seq !== 'number' ||
    !Number.isFinite(e.seq) ||
    typeof e.time !== 'number' ||
    !Number.isFinite(e.time) ||
    typeof e.id !== 'string' ||
    typeof e.actor !== 'string' ||
    typeof e.action !== 'string' ||
    typeof e.outcome !== 'string' ||
    typeof e.prevHash !== 'string' ||
    typeof e.hash !== 'string' ||
    (e.site !== null && typeof e.site !== 'string') ||
    (e.target !== null && typeof e.target !== 'string') ||
    Object.keys(e).length !== 11
  )
    return `${canonicalJson(e)}\n`;
  const str = JSON.stringify;
  const details = detailsJson ?? canonicalJson(e.details);
  return (
    `{"action":${str(e.action)},"actor":${str(e.actor)},"details":${details},"hash":${str(e.hash)},"id":${str(e.id)},` +
    `"outcome":${str(e.outcome)},"prevHash":${str(e.prevHash)},"seq":${str(e.seq)},"site":${e.site === null ? 'null' : str(e.site)},` +
    `"target":${e.target === null ? 'null' : str(e.target)},"time":${str(e.time)}}\n`
  );
}

export const CSV_COLUMNS = [
  'log',
  'seq',
  'time',
  'id',
  'actor',
  'action',
  'code',
  'outcome',
  'site',
  'target',
  'details',
  'hash',
] as const;
export const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(raw: string, text: TextRendering = 'neutral'): string {
  const value = shown(raw, text);
  // FORMULA_START as char codes (= + - @ TAB CR): one regex per cell fewer, measured hot in verify.
  const c = value.charCodeAt(0);
  const safe =
    c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13 ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * One CSV record (CRLF-terminated, RFC 4180) of a valid event (auditEventSchema). Cells whose value
 * the schema already confines to safe text are written as they are: the log name, the positive
 * integer seq, the catalogue code, the outcome and the hex hash; the time only needs care past the
 * year 9999 (a leading "+"). The verifier renders a million of these (measured hot).
 */
export function eventToCsvRecord(
  log: AuditLogName,
  e: AuditEvent,
  detailsJson = canonicalJson(e.details),
  text: TextRendering = 'neutral',
): string {
  const time = isoTime(e.time);
  return (
    `${log},${e.seq},${time.charCodeAt(0) === 43 ? csvCell(time) : time},${csvCell(e.id, text)},${csvCell(e.actor, text)},${csvCell(e.action, text)},${auditCodeOf(e.action)},` +
    `${e.outcome},${csvCell(e.site ?? '', text)},${csvCell(e.target ?? '', text)},${csvCell(detailsJson, text)},${e.hash}\r\n`
  );
}

const CEF_SEVERITY: Readonly<Record<AuditEvent['outcome'], number>> = {
  success: 3,
  failure: 5,
  denied: 7,
};

const CEF_HEADER_SPECIAL = /[\\|\r\n]/;
const CEF_VALUE_SPECIAL = /[\\=\r\n]/;

export function cefHeaderField(raw: string, text: TextRendering = 'neutral'): string {
  const value = shown(raw, text);
  if (!CEF_HEADER_SPECIAL.test(value)) return value; // the common case, measured hot in verify
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');
}

export function cefValue(raw: string, text: TextRendering = 'neutral'): string {
  const value = shown(raw, text);
  if (!CEF_VALUE_SPECIAL.test(value)) return value;
  return value
    .replace(/\\/g, '\\\\')
    .replace(/=/g, '\\=')
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n');
}

export interface CefOptions {
  /** Version of the Airlock that rendered the line (CEF "Device Version"). */
  readonly version: string;
  /** `raw` only to re-derive a format 1 bundle; everything else is `neutral` (the default). */
  readonly text?: TextRendering;
}

/** The CEF text of an event, without a line ending (the SIEM forwarder frames it itself). */
export function eventToCef(
  log: AuditLogName,
  e: AuditEvent,
  options: CefOptions,
  detailsJson = canonicalJson(e.details),
): string {
  // One template rather than arrays of pairs joined: the verifier renders every event (measured hot).
  const code = auditCodeOf(e.action);
  const t = options.text ?? 'neutral';
  const header = `CEF:0|Airlock|${cefHeaderField(`airlock-${log}`)}|${cefHeaderField(options.version, t)}|${cefHeaderField(code)}|${cefHeaderField(e.action, t)}|${CEF_SEVERITY[e.outcome]}`;
  return (
    `${header}|rt=${e.time} externalId=${cefValue(e.id, t)} suser=${cefValue(e.actor, t)} act=${cefValue(e.action, t)} outcome=${cefValue(e.outcome, t)}` +
    ` cs1Label=site cs1=${cefValue(e.site ?? '', t)} cs2Label=target cs2=${cefValue(e.target ?? '', t)} cs3Label=details cs3=${cefValue(detailsJson, t)}` +
    ` cs4Label=log cs4=${cefValue(log)} cn1Label=seq cn1=${e.seq} cs5Label=hash cs5=${cefValue(e.hash, t)}`
  );
}

/** One line of the bundle's CEF file. */
export function eventToCefLine(
  log: AuditLogName,
  e: AuditEvent,
  options: CefOptions,
  detailsJson?: string,
): string {
  return `${eventToCef(log, e, options, detailsJson)}\n`;
}

/** The JSON payload the SIEM forwarder sends when configured for JSON: the event plus its log and code. */
export function eventToSiemJson(log: AuditLogName, e: AuditEvent): string {
  return canonicalJson({ log, code: auditCodeOf(e.action), ...e });
}
