/**
 * Discovery against real peers on 127.0.0.1: OpenSSH's sshd, a pymodbus server, the simulated
 * plant (its SSH target, Modbus PLC and node-opcua server) and TCP servers that answer garbage.
 * Asserts what was found (host key, unit ids, certificate), that garbage is stored as garbage and
 * never onboarded, the audit of every probe, and that onboarding pins the key the SSH target
 * connection of the broker then checks (a changed key refused).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Finding, PublishedProposal } from '../../../shared/src/model/discovery.js';
import { startModbusPlc } from '../../../image/demo/plant/modbus-plc.js';
import { startOpcuaServer } from '../../../image/demo/plant/opcua-server.js';
import { startSshTarget } from '../../../image/demo/plant/ssh-target.js';
import { freePort } from '../../../image/demo/plant/free-port.js';
import { startSshd } from '../../peers/sshd.js';
import { startPymodbusServer } from '../../peers/pymodbus.js';
import { OT_PROTOCOLS } from '../../../gateway-ot/src/app.js';
import { createPolicyLoader } from '../../../gateway-ot/src/policy/policy.js';
import { parseHostKeyPin } from '../../../gateway-ot/src/protocols/ssh/host-key-pin.js';
import { connectTarget } from '../../../gateway-ot/src/protocols/ssh/target-connection.js';
import { DEFAULT_CLIENT_ALGORITHMS } from '../../../gateway-ot/src/protocols/ssh/ssh-client-algorithms.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { createDiscoverySite, startGarbageServer } from './discovery-fixture.js';

const at = (list: readonly PublishedProposal[], port: number): PublishedProposal => {
  const p = list.find((x) => x.port === port);
  assert.ok(p, `a proposal for port ${port}`);
  return p;
};
const finding = <P extends Finding['protocol']>(p: PublishedProposal, protocol: P) => {
  assert.equal(p.state, 'proposed', `${p.address}:${p.port} is a clean proposal (${p.seen ?? ''})`);
  assert.equal(p.finding?.protocol, protocol);
  return p.finding as Extract<Finding, { protocol: P }>;
};

test(
  'discover finds sshd, pymodbus and the simulated plant, reports garbage, audits every probe; onboarding pins what it found',
  { timeout: 120_000 },
  async (t) => {
    const sshd = await startSshd(t);
    const plantSsh = await startSshTarget({ users: { operator: 'demo-operator' } });
    t.after(() => plantSsh.close());
    const plc = await startModbusPlc({ driftIntervalMs: 0 });
    t.after(() => plc.close());
    const pymodbus = await startPymodbusServer(t, 1, [7, 8, 9]);
    const opcDir = makeTempDir(t, 'airlock-discovery-opcua-');
    const opcua = await startOpcuaServer({
      dataDir: opcDir,
      users: { operator: 'demo-operator' },
      updateIntervalMs: 0,
    });
    t.after(() => opcua.close());
    const [garbageSsh, garbageModbus, garbageOpcua] = [
      await startGarbageServer(t),
      await startGarbageServer(t),
      await startGarbageServer(t),
    ];
    const closed = await freePort();

    const site = createDiscoverySite(t, {
      assets: {},
      discovery: {
        subnets: ['127.0.0.1/32'],
        ports: {
          ssh: [sshd.port, plantSsh.port, garbageSsh, closed],
          modbus: [plc.port, pymodbus.port, garbageModbus],
          opcua: [opcua.port, garbageOpcua],
        },
        modbus: { unitIds: [1, 2], deviceIdentification: false },
        rate: { probesPerSecond: 50, concurrency: 2, timeoutMs: 1500 },
      },
    });

    const run = await site.withDiscovery((d) => d.run('cli:olga'));
    assert.equal(run.error, undefined, String(run.error));
    const summary = run.value;
    assert.ok(summary);
    assert.equal(summary.probed, 9);

    const ssh = finding(at(summary.proposals, sshd.port), 'ssh');
    assert.equal(ssh.hostKey, sshd.hostKey, 'the real sshd host key, as OpenSSH prints it');
    assert.match(ssh.banner, /^SSH-2\.0-OpenSSH_/);
    assert.match(ssh.fingerprint, /^SHA256:/);
    const sim = finding(at(summary.proposals, plantSsh.port), 'ssh');
    assert.equal(sim.fingerprint, plantSsh.hostKey.fingerprint);

    assert.deepEqual(finding(at(summary.proposals, plc.port), 'modbus').unitIds, [1]);
    assert.ok(finding(at(summary.proposals, pymodbus.port), 'modbus').unitIds.includes(1));

    const opc = finding(at(summary.proposals, opcua.port), 'opcua');
    assert.equal(opc.certificateSha256, opcua.certificateSha256);
    assert.ok(opc.endpoints.some((e) => e.securityMode === 'SignAndEncrypt'));
    assert.ok(opc.endpoints.every((e) => e.endpointUrl.startsWith('opc.tcp://')));

    for (const port of [garbageSsh, garbageModbus, garbageOpcua]) {
      const g = at(summary.proposals, port);
      assert.equal(g.state, 'garbage', `port ${port} answered garbage`);
      assert.equal(g.finding, undefined, 'garbage is never a finding');
      assert.match(g.seen ?? '', /HELLO-PLANT/, 'what was seen is kept');
    }
    assert.equal(
      summary.proposals.find((p) => p.port === closed),
      undefined,
    );
    assert.equal(summary.counts.refused, 1, JSON.stringify(summary.counts));
    assert.equal(summary.counts.garbage, 3);
    assert.equal(summary.counts.found, 5);

    // The audit: the plan before any probe, one event per answer, the counts at the end.
    const actions = run.events.map((e) => e.action);
    assert.equal(actions[0], 'discovery.start');
    assert.equal(actions.at(-1), 'discovery.finish');
    assert.equal(actions.filter((a) => a === 'discovery.find').length, 8);
    const start = run.events[0];
    assert.equal(start?.details.probes, 9);
    assert.deepEqual((start?.details.ports as { ssh: number[] }).ssh, [
      sshd.port,
      plantSsh.port,
      garbageSsh,
      closed,
    ]);
    const garbageEvent = run.events.find((e) => e.target === `127.0.0.1:${garbageModbus}`);
    assert.equal(garbageEvent?.outcome, 'failure');
    assert.match(String(garbageEvent?.details.seen), /HELLO-PLANT/);
    assert.deepEqual(run.events.at(-1)?.details.counts, summary.counts);

    // Garbage is never onboarded.
    const garbageId = at(summary.proposals, garbageSsh).id;
    const refused = await site.withDiscovery((d) =>
      d.onboard({ proposalId: garbageId, name: 'junk-1', actor: 'cli:olga', username: 'x' }),
    );
    assert.match(String(refused.error), /garbage/);
    assert.equal(refused.events[0]?.action, 'discovery.deny');
    const policyBefore = readFileSync(site.policyFile, 'utf8');

    // Onboard the real sshd: the policy file gets the asset with the host key pinned.
    const sshId = at(summary.proposals, sshd.port).id;
    const user = sshd.users[0];
    assert.ok(user);
    const onboarded = await site.withDiscovery((d) =>
      d.onboard({ proposalId: sshId, name: 'hmi-2', actor: 'cli:olga', username: user.name }),
    );
    assert.equal(onboarded.error, undefined, String(onboarded.error));
    assert.equal(onboarded.events[0]?.action, 'asset.onboard');
    assert.equal(onboarded.events[0]?.details.pin, ssh.fingerprint);
    assert.notEqual(readFileSync(site.policyFile, 'utf8'), policyBefore);
    const policy = createPolicyLoader({ protocols: OT_PROTOCOLS }).open(site.policyFile);
    assert.equal(onboarded.events[0]?.details.policySha256, policy.hash);
    const asset = policy.assets['hmi-2'] as unknown as {
      hostKey: string;
      port: number;
      username: string;
    };
    assert.equal(asset.hostKey, sshd.hostKey);
    const again = await site.withDiscovery((d) =>
      d.onboard({ proposalId: sshId, name: 'hmi-3', actor: 'cli:olga', username: user.name }),
    );
    assert.match(String(again.error), /already onboarded/);

    // The broker's target connection checks that pin: the sshd is accepted, another key refused.
    const pin = parseHostKeyPin(asset.hostKey);
    assert.ok(pin.ok);
    const secrets = () => [{ kind: 'password' as const, bytes: Buffer.from(user.password) }];
    const conn = await connectTarget(
      { host: '127.0.0.1', port: asset.port, username: asset.username, pin: pin.value },
      { secrets, algorithms: DEFAULT_CLIENT_ALGORITHMS },
    );
    assert.equal(conn.hostKeyFingerprint, ssh.fingerprint);
    conn.client.end();
    const impostor = await startSshd(t);
    await assert.rejects(
      connectTarget(
        { host: '127.0.0.1', port: impostor.port, username: user.name, pin: pin.value },
        { secrets, algorithms: DEFAULT_CLIENT_ALGORITHMS },
      ),
      (e: Error & { code?: string }) => e.code === 'ssh.host_key_mismatch',
    );

    // An OPC UA server is onboarded with its certificate pinned.
    const opcId = at(summary.proposals, opcua.port).id;
    const opcOnboard = await site.withDiscovery((d) =>
      d.onboard({ proposalId: opcId, name: 'opc-2', actor: 'cli:olga' }),
    );
    assert.equal(opcOnboard.error, undefined, String(opcOnboard.error));
    const after = createPolicyLoader({ protocols: OT_PROTOCOLS }).open(site.policyFile);
    assert.equal(
      (after.assets['opc-2'] as { serverCertificateSha256?: string }).serverCertificateSha256,
      opcua.certificateSha256,
    );
  },
);

test('no probe scope, or a target outside it, is refused and audited; nothing is probed', async (t) => {
  const none = createDiscoverySite(t, { assets: {} });
  const r1 = await none.withDiscovery((d) => d.run('cli:olga'));
  assert.match(String(r1.error), /no "discovery" section/);
  assert.deepEqual(
    r1.events.map((e) => [e.action, e.outcome]),
    [['discovery.deny', 'denied']],
  );

  const scoped = createDiscoverySite(t, {
    assets: {},
    discovery: { subnets: ['127.0.0.0/30'], ports: { ssh: [22] } },
  });
  const r2 = await scoped.withDiscovery((d) => d.run('cli:olga', { subnets: ['127.0.0.8/32'] }));
  assert.match(String(r2.error), /outside the probe scope.*127\.0\.0\.8\/32/);
  const r3 = await scoped.withDiscovery((d) => d.run('cli:olga', { ports: [2222] }));
  assert.match(String(r3.error), /outside the probe scope.*port 2222/);
  for (const r of [r2, r3]) {
    assert.deepEqual(
      r.events.map((e) => e.action),
      ['discovery.deny'],
      'refused before any discovery.start: nothing probed',
    );
  }
});
