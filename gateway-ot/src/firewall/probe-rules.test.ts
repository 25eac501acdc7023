import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testPolicies } from '../policy/local-policy.fixture.js';
import { parseSubnet } from './address-check.js';
import { probeRulesOf } from './probe-rules.js';
import { renderRuleset } from './ruleset.js';

const plant = [parseSubnet('10.77.2.0/23')].flatMap((r) => (r.ok ? [r.value] : []));
const scopeOf = (subnets: string[]) => {
  const r = testPolicies.parse(
    { assets: {}, discovery: { subnets, ports: { ssh: [22], modbus: [502], opcua: [4840] } } },
    'x',
  );
  assert.ok(r.ok);
  return r.value.discovery;
};

test('the probe scope becomes one rule per subnet with its ports; nothing without a scope', () => {
  assert.deepEqual(probeRulesOf(undefined, plant), { rules: [], problems: [] });
  const { rules, problems } = probeRulesOf(scopeOf(['10.77.2.0/24', '10.77.3.16/28']), plant);
  assert.deepEqual(problems, []);
  assert.deepEqual(rules, [
    { subnet: '10.77.2.0/24', ports: [22, 502, 4840] },
    { subnet: '10.77.3.16/28', ports: [22, 502, 4840] },
  ]);
  const text = renderRuleset({
    serviceUser: 'airlock-ot',
    itGateway: { label: 'it-gateway', address: '10.77.1.1', family: 4, port: 443 },
    assets: [],
    probes: rules,
    policyFile: '/etc/airlock/ot-policy.json',
    policySha256: 'ab'.repeat(32),
  });
  assert.match(
    text,
    /\tmeta skuid "airlock-ot" ip daddr 10\.77\.2\.0\/24 tcp dport \{ 22, 502, 4840 \} ct state new counter accept comment "discovery"\n/,
  );
  assert.ok(text.indexOf('"discovery"') < text.indexOf('output dropped'), 'before the final drop');
});

test('a scope subnet outside the plant subnets or in a special range gets no rule', () => {
  const { rules, problems } = probeRulesOf(scopeOf(['10.77.9.0/24', '127.0.0.0/30']), plant);
  assert.deepEqual(rules, []);
  assert.deepEqual(
    problems.map((p) => p.path),
    ['discovery.subnets.0', 'discovery.subnets.1'],
  );
  assert.match(problems[0]?.message ?? '', /not inside the plant subnets/);
  assert.match(problems[1]?.message ?? '', /loopback/);
});
