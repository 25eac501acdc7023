/**
 * The Modbus broker with independent peers: Debian's mbpoll and pymodbus as operators' tools, the
 * simulated PLC (modbus-serial) and a pymodbus server as PLCs. Allowed reads and writes go through
 * and writes are audited with old and new values; refused requests get the right exception and
 * leave the PLC's value unchanged.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startModbusPlc } from '../../image/demo/plant/modbus-plc.js';
import { startBrokerListener } from '../peers/modbus-broker-listener.js';
import { mbpollValues, runMbpoll } from '../peers/mbpoll.js';
import { plc1Asset } from '../../image/demo/plant/plc-1-policy.js';
import { runPymodbusClient, startPymodbusServer } from '../peers/pymodbus.js';

test(
  'mbpoll and pymodbus through the broker to the simulated PLC',
  { timeout: 60_000 },
  async (t) => {
    const plc = await startModbusPlc({ driftIntervalMs: 0 });
    t.after(() => plc.close());
    const gw = await startBrokerListener(t, { asset: plc1Asset(plc.port), profile: 'maintenance' });

    const read = await runMbpoll(gw.port, ['-a', '1', '-t', '4', '-r', '1', '-c', '10']);
    assert.equal(read.code, 0, read.output);
    assert.deepEqual(mbpollValues(read.output), {
      1: '1450',
      2: '725',
      3: '420',
      4: '900',
      5: '100',
      6: '30',
      7: '600',
      8: '500',
      9: '1',
      10: '1',
    });

    const write = await runMbpoll(gw.port, ['-a', '1', '-t', '4', '-r', '7'], ['900']);
    assert.equal(write.code, 0, write.output);
    assert.equal(plc.getHoldingRegister(6), 900);

    const tooHigh = await runMbpoll(gw.port, ['-a', '1', '-t', '4', '-r', '7'], ['1500']);
    assert.notEqual(tooHigh.code, 0);
    assert.match(tooHigh.output, /Illegal data value/i);
    assert.equal(plc.getHoldingRegister(6), 900, 'a refused write changes nothing');

    const results = await runPymodbusClient(gw.port, [
      { op: 'read_holding_registers', args: [0, 5] },
      { op: 'read_input_registers', args: [0, 3] },
      { op: 'read_coils', args: [0, 4] },
      { op: 'write_register', args: [0, 1350] },
      { op: 'write_register', args: [1, 0xffff - 49] }, // -50 °C×10 as int16: inside -200..1200
      { op: 'write_register', args: [50, 1] }, // outside the writable ranges
      { op: 'write_register', args: [0, 1801] }, // above the bound
      { op: 'write_register', args: [0, 1000], unit: 2 }, // another unit
      { op: 'read_holding_registers', args: [18, 5] }, // span runs past the readable range
      { op: 'write_coil', args: [8, true] }, // may only be switched off
      { op: 'write_coil', args: [8, false] },
    ]);
    assert.deepEqual(results, [
      { values: [1450, 725, 420, 900, 100] },
      { values: [723, 418, 645] },
      { values: [true, true, false, false] },
      { ok: true },
      { ok: true },
      { exception: 2 },
      { exception: 3 },
      { exception: 0x0a },
      { exception: 2 },
      { exception: 3 },
      { ok: true },
    ]);
    assert.equal(plc.getHoldingRegister(0), 1350);
    assert.equal(plc.getHoldingRegister(1), 0xffff - 49);
    assert.equal(plc.getHoldingRegister(50), 0);
    assert.equal(plc.getCoil(8), false);
    await Promise.all(gw.ends);

    const writes = gw.events('modbus.write').map((e) => e.details);
    assert.deepEqual(
      writes.map((d) => d.changes),
      [
        ['HR 40007: 600 → 900'],
        ['HR 40001: 1450 → 1350'],
        ['HR 40002: 725 → -50'],
        ['CO 00009: off → off'],
      ],
    );
    const first = gw.events('modbus.write')[1];
    assert.equal(first?.actor, 'alice');
    assert.equal(first?.target, 'plc-1');
    assert.deepEqual(
      {
        unit: first?.details.unit,
        fn: first?.details.function,
        address: first?.details.address,
        values: first?.details.values,
        old: first?.details.oldValues,
        grant: first?.details.grantId,
      },
      { unit: 1, fn: 6, address: 0, values: [1350], old: [1450], grant: 'gr_test' },
    );
    const denials = gw.events('modbus.deny').map((e) => [e.details.rule, e.details.exception]);
    assert.deepEqual(denials, [
      ['value', '03'],
      ['address', '02'],
      ['value', '03'],
      ['unit', '0A'],
      ['address', '02'],
      ['value', '03'],
    ]);
    const reads = gw.events('modbus.reads').map((e) => e.details);
    assert.equal(reads.length, 4, 'one count per session (3 mbpoll runs, 1 pymodbus)');
    assert.equal(reads[0]?.reads, 1);
    assert.equal(reads[3]?.reads, 3);
    assert.equal(reads[3]?.writes, 3);
    assert.equal(reads[3]?.denied, 5);
    assert.equal(gw.audit.verify().ok, true);
  },
);

test(
  'a read-only profile refuses writes with 01 and the pymodbus server PLC keeps its value',
  { timeout: 60_000 },
  async (t) => {
    const server = await startPymodbusServer(t, 1, [1200, 10, 20, 30]);
    const ro = await startBrokerListener(t, {
      asset: plc1Asset(server.port),
      profile: 'read-only',
    });
    const mbpoll = await runMbpoll(ro.port, ['-a', '1', '-t', '4', '-r', '1', '-c', '4']);
    assert.equal(mbpoll.code, 0, mbpoll.output);
    assert.deepEqual(mbpollValues(mbpoll.output), { 1: '1200', 2: '10', 3: '20', 4: '30' });
    const refused = await runPymodbusClient(ro.port, [
      { op: 'write_register', args: [0, 1350] },
      { op: 'read_holding_registers', args: [0, 1] },
    ]);
    assert.deepEqual(refused, [{ exception: 1 }, { values: [1200] }]);
    assert.equal(ro.events('modbus.deny')[0]?.details.rule, 'function');

    const mt = await startBrokerListener(t, {
      asset: plc1Asset(server.port),
      profile: 'maintenance',
    });
    const written = await runPymodbusClient(mt.port, [
      { op: 'write_registers', args: [6, [700, 800]] },
      { op: 'write_registers', args: [6, [700, 1300]] },
      { op: 'read_holding_registers', args: [6, 2] },
    ]);
    assert.deepEqual(written, [{ ok: true }, { exception: 3 }, { values: [700, 800] }]);
    const direct = await runPymodbusClient(server.port, [
      { op: 'read_holding_registers', args: [0, 8] },
    ]);
    assert.deepEqual(direct, [{ values: [1200, 10, 20, 30, 0, 0, 700, 800] }]);
    await Promise.all([...ro.ends, ...mt.ends]);
    assert.deepEqual(mt.events('modbus.write')[0]?.details.changes, [
      'HR 40007: 0 → 700',
      'HR 40008: 0 → 800',
    ]);
  },
);
