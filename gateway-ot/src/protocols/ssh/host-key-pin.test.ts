import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprintOf, isPinnedKey, parseHostKeyPin } from './host-key-pin.js';

const blob = (type: string, body: string): Buffer => {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(body)]);
};

test('host key pins: key lines and SHA256 fingerprints', () => {
  const key = blob('ssh-ed25519', 'k'.repeat(36));
  const other = blob('ssh-ed25519', 'o'.repeat(36));
  const line = parseHostKeyPin(`ssh-ed25519 ${key.toString('base64')} root@hmi`);
  assert.ok(line.ok);
  assert.equal(isPinnedKey(line.value, key), true);
  assert.equal(isPinnedKey(line.value, other), false);
  const fp = parseHostKeyPin(fingerprintOf(key));
  assert.ok(fp.ok);
  assert.equal(isPinnedKey(fp.value, key), true);
  assert.equal(isPinnedKey(fp.value, other), false);
  assert.equal(
    parseHostKeyPin(`ssh-rsa ${key.toString('base64')}`).ok,
    false,
    'type and blob disagree',
  );
  assert.equal(parseHostKeyPin('hmi-1.plant').ok, false);
  assert.equal(parseHostKeyPin('SHA256:short').ok, false);
});
