import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblems } from '../../../shared/src/result.js';
import { testPolicies } from './local-policy.fixture.js';
import { isBreakGlassAllowed, requiredQuorum } from './approval-policy.js';

const assets = {
  'plc-1': {
    protocol: 'modbus',
    address: '10.0.1.10',
    profiles: { 'read-only': { unitIds: [1] } },
  },
  'plc-2': {
    protocol: 'modbus',
    address: '10.0.1.11',
    profiles: { 'read-only': { unitIds: [1] } },
  },
};

test('approvals: default it-signed with no OT quorum and break-glass everywhere (as before)', () => {
  const r = testPolicies.parse({ assets }, 'h');
  assert.ok(r.ok, r.ok ? '' : formatProblems(r.error));
  assert.deepEqual(r.value.approvals, { mode: 'it-signed' });
  assert.equal(requiredQuorum(r.value.approvals), 0);
  assert.equal(isBreakGlassAllowed(r.value.approvals, 'plc-1'), true);
});

test('approvals: the short form and the object form', () => {
  const short = testPolicies.parse({ approvals: 'owner-signed', assets }, 'h');
  assert.ok(short.ok);
  assert.equal(short.value.approvals.mode, 'owner-signed');
  assert.equal(requiredQuorum(short.value.approvals), 1);
  assert.equal(isBreakGlassAllowed(short.value.approvals, 'plc-1'), false);
  const full = testPolicies.parse(
    { approvals: { mode: 'owner-signed', quorum: 2, breakGlassAssets: ['plc-2'] }, assets },
    'h',
  );
  assert.ok(full.ok, full.ok ? '' : formatProblems(full.error));
  assert.equal(requiredQuorum(full.value.approvals), 2);
  assert.equal(isBreakGlassAllowed(full.value.approvals, 'plc-1'), false);
  assert.equal(isBreakGlassAllowed(full.value.approvals, 'plc-2'), true);
  const it = testPolicies.parse({ approvals: { breakGlassAssets: [] }, assets }, 'h');
  assert.ok(it.ok);
  assert.equal(isBreakGlassAllowed(it.value.approvals, 'plc-1'), false);
});

test('approvals: problems name the key', () => {
  const cases: [unknown, RegExp][] = [
    ['it-approved', /approvals/],
    [{ mode: 'owner-signed', quorum: 0 }, /approvals/],
    [{ mode: 'owner-signed', extra: 1 }, /approvals/],
    [{ breakGlassAssets: ['plc-9'] }, /approvals\.breakGlassAssets.*plc-9/],
  ];
  for (const [approvals, re] of cases) {
    const r = testPolicies.parse({ approvals, assets }, 'h');
    assert.ok(!r.ok, JSON.stringify(approvals));
    assert.match(formatProblems(r.error), re);
  }
});
