import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { generateSigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { testPolicies } from '../policy/local-policy.fixture.js';
import { createStore } from '../store/store.js';
import { onboardProposal } from './onboard.js';

useCrypto();

const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDiscoveredKeyDiscoveredKeyDiscovered';

function setUp(t: Parameters<typeof makeTempDir>[0]) {
  const dir = makeTempDir(t, 'airlock-onboard-');
  const policyFile = join(dir, 'policy.json');
  const existing = {
    protocol: 'modbus',
    address: '10.0.0.9',
    profiles: { ro: { unitIds: [1] } },
  };
  writeFileSync(policyFile, JSON.stringify({ assets: { 'plc-1': existing } }), { mode: 0o640 });
  const store = createStore({ dataDir: ':memory:' });
  t.after(() => store.close());
  const clock = new FakeClock(0);
  const audit = new AuditLog({
    db: store.db,
    clock,
    ids: sequentialIds(),
    signingKey: generateSigningKeyPair(),
    checkpointEvery: 64,
    checkpointIntervalMs: 0,
  });
  store.discovery.startRun('dsr_1', 'cli:olga', 0, {});
  store.discovery.addProposal({
    id: 'dsp_ssh',
    runId: 'dsr_1',
    protocol: 'ssh',
    address: '10.0.0.5',
    port: 22,
    foundAt: 0,
    finding: { protocol: 'ssh', banner: 'SSH-2.0-x', hostKey: HOST_KEY, fingerprint: 'SHA256:x' },
  });
  const deps = {
    policyFile,
    policies: testPolicies,
    store: store.discovery,
    audit,
    clock,
    site: 'plant-1',
  };
  const actions = () => {
    const out: string[] = [];
    for (let s = 1; s <= audit.head().seq; s++) out.push(audit.get(s)?.action ?? '');
    return out;
  };
  return { policyFile, deps, actions, store };
}

test('a refused onboarding names the problem, is audited, and leaves the policy file as it was', (t) => {
  const { policyFile, deps, actions } = setUp(t);
  const before = readFileSync(policyFile, 'utf8');
  const cases: [Parameters<typeof onboardProposal>[1], RegExp][] = [
    [
      { proposalId: 'dsp_ssh', name: 'plc-1', actor: 'cli:olga', username: 'm' },
      /already has an asset plc-1/,
    ],
    [
      { proposalId: 'dsp_ssh', name: 'Bad Name', actor: 'cli:olga', username: 'm' },
      /asset name must be/,
    ],
    [{ proposalId: 'dsp_ssh', name: 'hmi-2', actor: 'cli:olga' }, /needs --username/],
    [
      {
        proposalId: 'dsp_ssh',
        name: 'hmi-2',
        actor: 'cli:olga',
        username: 'm',
        profiles: { p: { mode: 'sometimes' } },
      },
      /would be invalid.*assets\.hmi-2\.profiles\.p\.mode/,
    ],
    [
      { proposalId: 'dsp_nope', name: 'hmi-2', actor: 'cli:olga', username: 'm' },
      /no proposal dsp_nope/,
    ],
  ];
  for (const [input, why] of cases) {
    assert.throws(() => onboardProposal(deps, input), why);
    assert.equal(readFileSync(policyFile, 'utf8'), before, `${String(why)}: file unchanged`);
  }
  assert.deepEqual(
    actions(),
    cases.map(() => 'discovery.deny'),
  );
});

test('onboarding writes the pinned asset atomically, keeps the file mode, and audits the new hash', (t) => {
  const { policyFile, deps, actions, store } = setUp(t);
  const r = onboardProposal(deps, {
    proposalId: 'dsp_ssh',
    name: 'hmi-2',
    actor: 'cli:olga',
    username: 'maint',
  });
  const text = readFileSync(policyFile, 'utf8');
  const parsed = testPolicies.load(policyFile);
  assert.ok(parsed.ok);
  assert.equal(parsed.value.hash, r.policySha256);
  assert.equal((parsed.value.assets['hmi-2'] as unknown as { hostKey: string }).hostKey, HOST_KEY);
  assert.ok(parsed.value.assets['plc-1'], 'the other assets stay');
  assert.equal(statSync(policyFile).mode & 0o777, 0o640);
  assert.match(text, /"no-commands"/);
  assert.deepEqual(actions(), ['asset.onboard']);
  assert.equal(store.discovery.get('dsp_ssh')?.state, 'onboarded');
});
