/**
 * The learn, review, enforce loop for an OPC UA profile against the real node-opcua plant server
 * (image/demo/plant/opcua-server.ts) with a node-opcua client as the operator's tool, through the
 * broker: an earlier job writes the setpoint to 85 under the broad profile; the profile learns a
 * job (reads, writes, a call, one node only the ceiling allows); the proposal keeps only what the
 * job did, its replay lists the earlier write it would refuse; applied, the policy file enforces it
 * and a write outside gets BadUserAccessDenied (audited as opcua.deny).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  AttributeIds,
  DataType,
  StatusCodes,
  type ClientSession,
  type StatusCode,
} from 'node-opcua';
import { AuditLog } from '../../shared/src/audit/audit-log.js';
import { FakeClock, systemClock, type Clock } from '../../shared/src/clock.js';
import { generateSigningKeyPair } from '../../shared/src/crypto/signing.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { sequentialIds } from '../../shared/src/ids.js';
import type { Learning } from '../../gateway-ot/src/learning/learning.js';
import { createPolicyLoader, type AssetPolicy } from '../../gateway-ot/src/policy/policy.js';
import type { ProfileLearning } from '../../gateway-ot/src/sessions/sessions.js';
import {
  createOpcuaBroker,
  type OpcuaBroker,
} from '../../gateway-ot/src/protocols/opcua/opcua-broker.js';
import { opcuaProtocol } from '../../gateway-ot/src/protocols/opcua/opcua.js';
import { createStore, type OtStore } from '../../gateway-ot/src/store/store.js';
import { PLANT_NAMESPACE_URI, type OpcuaSimServer } from '../../image/demo/plant/opcua-server.js';
import {
  createTestClient,
  loginOperator,
  type RecordedEvent,
} from '../helpers/opcua-broker-harness.js';
import { startPlantBroker, type PlantBroker } from '../helpers/opcua-plant-broker.js';
import { createTestLearning } from '../helpers/learn-fixture.js';

let bench: PlantBroker;
let dir: string;
let plant: OpcuaSimServer;
let broker: OpcuaBroker;
let store: OtStore;
let audit: AuditLog;
let learning: Learning;
let policyFile: string;
let certificateSha256: string;
const loader = createPolicyLoader({ protocols: [opcuaProtocol] });
let events: RecordedEvent[] = [];

function policyFor(port: number, sha256: string) {
  return {
    assets: {
      'opc-1': {
        protocol: 'opcua',
        address: '127.0.0.1',
        port,
        username: 'gw-opc',
        serverCertificateSha256: sha256,
        profiles: {
          job: {
            namespaceUri: PLANT_NAMESPACE_URI,
            nodes: [
              { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 10, max: 90 },
              { node: 's=Line1.Temperature', access: 'read' },
            ],
            learnCeiling: {
              nodes: [
                { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 0, max: 100 },
                { node: 's=Line1.ResetCounter', access: 'call' },
                { node: 's=Line1.Temperature', access: 'read' },
                { node: 's=Line1.Counter', access: 'read' },
              ],
            },
          },
        },
      },
    },
  };
}

before(async () => {
  await initCrypto();
  bench = await startPlantBroker({
    tempPrefix: 'airlock-opcua-learn-',
    learning: (started) => {
      policyFile = join(started.dir, 'policy.json');
      writeFileSync(
        policyFile,
        JSON.stringify(policyFor(started.plant.port, started.certificateSha256), null, 2),
      );
      const policy = loader.open(policyFile);
      store = createStore({ dataDir: ':memory:' });
      audit = new AuditLog({
        db: store.db,
        clock: systemClock,
        ids: sequentialIds(),
        signingKey: generateSigningKeyPair(),
        checkpointIntervalMs: 0,
      });
      learning = createTestLearning({
        store: store.learning,
        db: store.db,
        audit,
        clock: systemClock,
        policy,
        policyFile,
        loader,
      });
      return learning;
    },
  });
  ({ dir, plant, certificateSha256, broker, events } = bench);
});

after(async () => {
  await bench?.close();
  audit?.close();
  store?.close();
});

/** One operator session through the broker under `asset` (as the policy file has it then). */
async function withSession<T>(
  asset: AssetPolicy,
  fn: (session: ClientSession, id: (s: string) => string) => Promise<T>,
  via: { broker: OpcuaBroker; clock?: Clock } = { broker },
): Promise<T> {
  const f = await bench.forward({
    ...via,
    assetName: 'opc-1',
    asset,
    profileName: 'job',
    user: 'alice',
    // The broker's events go into the site's audit chain, as the session manager appends them.
    onAudit: (e) =>
      audit.append({
        action: e.action,
        actor: e.actor,
        site: 'plant-1',
        target: e.target ?? null,
        outcome: e.outcome,
        details: { ...e.details, sessionId: e.sessionId, grantId: e.grantId },
      }),
  });
  const client = createTestClient(join(dir, 'operator-pki'));
  try {
    const { session, id } = await loginOperator(client, f.endpointUrl, { password: 'not-checked' });
    try {
      return await fn(session, id);
    } finally {
      await session.close();
    }
  } finally {
    await client.disconnect();
  }
}

