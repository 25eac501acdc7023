import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modbusProfileSchema } from './modbus-policy.js';
import { decodeRequest } from './modbus-request.js';
import { compileProfile, decide } from './modbus-rules.js';

const profile = compileProfile(
  modbusProfileSchema.parse({
    unitIds: [0, 1, 5],
    functions: ['read', 'write', 'identification', 90],
    tables: {
      coils: {
        read: [{ from: 0, to: 15 }],
        write: [
          { from: 8, to: 8, value: false },
          { from: 9, to: 11 },
        ],
      },
      discreteInputs: { read: [{ from: 0, to: 11 }] },
      inputRegisters: {
        read: [
          { from: 100, to: 109 },
          { from: 110, to: 119 },
        ],
      },
      holdingRegisters: {
        read: [
          { from: 0, to: 19 },
          { from: 65530, to: 65535 },
        ],
        write: [
          { from: 0, to: 0, min: 0, max: 1800 },
          { from: 1, to: 1, min: -200, max: 1200, signed: true },
          { from: 2, to: 4, min: 10, max: 20 },
          { from: 5, to: 5, min: 0, max: 65535 },
          { from: 65535, to: 65535, min: 0, max: 65535 },
        ],
      },
    },
  }),
);

const w = (n: number): string => (n & 0xffff).toString(16).padStart(4, '0');
/** [name, unit, PDU hex, expected: 'allow' or the deny rule and exception]. */
type Case = [string, number, string, 'allow' | [string, number]];

const cases: Case[] = [
  // units
  ['unit 1', 1, `03 0000 0001`, 'allow'],
  ['unit 5', 5, `03 0000 0001`, 'allow'],
  ['unit 2 not listed', 2, `03 0000 0001`, ['unit', 0x0a]],
  ['unit 255 not listed', 255, `03 0000 0001`, ['unit', 0x0a]],
  // broadcast: reads may go, nothing that changes state
  ['unit 0 read', 0, `03 0000 0001`, 'allow'],
  ['unit 0 FC 6', 0, `06 0000 0001`, ['broadcast', 0x0a]],
  ['unit 0 FC 15', 0, `0f 0009 0001 01 01`, ['broadcast', 0x0a]],
  ['unit 0 FC 90', 0, `5a 0002`, ['broadcast', 0x0a]],
  // functions by class and by code
  ['FC 8/0 diagnostic not allowed', 1, `08 0000 1234`, ['function', 1]],
  ['FC 7 diagnostic not allowed', 1, `07`, ['function', 1]],
  ['FC 17 identification', 1, `11`, 'allow'],
  ['FC 43/14 identification', 1, `2b 0e 01 00`, 'allow'],
  ['FC 43/13 is programming', 1, `2b 0d 00`, ['function', 1]],
  ['FC 20 file not allowed', 1, `14 07 06 0004 0001 0002`, ['function', 1]],
  ['FC 90 allowed by code', 1, `5a 0002`, 'allow'],
  ['FC 91 not allowed', 1, `5b 0002`, ['function', 1]],
  ['FC 8/1 restart not allowed', 1, `08 0001 0000`, ['function', 1]],
  // read ranges: every boundary, spans must fit entirely
  ['HR 0..19 fits', 1, `03 0000 ${w(20)}`, 'allow'],
  ['HR 19 last', 1, `03 0013 0001`, 'allow'],
  ['HR 20 first outside', 1, `03 0014 0001`, ['address', 2]],
  ['HR 19..20 crosses the end', 1, `03 0013 0002`, ['address', 2]],
  ['HR 65530..65535', 1, `03 fffa 0006`, 'allow'],
  ['HR 65529..65530 crosses the start', 1, `03 fff9 0002`, ['address', 2]],
  ['IR 100..119 across adjacent ranges', 1, `04 0064 ${w(20)}`, 'allow'],
  ['IR 99 before', 1, `04 0063 0001`, ['address', 2]],
  ['IR 119..120', 1, `04 0077 0002`, ['address', 2]],
  ['DI 11 last', 1, `02 000b 0001`, 'allow'],
  ['DI 12', 1, `02 000c 0001`, ['address', 2]],
  ['CO 0..15', 1, `01 0000 0010`, 'allow'],
  ['CO 0..16', 1, `01 0000 0011`, ['address', 2]],
  ['FC 24 FIFO at 0 (may return 32 registers: past 19)', 1, `18 0000`, ['address', 2]],
  // register writes: ranges and bounds
  ['HR 0 = 0 (min)', 1, `06 0000 ${w(0)}`, 'allow'],
  ['HR 0 = 1800 (max)', 1, `06 0000 ${w(1800)}`, 'allow'],
  ['HR 0 = 1801', 1, `06 0000 ${w(1801)}`, ['value', 3]],
  ['HR 1 = -200 signed min', 1, `06 0001 ${w(-200)}`, 'allow'],
  ['HR 1 = -201', 1, `06 0001 ${w(-201)}`, ['value', 3]],
  ['HR 1 = 1200', 1, `06 0001 ${w(1200)}`, 'allow'],
  ['HR 1 = 1201', 1, `06 0001 ${w(1201)}`, ['value', 3]],
  ['HR 2 = 9 (below min)', 1, `06 0002 ${w(9)}`, ['value', 3]],
  ['HR 6 not writable', 1, `06 0006 0001`, ['address', 2]],
  ['HR 65535 writable', 1, `06 ffff 0001`, 'allow'],
  [
    'FC 16 HR 0..5 across ranges, all in bounds',
    1,
    `10 0000 0006 0c ${w(5)}${w(-5)}${w(10)}${w(15)}${w(20)}${w(65535)}`,
    'allow',
  ],
  [
    'FC 16 HR 0..5 one value out',
    1,
    `10 0000 0006 0c ${w(5)}${w(-5)}${w(10)}${w(21)}${w(20)}${w(1)}`,
    ['value', 3],
  ],
  ['FC 16 HR 5..6 crosses the end', 1, `10 0005 0002 04 00010001`, ['address', 2]],
  // coil writes
  ['FC 5 CO 8 off', 1, `05 0008 0000`, 'allow'],
  ['FC 5 CO 8 on (only off allowed)', 1, `05 0008 ff00`, ['value', 3]],
  ['FC 5 CO 11 on', 1, `05 000b ff00`, 'allow'],
  ['FC 5 CO 12', 1, `05 000c ff00`, ['address', 2]],
  ['FC 15 CO 8..11 with 8 off', 1, `0f 0008 0004 01 0e`, 'allow'],
  ['FC 15 CO 8..11 with 8 on', 1, `0f 0008 0004 01 0f`, ['value', 3]],
  ['FC 15 CO 7..8', 1, `0f 0007 0002 01 00`, ['address', 2]],
  // mask write: only on a register whose range has no bounds
  ['FC 22 HR 5 full range', 1, `16 0005 00f2 0025`, 'allow'],
  ['FC 22 HR 0 bounded', 1, `16 0000 00f2 0025`, ['value', 3]],
  ['FC 22 HR 6 not writable', 1, `16 0006 00f2 0025`, ['address', 2]],
  // read/write multiple: both halves checked
  ['FC 23 read 0..1, write HR 2 = 15', 1, `17 0000 0002 0002 0001 02 ${w(15)}`, 'allow'],
  ['FC 23 read outside', 1, `17 0014 0001 0002 0001 02 ${w(15)}`, ['address', 2]],
  ['FC 23 write out of bounds', 1, `17 0000 0001 0002 0001 02 ${w(30)}`, ['value', 3]],
];

