import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRequest, isStateChanging } from './modbus-request.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');
const w = (n: number): string => n.toString(16).padStart(4, '0');

/** [name, PDU hex, expected: kind/classes/stateChanging or the refusal's exception and reason]. */
type Case = [
  string,
  string,
  { kind: string; classes: string; changes: boolean } | { exception: number; reason: RegExp },
];

const ok = (kind: string, classes: string, changes: boolean) => ({ kind, classes, changes });
const bad = (exception: number, reason: RegExp) => ({ exception, reason });

const cases: Case[] = [
  // FC 1-4: length 5, quantity 1..2000 (bits) or 1..125 (registers), no wrap
  ['FC 1 q=1', `01 0000 ${w(1)}`, ok('read', 'read', false)],
  ['FC 1 q=2000', `01 0000 ${w(2000)}`, ok('read', 'read', false)],
  ['FC 1 q=2001', `01 0000 ${w(2001)}`, bad(3, /quantity 2001 outside 1..2000/)],
  ['FC 2 q=0', `02 0000 0000`, bad(3, /quantity 0/)],
  ['FC 3 q=125', `03 0000 ${w(125)}`, ok('read', 'read', false)],
  ['FC 3 q=126', `03 0000 ${w(126)}`, bad(3, /quantity 126 outside 1..125/)],
  ['FC 4 q=0', `04 0000 0000`, bad(3, /quantity 0/)],
  ['FC 3 length 4', `03 0000 00`, bad(3, /needs a PDU of 5 bytes, got 4/)],
  ['FC 3 length 6', `03 0000 0001 00`, bad(3, /needs a PDU of 5 bytes, got 6/)],
  ['FC 3 last address', `03 ffff 0001`, ok('read', 'read', false)],
  ['FC 3 wraps by one', `03 ffff 0002`, bad(2, /address 65535 \+ quantity 2 wraps/)],
  ['FC 3 ends at 65535', `03 ff84 ${w(124)}`, ok('read', 'read', false)],
  ['FC 1 wraps', `01 fff0 ${w(17)}`, bad(2, /wraps/)],
  // FC 5, 6
  ['FC 5 on', `05 0008 ff00`, ok('write-coils', 'write', true)],
  ['FC 5 off', `05 0008 0000`, ok('write-coils', 'write', true)],
  ['FC 5 value 0x0001', `05 0008 0001`, bad(3, /coil value 0x1/)],
  ['FC 5 length 6', `05 0008 ff00 00`, bad(3, /needs a PDU of 5/)],
  ['FC 6', `06 0000 1234`, ok('write-registers', 'write', true)],
  ['FC 6 length 3', `06 0000`, bad(3, /needs a PDU of 5/)],
  // FC 15: quantity 1..1968, byte count = ceil(q/8), length = 6 + byte count
  ['FC 15 q=10', `0f 0000 000a 02 ff03`, ok('write-coils', 'write', true)],
  ['FC 15 q=1968', `0f 0000 ${w(1968)} f6 ${'00'.repeat(246)}`, ok('write-coils', 'write', true)],
  ['FC 15 q=1969', `0f 0000 ${w(1969)} f7 ${'00'.repeat(247)}`, bad(3, /quantity 1969/)],
  ['FC 15 byte count off', `0f 0000 000a 01 ff`, bad(3, /byte count 1 does not match 10 coils/)],
  ['FC 15 data short', `0f 0000 000a 02 ff`, bad(3, /does not match a PDU/)],
  ['FC 15 wraps', `0f ffff 0002 01 03`, bad(2, /wraps/)],
  // FC 16: quantity 1..123
  ['FC 16 q=2', `10 0000 0002 04 0001 0002`, ok('write-registers', 'write', true)],
  ['FC 16 q=123', `10 0000 ${w(123)} f6 ${'00'.repeat(246)}`, ok('write-registers', 'write', true)],
  ['FC 16 q=0', `10 0000 0000 00 0000`, bad(3, /quantity 0/)],
  [
    'FC 16 byte count odd',
    `10 0000 0002 03 000100`,
    bad(3, /byte count 3 does not match 2 registers/),
  ],
  ['FC 16 wraps', `10 ffff 0002 04 0001 0002`, bad(2, /wraps/)],
  // FC 22, 23, 24
  ['FC 22', `16 0004 00f2 0025`, ok('mask-write', 'write', true)],
  ['FC 22 length 5', `16 0004 00f2`, bad(3, /needs a PDU of 7/)],
  ['FC 23', `17 0003 0006 000e 0003 06 00ff 00ff 00ff`, ok('read-write', 'read+write', true)],
  [
    'FC 23 write q=122',
    `17 0000 0001 0000 ${w(122)} f4 0000`,
    bad(3, /write quantity 122 outside 1..121/),
  ],
  ['FC 23 read wraps', `17 ffff 0002 0000 0001 02 0000`, bad(2, /wraps/)],
  ['FC 24', `18 04de`, ok('read', 'read', false)],
  ['FC 24 length 5', `18 04de 0000`, bad(3, /needs a PDU of 3/)],
  // diagnostics, identification, files
  ['FC 7', `07`, ok('other', 'diagnostic', false)],
  ['FC 7 with data', `07 00`, bad(3, /needs a PDU of 1/)],
  ['FC 11', `0b`, ok('other', 'diagnostic', false)],
  ['FC 12', `0c`, ok('other', 'diagnostic', false)],
  ['FC 17', `11`, ok('other', 'identification', false)],
  ['FC 8/0 return query data (any length)', `08 0000 a5a5 0102`, ok('other', 'diagnostic', false)],
  ['FC 8/1 restart communications', `08 0001 0000`, ok('other', 'programming', true)],
  ['FC 8/4 force listen only', `08 0004 0000`, ok('other', 'programming', true)],
  ['FC 8/10 clear counters', `08 000a 0000`, ok('other', 'programming', true)],
  ['FC 8/11 bus message count', `08 000b 0000`, ok('other', 'diagnostic', false)],
  ['FC 8/11 length 4', `08 000b 00`, bad(3, /sub-function 11 needs a PDU of 5/)],
  ['FC 8 unknown sub-function', `08 00ff 0000 00`, ok('other', 'programming', true)],
  ['FC 8 without sub-function', `08 00`, bad(3, /needs a sub-function/)],
  ['FC 43/14 read device id', `2b 0e 01 00`, ok('other', 'identification', false)],
  ['FC 43/14 read device id code 5', `2b 0e 05 00`, bad(3, /code 5/)],
  ['FC 43/14 length 5', `2b 0e 01 00 00`, bad(3, /needs a PDU of 4/)],
  ['FC 43/13 CANopen', `2b 0d 00 00 00`, ok('other', 'programming', true)],
  ['FC 43 without MEI type', `2b`, bad(3, /needs an MEI type/)],
  ['FC 20', `14 07 06 0004 0001 0002`, ok('other', 'file', false)],
  ['FC 20 reference type 5', `14 07 05 0004 0001 0002`, bad(3, /reference type 5/)],
  ['FC 20 byte count 6', `14 06 06 0004 0001 00`, bad(3, /multiple of 7/)],
  ['FC 21', `15 0b 06 0004 0007 0002 06af 04be`, ok('file-write', 'file', true)],
  [
    'FC 21 record 10000',
    `15 0b 06 0004 2710 0001 0000`,
    bad(3, /byte count 11 does not match|outside 0..9999/),
  ],
  // vendor, user-defined, invalid
  ['FC 90 (UMAS)', `5a 00 02`, ok('other', 'programming', true)],
  ['FC 65 user-defined', `41`, ok('other', 'programming', true)],
  ['FC 100 user-defined', `64 0102`, ok('other', 'programming', true)],
  ['FC 127', `7f`, ok('other', 'programming', true)],
  ['FC 0', `00`, bad(3, /function code 0 is not a request/)],
  ['FC 128', `80 01`, bad(3, /function code 128/)],
  ['FC 255', `ff`, bad(3, /function code 255/)],
];