const writeSetpoint = (session: ClientSession, id: (s: string) => string, value: number) =>
  session.write({
    nodeId: id('Line1.Setpoint'),
    attributeId: AttributeIds.Value,
    value: { value: { dataType: DataType.Double, value } },
  });

const names = (statuses: readonly StatusCode[]): string[] => statuses.map((s) => s.name);

test(
  'learn a job through the OPC UA broker, propose, replay, apply, then a write outside is refused',
  { timeout: 120_000 },
  async () => {
    const asset = loader.open(policyFile).assets['opc-1'];
    assert.ok(asset);

    // An earlier job under the broad profile writes 85 (audited as a forwarded opcua.write).
    await withSession(asset, async (session, id) => {
      assert.equal((await writeSetpoint(session, id, 85)).name, 'Good');
    });

    learning.learn({
      asset: 'opc-1',
      profile: 'job',
      until: Date.now() + 3_600_000,
      actor: 'cli:olga',
    });
    await withSession(asset, async (session, id) => {
      const [temp, counter, pressure] = await session.read([
        { nodeId: id('Line1.Temperature'), attributeId: AttributeIds.Value },
        { nodeId: id('Line1.Counter'), attributeId: AttributeIds.Value }, // only the ceiling allows it
        { nodeId: id('Line1.Pressure'), attributeId: AttributeIds.Value }, // beyond the ceiling
      ]);
      assert.equal(temp?.value.value, 72.3);
      assert.equal(counter?.statusCode.name, 'Good');
      assert.equal(pressure?.statusCode.value, StatusCodes.BadNodeIdUnknown.value);
      const writes = [];
      for (const v of [40, 60, 150]) writes.push(await writeSetpoint(session, id, v));
      assert.deepEqual(names(writes), ['Good', 'Good', 'BadUserAccessDenied']);
      const reset = await session.call({
        objectId: id('Line1'),
        methodId: id('Line1.ResetCounter'),
        inputArguments: [],
      });
      assert.equal(reset.statusCode.name, 'Good');
    });
    assert.equal(plant.valueOf('setpoint'), 60);

    const proposal = learning.propose({
      asset: 'opc-1',
      profile: 'job',
      marginPercent: 10,
      replayDays: 1,
      actor: 'cli:olga',
    });
    assert.ok(proposal.protocol === 'opcua');
    assert.deepEqual(proposal.proposed.nodes, [
      { node: 's=Line1.Counter', access: 'read' },
      { node: 's=Line1.ResetCounter', access: 'call' },
      { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 38, max: 62 },
      { node: 's=Line1.Temperature', access: 'read' },
    ]);
    assert.ok(proposal.replay);
    assert.deepEqual(
      proposal.replay.refused.map((r) => [r.source, r.rule, r.summary]),
      [['audit', 'value', `write nsu=${PLANT_NAMESPACE_URI};s=Line1.Setpoint = 85 (Double)`]],
      'the earlier write of 85 would be refused; the learned job passes',
    );

    const applied = learning.apply({ proposalId: proposal.id, actor: 'cli:olga' });
    const apply = [...audit.iterate()].filter((e) => e.action === 'policy.apply');
    assert.equal(apply.length, 1);
    assert.equal(apply[0]?.details['policySha256'], applied.policySha256);
    assert.equal(audit.verify().ok, true);

    // The gateway starts again with the file as applied: the profile now enforces the proposal.
    const enforced = loader.open(policyFile);
    assert.equal(enforced.hash, applied.policySha256);
    const enforcedAsset = enforced.assets['opc-1'];
    assert.ok(enforcedAsset);
    const mark = events.length;
    await withSession(enforcedAsset, async (session, id) => {
      const writes = [];
      for (const v of [50, 70]) writes.push(await writeSetpoint(session, id, v));
      assert.deepEqual(names(writes), ['Good', 'BadUserAccessDenied']);
      const [counter] = await session.read([
        { nodeId: id('Line1.Counter'), attributeId: AttributeIds.Value },
      ]);
      assert.equal(counter?.statusCode.name, 'Good', 'what the job read stays readable');
    });
    assert.equal(plant.valueOf('setpoint'), 50);
    const denied = events.slice(mark).filter((e) => e.action === 'opcua.deny');
    assert.deepEqual(
      denied.map((e) => [e.details?.['service'], e.details?.['reason']]),
      [['Write', 'value 70 outside 38..62']],
    );
  },
);

