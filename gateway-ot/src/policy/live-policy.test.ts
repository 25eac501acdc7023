import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import { FakeClock, systemClock } from '../../../shared/src/clock.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { silentLogger } from '../../../shared/src/log.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { testAuditLog } from '../../../shared/src/testing/test-audit-log.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { createStore } from '../store/store.js';
import { createLivePolicy, type LivePolicyDeps } from './live-policy.js';
import { testPolicies } from './local-policy.fixture.js';

useCrypto();

const policyWith = (units: number[]): string =>
  JSON.stringify({
    assets: {
      'plc-1': {
        protocol: 'modbus',
        address: '10.0.0.9',
        profiles: { ro: { unitIds: units } },
      },
    },
  });

function setUp(t: Parameters<typeof makeTempDir>[0], extra: Partial<LivePolicyDeps> = {}) {
  const dir = makeTempDir(t, 'airlock-live-policy-');
  const policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, policyWith([1]));
  const store = createStore({ dataDir: ':memory:' });
  t.after(() => store.close());
  const clock = new FakeClock(0);
  const audit = testAuditLog(store.db, clock);
  const initial = testPolicies.open(policyFile);
  const live = createLivePolicy({
    initial,
    policyFile,
    load: (p) => testPolicies.load(p),
    audit,
    clock,
    log: silentLogger,
    site: 'plant-1',
    ...extra,
  });
  const reloads = (): AuditEvent[] =>
    [...audit.iterate()].filter((e) => e.action === 'policy.reload');
  /** Replaces the file as the CLI does: a temporary file renamed onto the name. */
  const replace = (text: string): void => {
    writeFileSync(`${policyFile}.tmp`, text);
    renameSync(`${policyFile}.tmp`, policyFile);
  };
  return { policyFile, live, initial, reloads, replace, clock };
}

test('a changed file is swapped in whole, audited with both hashes, and listeners are told', async (t) => {
  const { live, initial, reloads, replace } = setUp(t);
  const seen: string[] = [];
  live.onChange((next, previous) => void seen.push(`${previous.hash}->${next.hash}`));
  replace(policyWith([1, 2]));
  const r = await live.reload('signal');
  const newHash = sha256Hex(policyWith([1, 2]));
  assert.deepEqual(r, {
    status: 'reloaded',
    previousPolicySha256: initial.hash,
    policySha256: newHash,
  });
  assert.equal(live.current().hash, newHash);
  assert.deepEqual(seen, [`${initial.hash}->${newHash}`]);
  const [e] = reloads();
  assert.equal(e?.outcome, 'success');
  assert.equal(e?.details['previousPolicySha256'], initial.hash);
  assert.equal(e?.details['policySha256'], newHash);
  assert.equal(e?.details['trigger'], 'signal');
});

test('the same file again changes nothing and audits nothing', async (t) => {
  const { live, initial, reloads } = setUp(t);
  assert.deepEqual(await live.reload('call'), {
    status: 'unchanged',
    policySha256: initial.hash,
  });
  assert.equal(reloads().length, 0);
});

test('an invalid file is refused with the parser error, the running policy stays, and it alerts once', async (t) => {
  const { live, initial, reloads, replace } = setUp(t);
  replace(JSON.stringify({ assets: { 'plc-1': { protocol: 'modbus', profiles: {} } } }));
  const r = await live.reload('watch');
  assert.equal(r.status, 'refused');
  assert.equal(live.current(), initial);
  await live.reload('watch');
  const events = reloads();
  assert.equal(events.length, 1, 'the same refused file is audited once');
  const e = events[0];
  assert.equal(e?.outcome, 'denied');
  assert.equal(e?.details['alert'], true);
  assert.equal(e?.details['policySha256'], initial.hash);
  assert.match(String(e?.details['reason']), /assets\.plc-1/);
  replace('{ not json');
  assert.equal((await live.reload('watch')).status, 'refused');
  assert.equal(reloads().length, 2, 'a different refused file is audited again');
  assert.match(String(reloads()[1]?.details['reason']), /not valid JSON/);
});

test('a policy the extra check rejects (the firewall) is refused', async (t) => {
  const { live, initial, reloads, replace } = setUp(t, {
    check: () => Promise.reject(new Error('the firewall cannot name 10.0.0.9')),
  });
  replace(policyWith([3]));
  const r = await live.reload('signal');
  assert.equal(r.status, 'refused');
  assert.equal(live.current(), initial);
  assert.match(String(reloads()[0]?.details['reason']), /cannot name/);
});

test('the watch follows an atomic replace of the file (rename onto its name)', async (t) => {
  const { live, replace } = setUp(t, { clock: systemClock, settleMs: 20 });
  const watch = live.watch();
  t.after(() => watch.close());
  replace(policyWith([4]));
  const hash = sha256Hex(policyWith([4]));
  await waitFor('the watch to reload', () => live.current().hash === hash, 10_000);
  replace(policyWith([5]));
  const next = sha256Hex(policyWith([5]));
  await waitFor('the watch to reload again', () => live.current().hash === next, 10_000);
});

test('reloads run one at a time: concurrent requests each see the file whole', async (t) => {
  const { live, replace, reloads } = setUp(t);
  replace(policyWith([6]));
  const [a, b] = await Promise.all([live.reload('signal'), live.reload('watch')]);
  assert.equal(a.status, 'reloaded');
  assert.equal(b.status, 'unchanged');
  assert.equal(reloads().length, 1);
});
