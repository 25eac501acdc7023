/**
 * Counters both gateways derive from their audit log, the one place every privileged action and
 * refusal already passes ("no audit, no action"): events appended by area and outcome, login
 * failures, refusals by code, sessions by protocol and state. A gateway's metrics module calls
 * `observe` from the audit log's append listener; no other module reports these.
 *
 * Labels are bounded: areas and states are the first and second word of catalogue action names,
 * codes must look like `area.reason` (else the action name is used), every value is cut to 64.
 */
import { Counter, type Registry } from 'prom-client';

export interface ObservedEvent {
  readonly action: string;
  readonly outcome: string;
  readonly details: Readonly<Record<string, unknown>>;
}

const CODE = /^[a-z][a-z0-9_]*\.[a-z0-9_.]+$/;

export function auditMetrics(registry: Registry): (e: ObservedEvent) => void {
  const events = new Counter({
    name: 'airlock_audit_events_total',
    help: 'Audit events appended, by action area (the part before the dot) and outcome.',
    labelNames: ['area', 'outcome'],
    registers: [registry],
  });
  const logins = new Counter({
    name: 'airlock_login_failures_total',
    help: 'Failed logins and second factors (auth.login, mfa.verify with outcome failure or denied), by channel.',
    labelNames: ['via'],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'airlock_refusals_total',
    help: 'Refused actions (audit outcome denied), by refusal code.',
    labelNames: ['code'],
    registers: [registry],
  });
  const sessions = new Counter({
    name: 'airlock_sessions_total',
    help: 'Session events (session.start, session.end, session.deny...), by protocol and state.',
    labelNames: ['protocol', 'state'],
    registers: [registry],
  });
  return (e) => {
    const [area = 'unknown', state = 'unknown'] = e.action.split('.');
    events.inc({ area: cut(area), outcome: cut(e.outcome) });
    const failed = e.outcome === 'failure' || e.outcome === 'denied';
    if (failed && (e.action === 'auth.login' || e.action === 'mfa.verify'))
      logins.inc({ via: cut(text(e.details['via']) ?? 'unknown') });
    if (e.outcome === 'denied') {
      const code = text(e.details['code']) ?? text(e.details['reason']);
      refusals.inc({ code: cut(code !== undefined && CODE.test(code) ? code : e.action) });
    }
    if (area === 'session')
      sessions.inc({ protocol: cut(text(e.details['protocol']) ?? 'unknown'), state: cut(state) });
  };
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function cut(s: string): string {
  return s.slice(0, 64);
}
