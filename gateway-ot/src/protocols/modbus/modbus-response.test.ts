import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRequest } from './modbus-request.js';
import { checkResponse } from './modbus-response.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

/** [name, request PDU, response PDU, expected: 'ok', an exception code, or the error's pattern]. */
const cases: [string, string, string, 'ok' | number | RegExp][] = [
  ['FC 3 two registers', '03 0000 0002', '03 04 0001 0002', 'ok'],
  ['FC 3 byte count short', '03 0000 0002', '03 02 0001', /byte count 2, expected 4/],
  [
    'FC 3 data longer than its byte count',
    '03 0000 0002',
    '03 04 0001 0002 00',
    /byte count 4 but 5 data bytes/,
  ],
  ['FC 1 ten coils: two bytes', '01 0000 000a', '01 02 ff03', 'ok'],
  ['FC 1 ten coils: one byte', '01 0000 000a', '01 01 ff', /expected 2/],
  ['exception 02', '03 0000 0002', '83 02', 2],
  ['exception with extra bytes', '03 0000 0002', '83 02 00', /exception response of 3 bytes/],
  [
    'other function code',
    '03 0000 0002',
    '04 04 0001 0002',
    /function 4 answers a request for function 3/,
  ],
  ['empty', '03 0000 0002', '', /empty response/],
  ['FC 6 echo', '06 0001 0003', '06 0001 0003', 'ok'],
  ['FC 6 echo of another value', '06 0001 0003', '06 0001 0004', /does not echo/],
  ['FC 16 address and quantity', '10 0001 0002 04 000a 0102', '10 0001 0002', 'ok'],
  ['FC 16 wrong quantity', '10 0001 0002 04 000a 0102', '10 0001 0001', /does not echo/],
  ['FC 22 echo', '16 0004 00f2 0025', '16 0004 00f2 0025', 'ok'],
  ['FC 23 read half', '17 0003 0002 000e 0001 02 00ff', '17 04 0001 0002', 'ok'],
  ['FC 8 echoes the sub-function', '08 0000 a5a5', '08 0000 a5a5', 'ok'],
  ['FC 8 other sub-function', '08 0000 a5a5', '08 0001 a5a5', /sub-function/],
  ['FC 43 MEI echo', '2b 0e 01 00', '2b 0e 01 01 00 00 01 00 03 414243', 'ok'],
  ['FC 43 other MEI', '2b 0e 01 00', '2b 0d 01', /MEI type/],
  ['FC 24 FIFO', '18 0004', '18 0006 0002 01b8 1284', 'ok'],
  ['FC 24 counts disagree', '18 0004', '18 0006 0003 01b8 1284', /fifo/],
  ['FC 90 opaque: function code only', '5a 00 02', '5a fe 00 11', 'ok'],
];

test('responses must answer the request they claim to answer', () => {
  for (const [name, req, res, expected] of cases) {
    const decoded = decodeRequest(hex(req));
    assert.ok(decoded.ok, name);
    if (!decoded.ok) continue;
    const r = checkResponse(decoded.value, hex(req), hex(res));
    if (expected === 'ok') assert.deepEqual(r, { ok: true, value: { exception: undefined } }, name);
    else if (typeof expected === 'number')
      assert.deepEqual(r, { ok: true, value: { exception: expected } }, name);
    else {
      assert.equal(r.ok, false, name);
      if (!r.ok) assert.match(r.error, expected, name);
    }
  }
});
