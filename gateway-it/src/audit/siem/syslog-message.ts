/**
 * One audit event as an RFC 5424 syslog message, framed for TCP by octet counting (RFC 6587 §3.4.1:
 * `<length> <message>`, so a line break inside a payload can never split or forge a message).
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME - MSGID [airlock@PEN log=".." site=".." seq=".." id=".." hash=".."] MSG
 *
 * PRI = facility * 8 + severity (success: 6 informational, denied: 5 notice, failure: 4 warning);
 * APP-NAME is `airlock-it` or `airlock-ot`; MSGID is the catalogue code (AL601...); the structured
 * data carries the chain position, so a SIEM can order, de-duplicate and check events; MSG is the
 * event in CEF or canonical JSON (shared/src/export/event-formats.ts: the same text as in exports).
 */
import type { AuditEvent } from '../../../../shared/src/audit/audit-event.js';
import {
  auditCodeOf,
  eventToCef,
  eventToSiemJson,
  type AuditLogName,
} from '../../../../shared/src/export/event-formats.js';

export type SiemPayload = 'cef' | 'json';

export interface SyslogOptions {
  readonly facility: number;
  readonly hostname: string;
  readonly enterpriseId: number;
  readonly payload: SiemPayload;
  readonly version: string;
}

const SEVERITY: Readonly<Record<AuditEvent['outcome'], number>> = {
  success: 6,
  denied: 5,
  failure: 4,
};

/** RFC 5424 header fields are printable US-ASCII without spaces; anything else becomes `_`. */
function headerField(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean === '' ? '-' : clean;
}

function sdValue(value: string): string {
  return value.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

export function syslogMessage(log: AuditLogName, e: AuditEvent, o: SyslogOptions): string {
  const pri = o.facility * 8 + SEVERITY[e.outcome];
  const params: [string, string][] = [
    ['log', log],
    ...(e.site === null ? [] : ([['site', e.site]] as [string, string][])),
    ['seq', String(e.seq)],
    ['id', e.id],
    ['hash', e.hash],
  ];
  const sd = `[airlock@${o.enterpriseId} ${params.map(([k, v]) => `${k}="${sdValue(v)}"`).join(' ')}]`;
  const msg =
    o.payload === 'cef' ? eventToCef(log, e, { version: o.version }) : eventToSiemJson(log, e);
  return `<${pri}>1 ${new Date(e.time).toISOString()} ${headerField(o.hostname, 255)} airlock-${log} - ${headerField(auditCodeOf(e.action), 32)} ${sd} ${msg}`;
}

/** RFC 6587 octet-counted frame: the byte length, a space, the message. */
export function octetFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}
