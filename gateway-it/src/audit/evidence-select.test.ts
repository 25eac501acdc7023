import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import { evidenceRefs, roleOf, selectEvidence } from './evidence-select.js';

let seq = 0;
function ev(
  action: string,
  o: Partial<Pick<AuditEvent, 'site' | 'target' | 'outcome' | 'time'>> & {
    details?: Record<string, unknown>;
  } = {},
): AuditEvent {
  seq++;
  return {
    seq,
    id: `e${seq}`,
    time: o.time ?? 1000 + seq,
    actor: 'x',
    action,
    site: o.site === undefined ? 'plant-1' : o.site,
    target: o.target ?? null,
    outcome: o.outcome ?? 'success',
    details: o.details ?? {},
    prevHash: '0'.repeat(64),
    hash: seq.toString(16).padStart(64, '0'),
  };
}

async function* from(events: readonly AuditEvent[]): AsyncGenerator<AuditEvent> {
  yield* events;
}

const SUBJECT = {
  site: 'plant-1',
  grants: new Set(['grt-1']),
  requests: new Set(['req-1']),
  from: 1000,
  to: 5000,
};

test('a grant pack keeps its request, approvals, grant, sessions, operations, refusals and the policy in force', async () => {
  seq = 0;
  const it = [
    ev('request.create', { target: 'req-1' }),
    ev('request.create', { target: 'req-2' }), // another request
    ev('request.approve', { target: 'req-1' }),
    ev('grant.issue', { target: 'grt-1', details: { requestId: 'req-1' } }),
    ev('auth.login', { site: null }), // site-less: withheld from the bundle, never selected
    ev('grant.issue', { target: 'grt-1', site: 'plant-2' }), // another site's: withheld
    ev('session.start', { target: 'plc-1', details: { grantId: 'grt-1', sessionId: 'ses-1' } }),
    ev('session.deny', {
      outcome: 'denied',
      details: { grantId: 'grt-1', reason: 'outside window' },
    }),
    ev('session.start', { target: 'plc-1', details: { grantId: 'grt-9', sessionId: 'ses-9' } }),
  ];
  const ot = [
    ev('config.load', { time: 10, details: { policySha256: 'a'.repeat(64) } }), // before the range: in force
    ev('config.load', { time: 20, details: { policySha256: 'b'.repeat(64) } }), // replaced the one above
    ev('session.start', { details: { grantId: 'grt-1', sessionId: 'ses-1' } }),
    ev('modbus.write', {
      details: { sessionId: 'ses-1', grantId: 'grt-1', changes: ['HR 40001: 1 → 2'] },
    }),
    ev('modbus.deny', { outcome: 'denied', details: { sessionId: 'ses-1', grantId: 'grt-1' } }),
    ev('recording.close', { details: { sessionId: 'ses-1', sha256: 'c'.repeat(64) } }), // no grantId
    ev('modbus.write', { details: { sessionId: 'ses-9', grantId: 'grt-9' } }), // another grant
    ev('policy.apply', { time: 3000, details: { policySha256: 'd'.repeat(64) } }), // during it
    ev('policy.apply', { time: 9000, details: { policySha256: 'e'.repeat(64) } }), // after it
  ];
  const s = await selectEvidence(SUBJECT, from(it), from(ot));
  assert.deepEqual(
    s.events.map((e) => [e.log, e.event.action, e.role]),
    [
      ['it', 'request.create', 'request'],
      ['it', 'request.approve', 'approval'],
      ['it', 'grant.issue', 'grant'],
      ['it', 'session.start', 'session'],
      ['it', 'session.deny', 'refusal'],
      ['ot', 'config.load', 'policy'],
      ['ot', 'session.start', 'session'],
      ['ot', 'modbus.write', 'operation'],
      ['ot', 'modbus.deny', 'refusal'],
      ['ot', 'recording.close', 'recording'],
      ['ot', 'policy.apply', 'policy'],
    ],
  );
  assert.equal(s.events[5]?.event.details.policySha256, 'b'.repeat(64));
  assert.deepEqual(s.sessionIds, ['ses-1']);
  const refs = evidenceRefs(s);
  assert.deepEqual(refs[0], { log: 'it', seq: 1, hash: s.events[0]?.event.hash, role: 'request' });
  assert.equal(refs.length, s.events.length);
});

test('a window pack keeps the window events; without an OT log it selects IT events only', async () => {
  seq = 0;
  const it = [
    ev('window.create', { target: 'win-1' }),
    ev('window.create', { target: 'win-2' }),
    ev('request.create', { target: 'req-1' }),
  ];
  const s = await selectEvidence({ ...SUBJECT, windowId: 'win-1' }, from(it), undefined);
  assert.deepEqual(
    s.events.map((e) => [e.event.target, e.role]),
    [
      ['win-1', 'other'],
      ['req-1', 'request'],
    ],
  );
  const none = await selectEvidence(SUBJECT, from([]), from([]));
  assert.deepEqual(none.events, []);
});

test('roles: refusals first, then operations, policy, and the noun', () => {
  assert.equal(roleOf(ev('opcua.write', { outcome: 'denied' })), 'refusal');
  assert.equal(roleOf(ev('ssh.command_deny')), 'refusal');
  assert.equal(roleOf(ev('opcua.call')), 'operation');
  assert.equal(roleOf(ev('ssh.command')), 'operation');
  assert.equal(roleOf(ev('grant.expire')), 'grant');
  assert.equal(roleOf(ev('request.deny', { outcome: 'success' })), 'refusal');
  assert.equal(roleOf(ev('asset.onboard', { details: { policySha256: 'f' } })), 'policy');
  assert.equal(roleOf(ev('gateway.start')), 'other');
});
