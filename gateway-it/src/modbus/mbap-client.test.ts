import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import { AirlockError } from '../../../shared/src/errors.js';
import { MbapClient } from './mbap-client.js';
import { pointTables } from './portal-points.js';

/** A device end: records what the client wrote; the test pushes answers with `answer`. */
function device(): { stream: Duplex; sent: Buffer[]; answer(bytes: Buffer): void } {
  const sent: Buffer[] = [];
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      sent.push(chunk);
      cb();
    },
  });
  return { stream, sent, answer: (bytes) => stream.push(bytes) };
}

const frame = (tid: number, unit: number, pdu: number[]): Buffer => {
  const h = Buffer.alloc(7);
  h.writeUInt16BE(tid, 0);
  h.writeUInt16BE(pdu.length + 1, 4);
  h.writeUInt8(unit, 6);
  return Buffer.concat([h, Buffer.from(pdu)]);
};

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test('reads registers: the frame built, an answer split across chunks, a stray answer dropped', async () => {
  const d = device();
  const c = new MbapClient(d.stream, 60_000);
  const pending = c.read(1, 'holdingRegisters', 9, 2);
  await settle();
  assert.deepEqual(d.sent[0], frame(1, 1, [3, 0, 9, 0, 2]));
  const answer = frame(1, 1, [3, 4, 0x05, 0x46, 0xff, 0x38]);
  d.answer(frame(77, 1, [3, 2, 0, 0])); // answers nothing asked
  d.answer(answer.subarray(0, 5));
  d.answer(answer.subarray(5));
  assert.deepEqual(await pending, { ok: true, value: [1350, 65336] });
});

test('reads coils as bits and returns an exception by code and name', async () => {
  const d = device();
  const c = new MbapClient(d.stream, 60_000);
  const bits = c.read(1, 'coils', 0, 10);
  await settle();
  d.answer(frame(1, 1, [1, 2, 0b10100001, 0b10]));
  assert.deepEqual(await bits, { ok: true, value: [1, 0, 0, 0, 0, 1, 0, 1, 0, 1] });
  const refused = c.writeSingle(1, 'holdingRegisters', 0, 1900);
  await settle();
  assert.deepEqual(d.sent[1], frame(2, 1, [6, 0, 0, 0x07, 0x6c]));
  d.answer(frame(2, 1, [0x86, 0x03]));
  assert.deepEqual(await refused, {
    ok: false,
    exception: { code: 3, text: '03 illegal data value' },
  });
});

test('a write succeeds only on an exact echo; a wrong byte count or another unit poisons the client', async () => {
  const d = device();
  const c = new MbapClient(d.stream, 60_000);
  const coil = c.writeSingle(1, 'coils', 11, 1);
  await settle();
  assert.deepEqual(d.sent[0], frame(1, 1, [5, 0, 11, 0xff, 0x00]));
  d.answer(frame(1, 1, [5, 0, 11, 0, 0]));
  await assert.rejects(
    coil,
    (e: unknown) => e instanceof AirlockError && e.code === 'modbus.bad_answer',
  );
  await assert.rejects(c.read(1, 'inputRegisters', 0, 1), /not echoed/);

  const d2 = device();
  const c2 = new MbapClient(d2.stream, 60_000);
  const r = c2.read(1, 'inputRegisters', 0, 2);
  await settle();
  d2.answer(frame(1, 2, [4, 4, 0, 1, 0, 2]));
  await assert.rejects(r, /another unit or function/);

  const d3 = device();
  const c3 = new MbapClient(d3.stream, 60_000);
  const short = c3.read(1, 'inputRegisters', 0, 2);
  await settle();
  d3.answer(frame(1, 1, [4, 2, 0, 1]));
  await assert.rejects(short, /2 data bytes, expected 4/);
});

test('a closed stream fails the request in flight', async () => {
  const d = device();
  const c = new MbapClient(d.stream, 60_000);
  const r = c.read(1, 'holdingRegisters', 0, 1);
  await settle();
  d.stream.push(null);
  d.stream.resume();
  await assert.rejects(
    r,
    (e: unknown) => e instanceof AirlockError && e.code === 'modbus.stream_closed',
  );
});

test('point tables merge readable and writable addresses with their bounds', () => {
  const tables = pointTables({
    unitIds: [1],
    functions: ['read', 'write'],
    tables: {
      coils: { read: [{ from: 0, to: 1 }], write: [{ from: 1, to: 2, value: false }] },
      holdingRegisters: {
        read: [{ from: 0, to: 0 }],
        write: [{ from: 0, to: 0, min: -5, max: 5, signed: true }],
      },
    },
  });
  assert.deepEqual(
    tables.map((t) => t.points.map((p) => [p.table, p.address, p.readable, p.write])),
    [
      [
        ['coils', 0, true, undefined],
        ['coils', 1, true, { min: 0, max: 1, signed: false, only: 0 }],
        ['coils', 2, false, { min: 0, max: 1, signed: false, only: 0 }],
      ],
      [['holdingRegisters', 0, true, { min: -5, max: 5, signed: true }]],
    ],
  );
  const big = pointTables({
    unitIds: [1],
    functions: [],
    tables: { inputRegisters: { read: [{ from: 0, to: 65535 }] } },
  });
  assert.equal(big[0]?.points.length, 200);
  assert.equal(big[0]?.truncated, true);
});
