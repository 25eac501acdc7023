import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OT_PROTOCOLS } from '../app.js';
import { testPolicies } from '../policy/local-policy.fixture.js';
import { rotationTargetOf } from './rotation-targets.js';

const hmi = {
  protocol: 'ssh',
  address: '127.0.0.1',
  hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  username: 'operator',
  profiles: { ro: { mode: 'exec-only' } },
};

test('the rotation block: strict, and read into a rotation target', () => {
  const policy = testPolicies.parse(
    {
      assets: {
        'hmi-1': {
          ...hmi,
          rotation: { account: 'airlock-rot', command: 'sudo chpasswd', intervalMinutes: 1440 },
        },
        'hmi-2': hmi,
        'plc-1': {
          protocol: 'modbus',
          address: '127.0.0.1',
          profiles: { 'read-only': { unitIds: [1] } },
        },
      },
    },
    'h',
  );
  assert.ok(policy.ok, JSON.stringify(policy));
  const t = rotationTargetOf(policy.value, OT_PROTOCOLS, 'hmi-1');
  assert.deepEqual(
    [t?.account, t?.rotationAccount, t?.onCheckIn, t?.intervalMs],
    ['operator', 'airlock-rot', false, 86_400_000],
  );
  assert.equal(rotationTargetOf(policy.value, OT_PROTOCOLS, 'hmi-2'), undefined);
  assert.equal(rotationTargetOf(policy.value, OT_PROTOCOLS, 'plc-1'), undefined);
  assert.equal(rotationTargetOf(policy.value, OT_PROTOCOLS, 'nope'), undefined);
  for (const rotation of [
    { account: 'r', command: 'passwd' },
    { account: 'r', command: 'chpasswd', intervalMinutes: 1 },
    { account: 'r', command: 'chpasswd', onCheckin: true },
    { command: 'chpasswd' },
  ]) {
    assert.equal(
      testPolicies.parse({ assets: { 'hmi-1': { ...hmi, rotation } } }, 'h').ok,
      false,
      JSON.stringify(rotation),
    );
  }
});
