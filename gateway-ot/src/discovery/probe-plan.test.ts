import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testPolicies } from '../policy/local-policy.fixture.js';
import { planProbes } from './probe-plan.js';

function scopeOf(discovery: unknown) {
  const r = testPolicies.parse({ assets: {}, discovery }, 'x');
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.error));
  assert.ok(r.value.discovery);
  return r.value.discovery;
}

test('the plan is every host of every subnet times every port, in a stable order', () => {
  const scope = scopeOf({
    subnets: ['10.1.0.0/30', '10.2.0.7/32'],
    ports: { ssh: [22], modbus: [502] },
  });
  const plan = planProbes(scope);
  assert.ok(plan.ok);
  assert.deepEqual(
    plan.value.probes.map((p) => `${p.protocol} ${p.address}:${p.port}`),
    [
      'ssh 10.1.0.1:22',
      'modbus 10.1.0.1:502',
      'ssh 10.1.0.2:22',
      'modbus 10.1.0.2:502',
      'ssh 10.2.0.7:22',
      'modbus 10.2.0.7:502',
    ],
    'network and broadcast addresses of a /30 are not probed',
  );
});

test('a narrowing inside the scope narrows; one outside is refused whole', () => {
  const scope = scopeOf({ subnets: ['10.1.0.0/24'], ports: { ssh: [22], opcua: [4840] } });
  const inside = planProbes(scope, { subnets: ['10.1.0.9'], ports: [4840] });
  assert.ok(inside.ok);
  assert.deepEqual(inside.value.probes, [{ address: '10.1.0.9', port: 4840, protocol: 'opcua' }]);
  const outside = planProbes(scope, { subnets: ['10.1.0.0/23', '10.1.0.4/30'], ports: [23] });
  assert.equal(outside.ok, false);
  assert.match(outside.ok ? '' : outside.error, /10\.1\.0\.0\/23, port 23$/);
});

test('the probe scope is checked: bounded subnets, ports once, sane rates', () => {
  const bad = (discovery: unknown) => {
    const r = testPolicies.parse({ assets: {}, discovery }, 'x');
    assert.equal(r.ok, false, JSON.stringify(discovery));
    return r.ok ? '' : JSON.stringify(r.error);
  };
  assert.match(bad({ subnets: ['10.0.0.0/21'], ports: { ssh: [22] } }), /at most 1024 addresses/);
  assert.match(bad({ subnets: ['10.0.0.1/24'], ports: { ssh: [22] } }), /host bits zero/);
  assert.match(bad({ subnets: ['10.0.0.0/24'], ports: {} }), /at least one port/);
  assert.match(
    bad({ subnets: ['10.0.0.0/24'], ports: { ssh: [502], modbus: [502] } }),
    /two protocols/,
  );
  assert.match(
    bad({ subnets: ['10.0.0.0/24'], ports: { ssh: [22] }, rate: { probesPerSecond: 1000 } }),
    /probesPerSecond/,
  );
  assert.match(bad({ subnets: ['10.0.0.0/24'], ports: { ssh: [22] }, extra: 1 }), /extra/);
  const ok = scopeOf({ subnets: ['10.0.0.0/22'], ports: { modbus: [502] } });
  assert.deepEqual(ok.modbus, { unitIds: [1], deviceIdentification: false });
  assert.deepEqual(ok.rate, { probesPerSecond: 5, concurrency: 4, timeoutMs: 3000 });
});
