import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import { otAlertNotifications } from './ot-alerts.js';
import { webhookBody } from './webhook-notifier.js';

const event = (seq: number, action: string, details: Record<string, unknown>): AuditEvent => ({
  seq,
  id: `evt_${seq}`,
  time: Date.UTC(2026, 0, 1, 12),
  actor: 'system:ot:plant-1',
  action,
  site: 'plant-1',
  target: 'hmi-1',
  outcome: 'failure',
  details,
  prevHash: 'p',
  hash: 'h',
});

test("only events the OT gateway flagged as alerts notify, each to the site's OT owners", () => {
  const events = [
    event(7, 'vault.rotate', {
      account: 'operator',
      reason: 'vault.rotate_refused',
      message: 'sudo -n chpasswd exited with status 1',
      state: 'kept-old',
      alert: true,
    }),
    event(8, 'vault.rotate', { account: 'operator', trigger: 'schedule' }),
    event(9, 'ssh.command', { alert: 'yes' }),
  ];
  const out = otAlertNotifications('plant-1', events, ['olga', 'oscar']);
  assert.equal(out.length, 1);
  const n = out[0];
  assert.ok(n);
  assert.deepEqual(
    [n.event, n.site, n.recipients, n.assets],
    ['ot.alert', 'plant-1', ['olga', 'oscar'], [{ asset: 'hmi-1', profile: '' }]],
  );
  assert.deepEqual(n.alert, {
    action: 'vault.rotate',
    code: 'AL904',
    seq: 7,
    outcome: 'failure',
    target: 'hmi-1',
    reason: 'vault.rotate_refused',
    message: 'sudo -n chpasswd exited with status 1',
    time: Date.UTC(2026, 0, 1, 12),
  });
  const body = JSON.parse(webhookBody('dlv_1', n, Date.UTC(2026, 0, 1, 12, 1))) as {
    event: string;
    alert: Record<string, unknown>;
  };
  assert.equal(body.event, 'ot.alert');
  assert.equal(body.alert['time'], '2026-01-01T12:00:00.000Z');
  assert.equal(body.alert['seq'], 7);
});