test('decide: units, broadcast, function codes and classes, every boundary address and value', () => {
  for (const [name, unit, pduHex, expected] of cases) {
    const r = decodeRequest(Buffer.from(pduHex.replace(/\s/g, ''), 'hex'));
    assert.ok(r.ok, `${name}: decodes (${r.ok ? '' : r.error.reason})`);
    if (!r.ok) continue;
    const d = decide(profile, unit, r.value);
    if (expected === 'allow') assert.ok(d.allow, `${name}: ${d.allow ? '' : d.reason}`);
    else {
      assert.ok(!d.allow, `${name} should be denied`);
      if (!d.allow) assert.deepEqual([d.rule, d.exception], expected, `${name}: ${d.reason}`);
    }
  }
});

test('reasons name the point as plant people do', () => {
  const r = decodeRequest(Buffer.from(`060000${w(1801)}`, 'hex'));
  assert.ok(r.ok);
  if (!r.ok) return;
  const d = decide(profile, 1, r.value);
  assert.ok(!d.allow);
  if (!d.allow) assert.equal(d.reason, 'value 1801 for HR 40001 is outside its bounds 0..1800');
});

test('an empty profile (unit ids only) denies every function', () => {
  const empty = compileProfile(modbusProfileSchema.parse({ unitIds: [1] }));
  for (const pduHex of [
    '0300000001',
    '0100000001',
    '0600000001',
    '11',
    '2b0e0100',
    '5a0002',
    '0800001234',
  ]) {
    const r = decodeRequest(Buffer.from(pduHex, 'hex'));
    assert.ok(r.ok);
    if (r.ok) assert.equal(decide(empty, 1, r.value).allow, false, pduHex);
  }
  const readsOnly = compileProfile(
    modbusProfileSchema.parse({ unitIds: [1], functions: ['read'] }),
  );
  const r = decodeRequest(Buffer.from('0300000001', 'hex'));
  if (r.ok)
    assert.deepEqual(decide(readsOnly, 1, r.value), {
      allow: false,
      rule: 'address',
      exception: 2,
      reason: 'read of HR 40001 (address 0, quantity 1) is outside the readable ranges',
    });
});
