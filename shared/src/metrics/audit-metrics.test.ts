import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { auditMetrics } from './audit-metrics.js';

test('audit events become bounded counters: areas, login failures, refusals by code, sessions', async () => {
  const registry = new Registry();
  const observe = auditMetrics(registry);
  observe({ action: 'auth.login', outcome: 'failure', details: { via: 'ssh' } });
  observe({ action: 'mfa.verify', outcome: 'failure', details: { via: 'web' } });
  observe({
    action: 'session.deny',
    outcome: 'denied',
    details: { code: 'access.no_grant', protocol: 'ssh' },
  });
  // A free-text reason is not a label: the action names the refusal.
  observe({ action: 'ssh.command_deny', outcome: 'denied', details: { reason: 'not on the HMI' } });
  observe({ action: 'session.start', outcome: 'success', details: { protocol: 'modbus' } });
  const text = await registry.metrics();
  assert.match(text, /airlock_login_failures_total\{via="ssh"\} 1/);
  assert.match(text, /airlock_login_failures_total\{via="web"\} 1/);
  assert.match(text, /airlock_refusals_total\{code="access.no_grant"\} 1/);
  assert.match(text, /airlock_refusals_total\{code="ssh.command_deny"\} 1/);
  assert.doesNotMatch(text, /not on the HMI/);
  assert.match(text, /airlock_sessions_total\{protocol="ssh",state="deny"\} 1/);
  assert.match(text, /airlock_sessions_total\{protocol="modbus",state="start"\} 1/);
  assert.match(text, /airlock_audit_events_total\{area="auth",outcome="failure"\} 1/);
});
