import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePointWrite, parseValueAs } from './opcua-write-value.js';

const form = (over: Record<string, unknown> = {}) => ({
  namespace: 'urn:airlock:sim:plant',
  node: 's=Line1.Setpoint',
  dataType: 'Double',
  value: '42.5',
  ...over,
});

test('a write form parses into a typed value by its data type', () => {
  assert.deepEqual(parsePointWrite(form()), {
    ok: true,
    value: {
      namespaceUri: 'urn:airlock:sim:plant',
      identifier: 's=Line1.Setpoint',
      dataType: 'Double',
      value: 42.5,
    },
  });
  assert.deepEqual(parseValueAs('Boolean', 'true'), { ok: true, value: true });
  assert.deepEqual(parseValueAs('Int16', '-32768'), { ok: true, value: -32768 });
  assert.deepEqual(parseValueAs('String', 'batch 7'), { ok: true, value: 'batch 7' });
  assert.equal(
    parsePointWrite(form({ node: 'i=1001', dataType: 'UInt32', value: '4294967295' })).ok,
    true,
  );
});

test('bad values and fields are refused with the field named', () => {
  const problems = (over: Record<string, unknown>) => {
    const r = parsePointWrite(form(over));
    assert.equal(r.ok, false);
    return r.ok ? [] : r.error.map((p) => p.path);
  };
  assert.deepEqual(problems({ value: 'sixty' }), ['value']);
  assert.deepEqual(problems({ value: '' }), ['value']);
  assert.deepEqual(problems({ value: 'Infinity' }), ['value']);
  assert.deepEqual(problems({ dataType: 'Byte', value: '256' }), ['value']);
  assert.deepEqual(problems({ dataType: 'Int32', value: '1.5' }), ['value']);
  assert.deepEqual(problems({ dataType: 'Float', value: '1e39' }), ['value']);
  assert.deepEqual(problems({ dataType: 'Boolean', value: '1' }), ['value']);
  assert.deepEqual(problems({ dataType: 'DateTime' }), ['dataType']);
  assert.deepEqual(problems({ node: 'ns=2;s=Line1.Setpoint' }), ['node']);
  assert.deepEqual(problems({ namespace: '' }), ['namespace']);
  assert.deepEqual(problems({ value: ['1', '2'] }), ['value']);
  assert.deepEqual(problems({ extra: 'x' }), ['extra']);
  assert.deepEqual(problems({ value: undefined }), ['value']);
});
