/**
 * The learn, review, enforce loop against a real Modbus peer (a pymodbus server as the PLC, the
 * pymodbus client as the operator's tool): an earlier job writes HR 50 under the broad profile;
 * the profile learns a job (reads and writes, one of them beyond the profile but inside its learn
 * ceiling); the proposal keeps only what the job did, and its replay lists the earlier write it
 * would refuse; applied, the policy file enforces it and a write outside gets exception 02.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { FakeClock, systemClock, type Clock } from '../../shared/src/clock.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import type { Learning } from '../../gateway-ot/src/learning/learning.js';
import { createPolicyLoader, type LocalPolicy } from '../../gateway-ot/src/policy/policy.js';
import { modbusProtocol } from '../../gateway-ot/src/protocols/modbus/modbus.js';
import { createLearningStore } from '../../gateway-ot/src/store/learning-store.js';
import { startBrokerListener, type BrokerListener } from '../peers/modbus-broker-listener.js';
import { connectRaw, mbap, pdu } from '../peers/raw-modbus-client.js';
import { createTestLearning, LEARN_CEILING } from '../helpers/learn-fixture.js';
import { runPymodbusClient, startPymodbusServer } from '../peers/pymodbus.js';

const FULL = { from: 0, to: 199 };

function policyFor(port: number) {
  return {
    assets: {
      'plc-1': {
        protocol: 'modbus',
        address: '127.0.0.1',
        port,
        profiles: {
          job: {
            unitIds: [1],
            functions: ['read', 'write'],
            tables: {
              holdingRegisters: { read: [FULL], write: [{ ...FULL, min: 0, max: 65535 }] },
            },
            learnCeiling: LEARN_CEILING,
          },
        },
      },
    },
  };
}

async function listen(
  t: TestContext,
  policy: LocalPolicy,
  policyFile: string,
  clock: Clock,
): Promise<{ gw: BrokerListener; learning: Learning }> {
  const loader = createPolicyLoader({ protocols: [modbusProtocol] });
  let learning: Learning | undefined;
  const gw = await startBrokerListener(t, {
    asset: policy.assets['plc-1'],
    profile: 'job',
    clock,
    learning: ({ db, audit }) => {
      learning = createTestLearning({
        store: createLearningStore(db),
        db,
        audit,
        clock,
        policy,
        policyFile,
        loader,
      });
      return learning;
    },
  });
  assert.ok(learning);
  return { gw, learning };
}

test(
  'learn a job through the broker, propose, replay, apply, then a write outside is refused',
  { timeout: 60_000 },
  async (t) => {
    const plc = await startPymodbusServer(t, 1, new Array<number>(300).fill(0));
    const dir = makeTempDir(t);
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(policyFor(plc.port), null, 2));
    const loader = createPolicyLoader({ protocols: [modbusProtocol] });
    const policy = loader.open(policyFile);
    const { gw, learning: l } = await listen(t, policy, policyFile, systemClock);

    // An earlier job, enforced by the broad profile: it writes HR 50 (audited as modbus.write).
    assert.deepEqual(await runPymodbusClient(gw.port, [{ op: 'write_register', args: [50, 7] }]), [
      { ok: true },
    ]);

    l.learn({ asset: 'plc-1', profile: 'job', until: Date.now() + 3_600_000, actor: 'cli:olga' });
    const learned = await runPymodbusClient(gw.port, [
      { op: 'read_holding_registers', args: [0, 10] },
      { op: 'write_register', args: [5, 1200] },
      { op: 'write_register', args: [5, 1300] },
      { op: 'write_register', args: [500, 9] }, // beyond the profile, inside the ceiling: allowed while learning
      { op: 'write_register', args: [5000, 1] }, // beyond the ceiling: refused even while learning
    ]);
    assert.deepEqual(learned, [
      { values: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
      { ok: true },
      { ok: true },
      { ok: true },
      { exception: 2 },
    ]);

    const proposal = l.propose({
      asset: 'plc-1',
      profile: 'job',
      marginPercent: 10,
      replayDays: 1,
      actor: 'cli:olga',
    });
    assert.ok(proposal.protocol === 'modbus');
    assert.deepEqual(proposal.proposed.tables.holdingRegisters, {
      read: [{ from: 0, to: 9 }],
      write: [
        { from: 5, to: 5, min: 1190, max: 1310, signed: false },
        { from: 500, to: 500, min: 8, max: 10, signed: false },
      ],
    });
    assert.ok(proposal.replay);
    const refused = proposal.replay.refused.map((r) => [r.source, r.operation.address, r.rule]);
    assert.deepEqual(
      refused,
      [['audit', 50, 'address']],
      'the earlier write to HR 50 would be refused',
    );

    const applied = l.apply({ proposalId: proposal.id, actor: 'cli:olga' });
    const apply = gw.events('policy.apply');
    assert.equal(apply.length, 1);
    assert.equal(apply[0]?.details['policySha256'], applied.policySha256);
    assert.equal(gw.audit.verify().ok, true);

    // The gateway starts again with the file as applied: the profile now enforces the proposal.
    const enforced = loader.open(policyFile);
    assert.equal(enforced.hash, applied.policySha256);
    const gw2 = await startBrokerListener(t, { asset: enforced.assets['plc-1'], profile: 'job' });
    const after = await runPymodbusClient(gw2.port, [
      { op: 'write_register', args: [5, 1250] },
      { op: 'write_register', args: [6, 1250] },
      { op: 'write_register', args: [5, 2000] },
      { op: 'read_holding_registers', args: [0, 10] },
    ]);
    assert.deepEqual(after.slice(0, 3), [{ ok: true }, { exception: 2 }, { exception: 3 }]);
    assert.deepEqual(after[3], { values: [0, 0, 0, 0, 0, 1250, 0, 0, 0, 0] });
    const denied = gw2.events('modbus.deny').map((e) => [e.details['address'], e.details['rule']]);
    assert.deepEqual(denied, [
      [6, 'address'],
      [5, 'value'],
    ]);
  },
);

test(
  'a learn window ends by the gateway clock: the same session is enforced again at its next request',
  { timeout: 60_000 },
  async (t) => {
    const plc = await startPymodbusServer(t, 1, new Array<number>(300).fill(0));
    const dir = makeTempDir(t);
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(policyFor(plc.port), null, 2));
    const policy = createPolicyLoader({ protocols: [modbusProtocol] }).open(policyFile);
    const clock = new FakeClock();
    const { gw, learning } = await listen(t, policy, policyFile, clock);
    learning.learn({
      asset: 'plc-1',
      profile: 'job',
      until: clock.now() + 60_000,
      actor: 'cli:olga',
    });
    const op = await connectRaw(t, gw.port);
    op.write(mbap(1, 1, pdu(6, [500, 9]))); // beyond the profile, inside the ceiling
    const [learned] = await op.frames(1);
    assert.deepEqual([...(learned?.pdu ?? [])], [6, 0x01, 0xf4, 0, 9]);
    clock.advance(60_000);
    op.write(mbap(2, 1, pdu(6, [500, 9])));
    const [enforced] = await op.frames(1);
    assert.deepEqual(
      [...(enforced?.pdu ?? [])],
      [0x86, 2],
      'illegal data address: the profile decides again',
    );
    assert.equal(learning.learningUntil('plc-1', 'job'), undefined);
  },
);

test(
  'fails closed: a learning session whose operations cannot be recorded gets only what the profile allows',
  { timeout: 60_000 },
  async (t) => {
    const plc = await startPymodbusServer(t, 1, new Array<number>(300).fill(0));
    const asset = policyFor(plc.port).assets['plc-1'];
    const gw = await startBrokerListener(t, {
      asset,
      profile: 'job',
      learning: () => ({
        learningUntil: () => Date.now() + 3_600_000,
        record: () => {
          throw new Error('disk full (simulated)');
        },
      }),
    });
    const op = await connectRaw(t, gw.port);
    op.write(mbap(1, 1, pdu(6, [500, 9]))); // only the ceiling allows it: not recorded, so refused
    op.write(mbap(2, 1, pdu(6, [5, 9]))); // the profile allows it
    const answers = await op.frames(2);
    assert.deepEqual(
      answers.map((a) => [a.transactionId, [...a.pdu]]),
      [
        [1, [0x86, 2]],
        [2, [6, 0, 5, 0, 9]],
      ],
    );
  },
);
