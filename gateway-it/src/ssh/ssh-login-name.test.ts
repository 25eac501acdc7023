import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAssetRef, parseLoginName } from './ssh-login-name.js';

test('the SSH user name carries the user and, optionally, the target', () => {
  assert.deepEqual(parseLoginName('alice'), { ok: true, value: { user: 'alice' } });
  assert.deepEqual(parseLoginName('alice:hmi-1'), {
    ok: true,
    value: { user: 'alice', target: { asset: 'hmi-1' } },
  });
  assert.deepEqual(parseLoginName('alice:plant-1/hmi-1'), {
    ok: true,
    value: { user: 'alice', target: { site: 'plant-1', asset: 'hmi-1' } },
  });
  // `+` for `:`, so that scp's host:path parsing leaves the user name whole.
  assert.deepEqual(parseLoginName('alice+hmi-1'), parseLoginName('alice:hmi-1'));
  assert.deepEqual(parseLoginName('alice+plant-1/hmi-1'), {
    ok: true,
    value: { user: 'alice', target: { site: 'plant-1', asset: 'hmi-1' } },
  });
  for (const bad of [
    'alice+',
    'alice+hmi-1:x',
    'alice:hmi-1+x',
    'alice++hmi-1',
    '',
    'Alice',
    'alice:',
    'alice:HMI',
    'alice:a/b/c',
    'alice:../x',
    'a',
    'alice:hmi 1',
  ]) {
    assert.equal(parseLoginName(bad).ok, false, bad);
  }
  assert.deepEqual(parseAssetRef('plc-1'), { ok: true, value: { asset: 'plc-1' } });
  assert.equal(parseAssetRef('127.0.0.1:502').ok, false);
});
