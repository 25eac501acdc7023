import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refusedBecause, resolveRuleAddress, parseSubnet, type Resolver } from './address-check.js';
import { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { generateSigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { silentLogger } from '../../../shared/src/log.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { openOtDatabase } from '../store/ot-database.js';
import { createFirewall, firewallConfigSchema, type FirewallConfig } from './firewall.js';

useCrypto();

const NAMES: Record<string, readonly string[]> = {
  'plc-1.plant': ['10.77.2.11'],
  'twice.plant': ['10.77.2.11', '10.77.2.12'],
  'same-twice.plant': ['10.77.2.13', '10.77.2.13'],
  'loop.plant': ['127.0.1.1'],
  'office.example': ['10.77.0.5'],
  'v6.plant': ['fd77::11'],
};
const resolver: Resolver = async (host) => {
  const found = NAMES[host];
  if (found === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};
const plant = [parseSubnet('10.77.2.0/24'), parseSubnet('fd77::/64')].flatMap((r) =>
  r.ok ? [r.value] : [],
);

test('addresses a rule may name, and why the others are refused', async () => {
  const cases: [string, string | undefined][] = [
    ['10.77.2.11', undefined],
    ['plc-1.plant', undefined],
    ['same-twice.plant', undefined],
    ['v6.plant', undefined],
    ['twice.plant', 'resolves to 2 addresses (10.77.2.11, 10.77.2.12)'],
    ['loop.plant', 'loop.plant resolves to 127.0.1.1, a loopback address'],
    ['127.0.0.1', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['0.0.0.0', 'an unspecified address'],
    ['224.0.0.251', 'a multicast address'],
    ['ff02::1', 'a multicast address'],
    ['255.255.255.255', 'the broadcast address'],
    ['169.254.10.1', 'a link-local address'],
    ['::ffff:10.77.2.11', 'IPv4-mapped'],
    ['10.77.3.1', 'outside the plant subnets (10.77.2.0/24, fd77::/64)'],
    ['office.example', 'office.example resolves to 10.77.0.5, outside the plant subnets'],
    ['nowhere.plant', 'does not resolve (ENOTFOUND)'],
  ];
  for (const [host, why] of cases) {
    const r = await resolveRuleAddress(host, plant, resolver);
    if (why === undefined) assert.ok(r.ok, `${host}: ${r.ok ? '' : r.error}`);
    else {
      assert.ok(!r.ok, `${host} must be refused`);
      assert.ok(r.error.includes(why), `${host}: ${r.error}`);
    }
  }
  // Without plant subnets any unicast address is fine, the special ones still are not.
  assert.ok((await resolveRuleAddress('10.77.3.1', [], resolver)).ok);
  assert.equal(refusedBecause('127.0.0.1', 4), 'a loopback address');
  assert.equal(refusedBecause('10.0.0.1', 4), undefined);
});

test('subnets must be written a.b.c.d/n', () => {
  assert.ok(parseSubnet('10.77.2.0/24').ok);
  for (const bad of ['10.77.2.0', '10.77.2.0/33', 'plant/24', 'fd77::/129'])
    assert.ok(!parseSubnet(bad).ok, bad);
  const r = firewallConfigSchema.safeParse({
    mode: 'apply',
    serviceUser: 'airlock-ot',
    itGateway: { address: 'it', port: 443 },
    plantSubnets: ['10.77.2.0/24', '10.77.2.0'],
  });
  assert.ok(!r.success);
  assert.match(JSON.stringify(r.error.issues), /is not a subnet/);
});

function firewallFor(extra: Partial<FirewallConfig> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-fw-'));
  const config: FirewallConfig = {
    ...firewallConfigSchema.parse({
      mode: 'external',
      serviceUser: 'airlock-ot',
      itGateway: { address: '10.77.1.1', port: 8443 },
      plantSubnets: ['10.77.2.0/24', 'fd77::/64'],
      rulesetFile: join(dir, 'nftables-ot.nft'),
    }),
    ...extra,
  };
  return {
    dir,
    firewall: createFirewall({
      config,
      policyFile: '/etc/airlock/ot-policy.json',
      resolve: resolver,
    }),
  };
}

const asset = (address: string, port: number) => ({
  protocol: 'modbus' as const,
  address,
  port,
  profiles: { p: {} },
});

test('the ruleset lets the service user reach the IT gateway and each asset, nothing else', async (t) => {
  const { dir, firewall } = firewallFor();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const policy = {
    hash: 'ab'.repeat(32),
    assets: { 'plc-2': asset('v6.plant', 502), 'plc-1': asset('plc-1.plant', 502) },
  };
  const r = await firewall.render(policy);
  assert.ok(r.ok, JSON.stringify(r));
  const { text, sha256, destinations } = r.value;
  assert.deepEqual(
    destinations.map((d) => `${d.label} ${d.address}:${d.port}`),
    ['it-gateway 10.77.1.1:8443', 'asset plc-1 10.77.2.11:502', 'asset plc-2 fd77::11:502'],
  );
  const accepts = text.split('\n').filter((l) => l.includes('skuid'));
  assert.deepEqual(
    accepts.map((l) => l.trim()),
    [
      'meta skuid "airlock-ot" ip daddr 10.77.1.1 tcp dport 8443 ct state new counter accept comment "it-gateway"',
      'meta skuid "airlock-ot" ip daddr 10.77.2.11 tcp dport 502 ct state new counter accept comment "asset plc-1"',
      'meta skuid "airlock-ot" ip6 daddr fd77::11 tcp dport 502 ct state new counter accept comment "asset plc-2"',
    ],
  );
  // One transaction that replaces only our table; every chain drops by default.
  assert.match(
    text,
    /^table inet airlock_ot\ndelete table inet airlock_ot\ntable inet airlock_ot \{/m,
  );
  assert.equal(text.match(/policy drop;/g)?.length, 3);
  assert.doesNotMatch(text, /flush ruleset/);
  // Same policy, same bytes: the hash names what is loaded.
  const again = await firewall.render({ ...policy, assets: { ...policy.assets } });
  assert.ok(again.ok);
  assert.equal(again.value.sha256, sha256);
  const fewer = await firewall.render({ ...policy, assets: { 'plc-1': policy.assets['plc-1'] } });
  assert.ok(fewer.ok);
  assert.notEqual(fewer.value.sha256, sha256);
  assert.equal(fewer.value.text.split('\n').filter((l) => l.includes('skuid')).length, 2);

  assert.equal(firewall.fileSha256(), undefined);
  firewall.writeFile(r.value);
  assert.equal(readFileSync(firewall.config.rulesetFile, 'utf8'), text);
  assert.equal(firewall.fileSha256(), sha256);
});

test('a policy with addresses no rule can name gives every problem and no ruleset', async (t) => {
  const { dir, firewall } = firewallFor({
    itGateway: { address: 'twice.plant', port: 443 },
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const policy = {
    hash: 'cd'.repeat(32),
    assets: {
      'plc-1': asset('plc-1.plant', 502),
      'plc-9': asset('224.0.0.1', 502),
      'hmi-9': asset('10.99.0.1', 22),
    },
  };
  const r = await firewall.render(policy);
  assert.ok(!r.ok);
  assert.deepEqual(
    r.error.map((p) => p.path),
    ['firewall.itGateway.address', 'assets.hmi-9.address', 'assets.plc-9.address'],
  );
  await assert.rejects(firewall.prepare(policy), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'policy.address_refused');
    assert.match(e.message, /assets\.plc-9\.address: 224\.0\.0\.1 is a multicast address/);
    return true;
  });
});

test('while the gateway runs, each ruleset the root-owned unit writes is audited with its hash', async (t) => {
  const { dir, firewall } = firewallFor();
  const audit = new AuditLog({
    db: openOtDatabase(':memory:'),
    clock: new FakeClock(),
    ids: sequentialIds(),
    signingKey: generateSigningKeyPair(),
    checkpointIntervalMs: 0,
  });
  const running = await firewall.prepare({
    hash: 'ab'.repeat(32),
    assets: { 'plc-1': asset('plc-1.plant', 502) },
  });
  firewall.writeFile(running);
  const warnings: string[] = [];
  const log = { ...silentLogger, warn: (m: string) => void warnings.push(m) };
  const follower = firewall.follow(running, { audit, log, actor: 'gateway', site: 'plant-1' });
  t.after(() => {
    follower.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const loads = () =>
    [...audit.iterate()]
      .filter((e) => e.action === 'firewall.load')
      .map((e): Record<string, unknown> => ({ outcome: e.outcome, ...e.details }));
  // A policy change: the unit loads the new rules and writes them (by rename).
  const changed = await firewall.prepare({
    hash: 'cd'.repeat(32),
    assets: { 'plc-1': asset('plc-1.plant', 502), 'hmi-1': asset('10.77.2.12', 22) },
  });
  firewall.writeFile(changed);
  await waitFor('the changed ruleset audited', () => loads().length === 1);
  assert.deepEqual(loads(), [
    {
      outcome: 'success',
      mode: 'external',
      sha256: changed.sha256,
      table: 'inet airlock_ot',
      file: firewall.config.rulesetFile,
      matchesRunningPolicy: false,
    },
  ]);
  assert.match(
    warnings.join('\n'),
    /does not serve \(yet: it reloads a changed policy file by itself\)/,
  );
  // Writing the same rules again (a save without changes) adds nothing; back to the running
  // policy's rules is audited as matching.
  firewall.writeFile(changed);
  firewall.writeFile(running);
  await waitFor('the reverted ruleset audited', () => loads().length === 2);
  assert.equal(loads()[1]?.['matchesRunningPolicy'], true);
  assert.equal(loads()[1]?.['sha256'], running.sha256);
});
