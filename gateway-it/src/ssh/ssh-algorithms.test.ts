import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAcceptedSignatureAlgorithm, signatureAlgorithmOf } from './ssh-algorithms.js';

test('publickey signature algorithms: SHA-2 RSA, ECDSA and Ed25519 only', () => {
  const cases: [string, string | undefined, string, boolean][] = [
    ['ssh-ed25519', undefined, 'ssh-ed25519', true],
    ['ecdsa-sha2-nistp256', 'sha256', 'ecdsa-sha2-nistp256', true],
    ['ecdsa-sha2-nistp521', 'sha512', 'ecdsa-sha2-nistp521', true],
    ['ssh-rsa', 'sha512', 'rsa-sha2-512', true],
    ['ssh-rsa', 'sha256', 'rsa-sha2-256', true],
    ['ssh-rsa', undefined, 'ssh-rsa', false],
    ['ssh-dss', undefined, 'ssh-dss', false],
    ['ecdsa-sha2-nistp521rsa-sha2-512', undefined, 'ecdsa-sha2-nistp521rsa-sha2-512', false],
  ];
  for (const [keyAlgo, hash, name, accepted] of cases) {
    assert.equal(signatureAlgorithmOf(keyAlgo, hash), name);
    assert.equal(isAcceptedSignatureAlgorithm(name), accepted, name);
  }
});
