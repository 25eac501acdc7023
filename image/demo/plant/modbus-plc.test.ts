import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import modbusSerial from 'modbus-serial';
import { FakeClock } from '../../../shared/src/clock.js';
import { PLC_MAP, startModbusPlc, type ModbusPlc, type ModbusPlcOptions } from './modbus-plc.js';

const MBPOLL = '/usr/bin/mbpoll';
// modbus-serial is CommonJS: its client class is module.exports itself and also `.default`, which is
// the one the typings describe.
const ModbusRTU = modbusSerial.default;
type ModbusClient = InstanceType<typeof ModbusRTU>;

async function start(t: TestContext, options: ModbusPlcOptions = {}): Promise<ModbusPlc> {
  const plc = await startModbusPlc({ driftIntervalMs: 0, ...options });
  t.after(() => plc.close());
  return plc;
}

async function connect(
  t: TestContext,
  plc: ModbusPlc,
  unitId = plc.unitId,
  timeoutMs = 2000,
): Promise<ModbusClient> {
  const client = new ModbusRTU();
  client.on('error', () => undefined);
  await client.connectTCP(plc.host, { port: plc.port });
  client.setID(unitId);
  client.setTimeout(timeoutMs);
  t.after(() => closeClient(client));
  return client;
}

/** Closes a client once; modbus-serial never calls back when closing an already closed port. */
function closeClient(client: ModbusClient): Promise<void> {
  return new Promise((resolve) => (client.isOpen ? client.close(() => resolve()) : resolve()));
}

test(
  'a modbus-serial client reads holding registers, writes, and the value holds across connections',
  { timeout: 15_000 },
  async (t) => {
    const plc = await start(t);
    const first = await connect(t, plc);
    const initial = await first.readHoldingRegisters(0, 5);
    assert.deepEqual(
      initial.data,
      PLC_MAP.holdingRegisters.slice(0, 5).map(([, v]) => v),
    );

    await first.writeRegister(1, 800);
    assert.deepEqual((await first.readHoldingRegisters(1, 1)).data, [800]);
    await first.writeRegisters(100, [1, 2, 65535]);
    await first.writeCoil(2, true);
    assert.equal(plc.getHoldingRegister(1), 800);
    assert.equal(plc.getCoil(2), true);
    await closeClient(first);

    const second = await connect(t, plc);
    assert.deepEqual((await second.readHoldingRegisters(0, 2)).data, [1450, 800]);
    assert.deepEqual((await second.readHoldingRegisters(100, 3)).data, [1, 2, 65535]);
    assert.deepEqual((await second.readCoils(0, 4)).data.slice(0, 4), [true, true, true, false]);
    assert.deepEqual((await second.readDiscreteInputs(0, 2)).data.slice(0, 2), [true, true]);
    assert.deepEqual((await second.readInputRegisters(0, 2)).data, [723, 418]);
  },
);

test(
  'requests beyond the register space get exception 02 and change nothing',
  { timeout: 15_000 },
  async (t) => {
    const plc = await start(t);
    const client = await connect(t, plc);
    await assert.rejects(
      client.readHoldingRegisters(65530, 10),
      (e: { modbusCode?: number }) => e.modbusCode === 2,
    );
    await assert.rejects(
      client.writeRegisters(65534, [7, 7, 7]),
      (e: { modbusCode?: number }) => e.modbusCode === 2,
    );
    assert.equal(plc.getHoldingRegister(65534), 0);
    await assert.rejects(
      client.readCoils(65535, 2),
      (e: { modbusCode?: number }) => e.modbusCode === 2,
    );
  },
);

test(
  'the PLC answers its own unit id only (others get no answer)',
  { timeout: 15_000 },
  async (t) => {
    const plc = await start(t, { unitId: 7 });
    const right = await connect(t, plc);
    assert.deepEqual((await right.readHoldingRegisters(0, 1)).data, [1450]);
    // modbus-serial's server drops requests for other unit ids: the client can only time out.
    const wrong = await connect(t, plc, 1, 200);
    await assert.rejects(
      wrong.readHoldingRegisters(0, 1),
      (e: { name?: string }) => e.name === 'TransactionTimedOutError',
    );
  },
);

test(
  'input registers drift within their band on the drift timer',
  { timeout: 15_000 },
  async (t) => {
    const clock = new FakeClock();
    let n = 0;
    // Long runs of one extreme push every sensor to the edge of its band, then to the other edge.
    const plc = await start(t, {
      driftIntervalMs: 1000,
      clock,
      random: () => (Math.floor(n++ / 800) % 2 === 0 ? 1 : 0),
    });
    const seen = Array.from({ length: 8 }, () => new Set<number>());
    for (let i = 0; i < 400; i++) {
      clock.advance(1000);
      for (let r = 0; r < 8; r++) seen[r]!.add(plc.getInputRegister(r));
    }
    assert.ok(
      seen.every((s) => s.size > 1),
      'every sensor moved',
    );
    for (let i = 0; i < 8; i++) {
      const base = PLC_MAP.inputRegisters[i]![1];
      const band = Math.max(1, Math.round(base * 0.02));
      const value = plc.getInputRegister(i);
      assert.ok(value >= base - band && value <= base + band, `IR ${i} = ${value}, base ${base}`);
    }
    assert.equal(plc.getInputRegister(8), PLC_MAP.inputRegisters[8]![1], 'counters do not drift');
  },
);

test('mbpoll reads the holding registers (1-based addresses)', { timeout: 15_000 }, async (t) => {
  if (!existsSync(MBPOLL)) {
    t.skip('mbpoll not installed');
    return;
  }
  const plc = await start(t);
  plc.setHoldingRegister(4, 4242);
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      MBPOLL,
      [
        '-m',
        'tcp',
        '-a',
        '1',
        '-r',
        '1',
        '-c',
        '5',
        '-t',
        '4',
        '-1',
        '-p',
        String(plc.port),
        plc.host,
      ],
      { timeout: 10_000 },
      (e, out, err) =>
        e === null ? resolve(out) : reject(new Error(`mbpoll failed: ${e.message} ${err}`)),
    );
  });
  const values = [...stdout.matchAll(/^\[(\d+)\]:\s+(-?\d+)/gm)].map((m) => [
    Number(m[1]),
    Number(m[2]),
  ]);
  assert.deepEqual(values, [
    [1, 1450],
    [2, 725],
    [3, 420],
    [4, 900],
    [5, 4242],
  ]);
});
