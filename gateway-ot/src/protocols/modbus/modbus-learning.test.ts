import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  modbusOperation,
  proposeModbusProfile,
  replayModbusOperation,
  type ModbusOperation,
} from './modbus-learning.js';
import { modbusProfileSchema } from './modbus-policy.js';
import { decodeRequest } from './modbus-request.js';

const current = modbusProfileSchema.parse({
  unitIds: [1, 2],
  functions: ['read', 'write'],
  tables: {
    holdingRegisters: {
      read: [{ from: 0, to: 999 }],
      write: [{ from: 0, to: 999, min: -32768, max: 32767, signed: true }],
    },
  },
  rateLimit: { requestsPerSecond: 50, burst: 60 },
  learnCeiling: { unitIds: [1, 2], functions: ['read', 'write'], tables: {} },
});

const read = (address: number, quantity: number): ModbusOperation => ({
  unit: 1,
  fc: 3,
  classes: ['read'],
  table: 'holdingRegisters',
  address,
  quantity,
});
const write = (address: number, values: number[]): ModbusOperation => ({
  unit: 1,
  fc: 16,
  classes: ['write'],
  table: 'holdingRegisters',
  address,
  quantity: values.length,
  values,
});

test('a proposal names the learned units and function codes, merges near ranges and bounds values with the margin', () => {
  const ops = [
    read(0, 10),
    read(12, 4), // gap 2 <= mergeGap: one range 0..15
    read(100, 2), // far: its own range
    write(10, [100]),
    write(11, [200]),
    write(500, [-5]),
  ];
  const p = proposeModbusProfile(current, ops, { marginPercent: 10, mergeGap: 8 });
  assert.deepEqual(p.unitIds, [1]);
  assert.deepEqual(p.functions, [3, 16]);
  assert.deepEqual(p.tables.holdingRegisters?.read, [
    { from: 0, to: 15 },
    { from: 100, to: 101 },
  ]);
  assert.deepEqual(p.tables.holdingRegisters?.write, [
    // span 100..200, margin 10% of 100 = 10
    { from: 10, to: 11, min: 90, max: 210, signed: true },
    // one value: margin 10% of |-5| rounded up = 1
    { from: 500, to: 500, min: -6, max: -4, signed: true },
  ]);
  assert.deepEqual(p.rateLimit, current.rateLimit, 'the other settings are kept');
  assert.deepEqual(p.learnCeiling, current.learnCeiling, 'the ceiling stays for the next learn');
  assert.equal(p.tables.coils, undefined, 'nothing learned: nothing allowed');
  assert.ok(modbusProfileSchema.safeParse(p).success, 'the proposal is a valid profile');
});

test('coil writes of one value only propose that value; mixed values propose none', () => {
  const coil = (address: number, v: boolean): ModbusOperation => ({
    unit: 1,
    fc: 5,
    classes: ['write'],
    table: 'coils',
    address,
    quantity: 1,
    values: [v],
  });
  const p = proposeModbusProfile(
    current,
    [coil(3, false), coil(3, false), coil(40, true), coil(40, false)],
    {
      marginPercent: 0,
      mergeGap: 0,
    },
  );
  assert.deepEqual(p.tables.coils?.write, [
    { from: 3, to: 3, value: false },
    { from: 40, to: 40 },
  ]);
});

test('bounds never leave the register type', () => {
  const unsigned = modbusProfileSchema.parse({ unitIds: [1] });
  const p = proposeModbusProfile(unsigned, [write(0, [0]), write(0, [65535])], {
    marginPercent: 50,
    mergeGap: 0,
  });
  assert.deepEqual(p.tables.holdingRegisters?.write, [
    { from: 0, to: 0, min: 0, max: 65535, signed: false },
  ]);
});

test('replay decides with the broker rules: inside passes, outside names the rule', () => {
  const p = proposeModbusProfile(current, [read(0, 10), write(10, [100, 110])], {
    marginPercent: 10,
    mergeGap: 0,
  });
  assert.equal(replayModbusOperation(p, read(2, 3)).allow, true);
  assert.equal(replayModbusOperation(p, write(10, [101])).allow, true);
  const value = replayModbusOperation(p, write(10, [500]));
  assert.equal(value.allow ? '' : value.rule, 'value');
  const address = replayModbusOperation(p, write(300, [1]));
  assert.equal(address.allow ? '' : address.rule, 'address');
  const unit = replayModbusOperation(p, { ...read(0, 1), unit: 2 });
  assert.equal(unit.allow ? '' : unit.rule, 'unit');
  const fc = replayModbusOperation(p, { ...read(0, 1), fc: 4, table: 'inputRegisters' });
  assert.equal(fc.allow ? '' : fc.rule, 'function');
});

test('a decoded request becomes the operation that is stored, and replays as itself', () => {
  const pdu = Buffer.from([0x10, 0x00, 0x0a, 0x00, 0x02, 0x04, 0x00, 0x64, 0x00, 0x6e]);
  const r = decodeRequest(pdu);
  assert.ok(r.ok);
  const op = modbusOperation(1, r.value);
  assert.deepEqual(op, write(10, [100, 110]));
  const roundTrip = JSON.parse(JSON.stringify(op)) as ModbusOperation;
  assert.equal(replayModbusOperation(current, roundTrip).allow, true);
});

test('a profile may name a learn ceiling; it is checked like a profile', () => {
  const bad = modbusProfileSchema.safeParse({ unitIds: [1], learnCeiling: { unitIds: [], x: 1 } });
  assert.equal(bad.success, false);
});