test(
  'fails closed when an operation cannot be recorded, and the profile decides again once the window ends',
  { timeout: 60_000 },
  async () => {
    // The policy as it was written, with the broad profile and its ceiling.
    const asset = loader.parse(policyFor(plant.port, certificateSha256), 'test');
    assert.ok(asset.ok);
    const learnAsset = asset.value.assets['opc-1'];
    assert.ok(learnAsset);
    const clock = new FakeClock();
    const until = clock.now() + 60_000;
    let isBroken = true;
    const recorded: unknown[] = [];
    const stub: ProfileLearning = {
      learningUntil: () => until,
      record: (_session, op) => {
        if (isBroken) throw new Error('disk full (simulated)');
        recorded.push(op);
      },
    };
    const learningBroker = createOpcuaBroker({
      pkiDir: join(dir, 'ot-pki-stub'),
      credentials: bench.vault,
      learning: stub,
    });
    try {
      await withSession(
        learnAsset,
        async (session, id) => {
          const readCounter = async () =>
            (await session.read({ nodeId: id('Line1.Counter'), attributeId: AttributeIds.Value }))
              .statusCode.name;
          // Not recorded: the profile decides (95 is outside 10..90, Counter is not in it).
          assert.deepEqual(names([await writeSetpoint(session, id, 95)]), ['BadUserAccessDenied']);
          assert.equal(await readCounter(), 'BadUserAccessDenied');
          assert.deepEqual(names([await writeSetpoint(session, id, 50)]), ['Good']);
          isBroken = false;
          assert.deepEqual(names([await writeSetpoint(session, id, 95)]), ['Good']);
          assert.equal(await readCounter(), 'Good');
          assert.deepEqual(
            recorded.map((o) => (o as { service: string }).service),
            ['write', 'read'],
            'what the profile allowed while recording failed is not learned',
          );
          // The window ends by the gateway clock: the same session is enforced again.
          clock.advance(60_000);
          assert.deepEqual(names([await writeSetpoint(session, id, 95)]), ['BadUserAccessDenied']);
          assert.equal(await readCounter(), 'BadUserAccessDenied');
          assert.equal(recorded.length, 2, 'nothing is recorded after the window');
        },
        { broker: learningBroker, clock },
      );
    } finally {
      await learningBroker.close();
    }
  },
);
