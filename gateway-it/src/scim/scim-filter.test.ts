import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEqFilter } from './scim-filter.js';

const keys = ['userName', 'externalId'] as const;

test('eq filters: attribute names case-insensitive, escaped values, schema prefix', () => {
  assert.deepEqual(parseEqFilter('userName eq "bjensen"', keys), {
    ok: true,
    value: { key: 'userName', value: 'bjensen' },
  });
  assert.deepEqual(parseEqFilter('USERNAME EQ "a\\"b"', keys), {
    ok: true,
    value: { key: 'userName', value: 'a"b' },
  });
  assert.deepEqual(
    parseEqFilter('urn:ietf:params:scim:schemas:core:2.0:User:externalId eq "x-1"', keys),
    { ok: true, value: { key: 'externalId', value: 'x-1' } },
  );
});

test('anything but one eq on a known attribute is refused, not answered as no match', () => {
  for (const f of [
    'userName co "b"',
    'userName eq "a" or userName eq "b"',
    'emails eq "x"',
    'userName eq bjensen',
    'userName pr',
    '',
  ])
    assert.equal(parseEqFilter(f, keys).ok, false, f);
});