test('every function code and boundary: decoded, or refused with the exception a server would send', () => {
  for (const [name, pduHex, expected] of cases) {
    const r = decodeRequest(hex(pduHex));
    if ('kind' in expected) {
      assert.ok(r.ok, `${name}: ${r.ok ? '' : r.error.reason}`);
      if (r.ok)
        assert.deepEqual(
          {
            kind: r.value.kind,
            classes: r.value.classes.join('+'),
            changes: isStateChanging(r.value),
          },
          expected,
          name,
        );
    } else {
      assert.ok(!r.ok, `${name} should be refused`);
      if (!r.ok) {
        assert.equal(r.error.exception, expected.exception, name);
        assert.match(r.error.reason, expected.reason, name);
      }
    }
  }
});

test('decoded values: coils bit by bit, registers, read-write spans', () => {
  const coils = decodeRequest(hex('0f 0013 000a 02 cd01'));
  assert.ok(coils.ok && coils.value.kind === 'write-coils');
  if (coils.ok && coils.value.kind === 'write-coils')
    assert.deepEqual(coils.value.values, [
      true,
      false,
      true,
      true,
      false,
      false,
      true,
      true,
      true,
      false,
    ]);
  const regs = decodeRequest(hex('10 0001 0002 04 000a 0102'));
  if (regs.ok && regs.value.kind === 'write-registers')
    assert.deepEqual([regs.value.address, regs.value.values], [1, [10, 258]]);
  else assert.fail('FC 16 not decoded');
  const rw = decodeRequest(hex('17 0003 0006 000e 0003 06 00ff 00fe 00fd'));
  if (rw.ok && rw.value.kind === 'read-write')
    assert.deepEqual(
      [rw.value.read, rw.value.address, rw.value.values],
      [{ table: 'holdingRegisters', address: 3, quantity: 6 }, 14, [255, 254, 253]],
    );
  else assert.fail('FC 23 not decoded');
  const fifo = decodeRequest(hex('18 fff0'));
  if (fifo.ok && fifo.value.kind === 'read')
    assert.deepEqual(
      fifo.value.span,
      { table: 'holdingRegisters', address: 0xfff0, quantity: 16 },
      'the FIFO span is clipped at 65535',
    );
  else assert.fail('FC 24 not decoded');
});

test('never throws on any PDU of 0..253 random bytes', () => {
  let seed = 42;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256;
  for (let i = 0; i < 5000; i++) {
    const len = rand() % 16 === 0 ? rand() : rand() % 12;
    const b = Buffer.alloc(len);
    for (let j = 0; j < len; j++) b[j] = rand();
    if (len > 0 && rand() % 2 === 0)
      b[0] = [1, 2, 3, 4, 5, 6, 8, 15, 16, 20, 21, 22, 23, 24, 43][rand() % 15] ?? 3;
    decodeRequest(b);
  }
});
