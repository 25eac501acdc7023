/**
 * Policy changes inside one live Modbus session (the broker with a pymodbus server as the PLC, one
 * raw operator connection): `policy learn` applies from the session's next request (a write beyond
 * the profile, inside the ceiling, passes and is recorded), `--stop` from the one after; and when
 * a reload removes the session's profile, every further request gets exception 01.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock } from '../../../shared/src/clock.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import type { Learning } from '../../../gateway-ot/src/learning/learning.js';
import { createPolicyLoader } from '../../../gateway-ot/src/policy/policy.js';
import { modbusProtocol } from '../../../gateway-ot/src/protocols/modbus/modbus.js';
import { createLearningStore } from '../../../gateway-ot/src/store/learning-store.js';
import { createTestLearning } from '../../helpers/learn-fixture.js';
import { startBrokerListener } from '../../peers/modbus-broker-listener.js';
import { startPymodbusServer } from '../../peers/pymodbus.js';
import { connectRaw, mbap, pdu, type RawModbusClient } from '../../peers/raw-modbus-client.js';

const READS = { read: [{ from: 0, to: 99 }] };

function plc(port: number): Record<string, unknown> {
  return {
    protocol: 'modbus',
    address: '127.0.0.1',
    port,
    profiles: {
      job: {
        unitIds: [1],
        functions: ['read'],
        tables: { holdingRegisters: READS },
        learnCeiling: {
          unitIds: [1],
          functions: ['read', 'write'],
          tables: {
            holdingRegisters: { ...READS, write: [{ from: 0, to: 99, min: 0, max: 65535 }] },
          },
        },
      },
    },
  };
}

let tid = 0;
async function writeHr(c: RawModbusClient, address: number, value: number): Promise<number[]> {
  c.write(mbap(++tid, 1, pdu(6, [address, value])));
  const [answer] = await c.frames(1, 20_000);
  return [...(answer?.pdu ?? [])];
}

test(
  'learn and its stop apply to a session that is already open',
  { timeout: 60_000 },
  async (t) => {
    const server = await startPymodbusServer(t, 1, new Array<number>(100).fill(0));
    const dir = makeTempDir(t);
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify({ assets: { 'plc-1': plc(server.port) } }));
    const loader = createPolicyLoader({ protocols: [modbusProtocol] });
    const policy = loader.open(policyFile);
    let learning: Learning | undefined;
    const gw = await startBrokerListener(t, {
      asset: policy.assets['plc-1'],
      profile: 'job',
      learning: ({ db, audit }) =>
        (learning = createTestLearning({
          store: createLearningStore(db),
          db,
          audit,
          clock: systemClock,
          policy,
          policyFile,
          loader,
        })),
    });
    assert.ok(learning);
    const c = await connectRaw(t, gw.port);
    assert.deepEqual(
      await writeHr(c, 5, 9),
      [0x86, 1],
      'enforced: the profile writes nothing (01)',
    );
    learning.learn({
      asset: 'plc-1',
      profile: 'job',
      until: Date.now() + 3_600_000,
      actor: 'cli:olga',
    });
    assert.deepEqual(await writeHr(c, 5, 9), [6, 0, 5, 0, 9], 'the same session now learns');
    assert.equal(learning.learningUntil('plc-1', 'job') !== undefined, true);
    learning.stopLearning({ asset: 'plc-1', profile: 'job', actor: 'cli:olga' });
    assert.deepEqual(await writeHr(c, 5, 10), [0x86, 1], 'and enforces again after --stop');
    assert.equal(gw.events('session.end').length, 0, 'all in one session');
  },
);

test(
  'a reload that removes the session’s profile refuses its every further request with exception 01',
  { timeout: 60_000 },
  async (t) => {
    const server = await startPymodbusServer(t, 1, new Array<number>(100).fill(0));
    const asset = plc(server.port);
    let current: unknown = asset;
    const gw = await startBrokerListener(t, {
      asset,
      profile: 'job',
      currentAsset: () => current,
    });
    const c = await connectRaw(t, gw.port);
    c.write(mbap(1, 1, pdu(3, [0, 2])));
    const [read] = await c.frames(1, 20_000);
    assert.equal(read?.pdu[0], 3, 'read allowed');
    current = { ...asset, profiles: { other: { unitIds: [1] } } };
    c.write(mbap(2, 1, pdu(3, [0, 2])));
    const [gone] = await c.frames(1, 20_000);
    assert.deepEqual([...(gone?.pdu ?? [])], [0x83, 1]);
    const deny = gw.events('modbus.deny')[0];
    assert.match(String(deny?.details['reason']), /no longer in the local policy/);
  },
);
