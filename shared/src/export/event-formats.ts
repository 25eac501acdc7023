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
 */
import { canonicalJson } from '../crypto/canonical.js';
import type { AuditEvent } from '../audit/audit-event.js';
import { AUDIT_EVENTS, isAuditAction } from '../audit/catalogue.js';

/** Which gateway's chain an event comes from. */
export type AuditLogName = 'it' | 'ot';
export const AUDIT_LOG_NAMES: readonly AuditLogName[] = ['it', 'ot'];

/** The catalogue code of an action, or `unknown` for one this version does not list (a newer OT gateway). */
export function auditCodeOf(action: string): string {
  return isAuditAction(action) ? AUDIT_EVENTS[action].code : 'unknown';
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** One line of the JSON Lines file: the event's canonical JSON (hash included). */
export function eventToJsonLine(e: AuditEvent): string {
  return `${canonicalJson(e)}\n`;
}

export const CSV_COLUMNS = ['log', 'seq', 'time', 'id', 'actor', 'action', 'code', 'outcome', 'site', 'target', 'details', 'hash'] as const;
export const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV record (CRLF-terminated, RFC 4180). */
export function eventToCsvRecord(log: AuditLogName, e: AuditEvent, detailsJson = canonicalJson(e.details)): string {
  const cells = [log, String(e.seq), isoTime(e.time), e.id, e.actor, e.action, auditCodeOf(e.action), e.outcome, e.site ?? '', e.target ?? '', detailsJson, e.hash];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

const CEF_SEVERITY: Readonly<Record<AuditEvent['outcome'], number>> = { success: 3, failure: 5, denied: 7 };

const CEF_HEADER_SPECIAL = /[\\|\r\n]/;
const CEF_VALUE_SPECIAL = /[\\=\r\n]/;

function cefHeaderField(value: string): string {
  if (!CEF_HEADER_SPECIAL.test(value)) return value; // the common case, measured hot in verify
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

function cefValue(value: string): string {
  if (!CEF_VALUE_SPECIAL.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

export interface CefOptions {
  /** Version of the Airlock that rendered the line (CEF "Device Version"). */
  readonly version: string;
}

/** The CEF text of an event, without a line ending (the SIEM forwarder frames it itself). */
export function eventToCef(log: AuditLogName, e: AuditEvent, options: CefOptions, detailsJson = canonicalJson(e.details)): string {
  const header = ['CEF:0', 'Airlock', `airlock-${log}`, options.version, auditCodeOf(e.action), e.action, String(CEF_SEVERITY[e.outcome])].map((v, i) => (i === 0 ? v : cefHeaderField(v)));
  const ext: [string, string][] = [
    ['rt', String(e.time)],
    ['externalId', e.id],
    ['suser', e.actor],
    ['act', e.action],
    ['outcome', e.outcome],
    ['cs1Label', 'site'],
    ['cs1', e.site ?? ''],
    ['cs2Label', 'target'],
    ['cs2', e.target ?? ''],
    ['cs3Label', 'details'],
    ['cs3', detailsJson],
    ['cs4Label', 'log'],
    ['cs4', log],
    ['cn1Label', 'seq'],
    ['cn1', String(e.seq)],
    ['cs5Label', 'hash'],
    ['cs5', e.hash],
  ];
  return `${header.join('|')}|${ext.map(([k, v]) => `${k}=${cefValue(v)}`).join(' ')}`;
}

/** One line of the bundle's CEF file. */
export function eventToCefLine(log: AuditLogName, e: AuditEvent, options: CefOptions, detailsJson?: string): string {
  return `${eventToCef(log, e, options, detailsJson)}\n`;
}

/** The JSON payload the SIEM forwarder sends when configured for JSON: the event plus its log and code. */
export function eventToSiemJson(log: AuditLogName, e: AuditEvent): string {
  return canonicalJson({ log, code: auditCodeOf(e.action), ...e });
}
