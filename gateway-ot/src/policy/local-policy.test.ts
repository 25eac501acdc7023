import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblems } from '../../../shared/src/result.js';
import { testPolicies } from './local-policy.fixture.js';

const good = {
  assets: {
    'hmi-1': {
      protocol: 'ssh',
      address: '10.0.0.5',
      hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample',
      username: 'svc-hmi',
      profiles: {
        maintenance: { mode: 'interactive', description: 'shell' },
        'read-only': { mode: 'exec-only' },
      },
    },
    'plc-1': {
      protocol: 'modbus',
      address: '10.0.1.10',
      port: 502,
      profiles: { 'read-only': { unitIds: [1] } },
    },
    'opc-1': {
      protocol: 'opcua',
      address: '10.0.1.20',
      profiles: { operator: { namespaceUri: 'urn:airlock:sim:plant' } },
    },
  },
};

test('a valid policy parses with defaults', () => {
  const r = testPolicies.parse(good, 'h');
  assert.ok(r.ok, r.ok ? '' : formatProblems(r.error));
  assert.equal(r.value.limits.maxSessionMinutes, 480);
  assert.equal(r.value.limits.sessionsWithoutLink, 'end');
  assert.equal(r.value.limits.linkLossGraceSeconds, 30);
  assert.equal(r.value.assets['hmi-1']?.port, 22);
  assert.equal(r.value.assets['opc-1']?.port, 4840);
});

test('policy problems name the key', () => {
  const cases: [unknown, RegExp][] = [
    [
      { assets: { 'hmi-1': { ...good.assets['hmi-1'], protocol: 'telnet' } } },
      /assets\.hmi-1\.protocol/,
    ],
    [{ assets: { 'plc-1': { ...good.assets['plc-1'], port: 70000 } } }, /assets\.plc-1\.port/],
    [
      {
        assets: {
          'plc-1': { ...good.assets['plc-1'], profiles: { x: { unitIds: [1], writeAll: true } } },
        },
      },
      /assets\.plc-1\.profiles\.x\.writeAll: unknown key/,
    ],
    [{ assets: { PLC: good.assets['plc-1'] } }, /assets\.PLC: asset name must be/],
    [
      { assets: { 'plc-1': { ...good.assets['plc-1'], profiles: {} } } },
      /assets\.plc-1\.profiles: an asset needs at least one access profile/,
    ],
    [{ assets: {}, lockdown: true }, /lockdown: unknown key/],
    [
      { assets: { 'hmi-1': { ...good.assets['hmi-1'], password: 'x' } } },
      /assets\.hmi-1\.password: unknown key/,
    ],
  ];
  for (const [input, expected] of cases) {
    const r = testPolicies.parse(input, 'h');
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(formatProblems(r.error), expected);
  }
});

test('the published catalogue lists names, protocols, addresses and profiles, and nothing else', () => {
  const r = testPolicies.parse(good, 'h');
  assert.ok(r.ok);
  const cat = testPolicies.catalogue(r.value);
  assert.deepEqual(
    cat.map((a) => [a.name, a.protocol, a.servicePort]),
    [
      ['hmi-1', 'ssh', 22],
      ['opc-1', 'opcua', 4840],
      ['plc-1', 'modbus', 502],
    ],
  );
  assert.deepEqual(cat[0]?.profiles, [
    { name: 'maintenance', description: 'shell' },
    { name: 'read-only', description: '' },
  ]);
  const text = JSON.stringify(cat);
  assert.ok(!text.includes('svc-hmi') && !text.includes('AAAAC3'), 'no account names or host keys');
});
