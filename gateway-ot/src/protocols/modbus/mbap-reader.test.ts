import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MbapReader } from './mbap-reader.js';
import { encodeFrame } from './modbus-pdu.js';

const frames = [
  encodeFrame(1, 1, Buffer.from('0300000002', 'hex')),
  encodeFrame(2, 7, Buffer.from('10000a00020400010002', 'hex')),
  encodeFrame(0xffff, 0, Buffer.of(0x2b, 0x0e, 0x01, 0x00)),
];
const stream = Buffer.concat(frames);

function drain(r: MbapReader): string[] {
  const out: string[] = [];
  for (let f = r.next(); f !== undefined; f = r.next()) {
    assert.ok(f.ok, f.ok ? '' : f.error.reason);
    out.push(`${f.value.transactionId}/${f.value.unitId}/${f.value.pdu.toString('hex')}`);
  }
  return out;
}

const expected = ['1/1/0300000002', '2/7/10000a00020400010002', '65535/0/2b0e0100'];

test('frames split at every offset, and at every pair of offsets, come out whole and in order', () => {
  for (let a = 0; a <= stream.length; a++) {
    for (let b = a; b <= stream.length; b++) {
      const r = new MbapReader();
      const got: string[] = [];
      for (const part of [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]) {
        r.push(part);
        got.push(...drain(r));
      }
      assert.deepEqual(got, expected, `split at ${a} and ${b}`);
      assert.equal(r.pending, 0);
    }
  }
});

test('byte by byte, and several frames in one read', () => {
  const r = new MbapReader();
  const got: string[] = [];
  for (const byte of stream) {
    r.push(Buffer.of(byte));
    got.push(...drain(r));
  }
  assert.deepEqual(got, expected);
  const r2 = new MbapReader();
  r2.push(Buffer.concat([stream, stream]));
  assert.deepEqual(drain(r2), [...expected, ...expected]);
});

test('a bad header fails as soon as its six bytes are there, and the reader stays failed', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['protocol id 1', Buffer.from('000100010006', 'hex'), /protocol id 1/],
    ['length 0', Buffer.from('000100000000', 'hex'), /length field 0/],
    ['length 1', Buffer.from('000100000001', 'hex'), /length field 1 /],
    ['length 255', Buffer.from('0001000000ff', 'hex'), /length field 255/],
    ['length 65535', Buffer.from('00010000ffff', 'hex'), /length field 65535/],
  ];
  for (const [name, header, reason] of cases) {
    const r = new MbapReader();
    r.push(header.subarray(0, 5));
    assert.equal(r.next(), undefined, `${name}: five bytes are not enough to judge`);
    r.push(header.subarray(5));
    const f = r.next();
    assert.ok(f !== undefined && !f.ok, name);
    if (f !== undefined && !f.ok) {
      assert.match(f.error.reason, reason, name);
      assert.equal(f.error.transactionId, 1);
    }
    r.push(frames[0] ?? Buffer.alloc(0));
    assert.equal(r.next()?.ok, false, `${name}: no resynchronisation after an error`);
  }
});

test('the largest frame (PDU of 253 bytes) is accepted', () => {
  const r = new MbapReader();
  r.push(encodeFrame(9, 1, Buffer.alloc(253, 0x5a)));
  const f = r.next();
  assert.ok(f?.ok);
  if (f?.ok) assert.equal(f.value.pdu.length, 253);
});
