/**
 * The SSH client algorithms of the local policy: only names ssh2 implements (checked against
 * ssh2's own list), each once; an asset's list replaces the hardened default for its kind only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { parseWith } from '../../../../shared/src/config/format-issues.js';
import { formatProblems } from '../../../../shared/src/result.js';
import {
  DEFAULT_CLIENT_ALGORITHMS,
  resolveClientAlgorithms,
  SUPPORTED_CLIENT_ALGORITHMS,
} from './ssh-client-algorithms.js';
import { sshAlgorithmsSchema } from './ssh-policy.js';

test('every algorithm the policy may name is one ssh2 implements', () => {
  // ssh2's internal table (what its KEXINIT accepts), read here only to keep our list honest.
  const constants = createRequire(import.meta.url)('ssh2/lib/protocol/constants.js') as Record<
    string,
    string[]
  >;
  const theirs = {
    kex: 'SUPPORTED_KEX',
    serverHostKey: 'SUPPORTED_SERVER_HOST_KEY',
    cipher: 'SUPPORTED_CIPHER',
    mac: 'SUPPORTED_MAC',
    compress: 'SUPPORTED_COMPRESSION',
  } as const;
  for (const [kind, name] of Object.entries(theirs)) {
    const ours = SUPPORTED_CLIENT_ALGORITHMS[kind as keyof typeof theirs] as readonly string[];
    for (const a of ours) assert.ok(constants[name]?.includes(a), `${kind} ${a}`);
  }
});

test('the default is hardened: curve25519, AEAD, ETM SHA-2, no compression, no ECDSA or SHA-1 host keys', () => {
  const d = DEFAULT_CLIENT_ALGORITHMS;
  assert.ok(d.kex.every((k) => k.startsWith('curve25519-sha256')));
  assert.ok(d.cipher.every((c) => /poly1305|gcm/.test(c)));
  assert.ok(d.mac.every((m) => m.endsWith('-etm@openssh.com') && !m.includes('sha1')));
  assert.deepEqual(d.compress, ['none']);
  assert.deepEqual(d.serverHostKey, ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256']);
});

test('an asset list replaces the default for its kind only; bad lists are refused, named', () => {
  const r = parseWith(sshAlgorithmsSchema, { kex: ['diffie-hellman-group14-sha256'] });
  assert.ok(r.ok);
  const resolved = resolveClientAlgorithms(r.value);
  assert.deepEqual(resolved.kex, ['diffie-hellman-group14-sha256']);
  assert.deepEqual(resolved.cipher, DEFAULT_CLIENT_ALGORITHMS.cipher);
  assert.deepEqual(resolveClientAlgorithms(undefined), DEFAULT_CLIENT_ALGORITHMS);
  const cases: [unknown, RegExp][] = [
    [{ kex: ['sntrup761x25519-sha512@openssh.com'] }, /kex\[0\]/],
    [{ cipher: [] }, /cipher/],
    [{ mac: ['hmac-sha1', 'hmac-sha1'] }, /mac: an algorithm is listed twice/],
    [{ hostKey: ['ssh-rsa'] }, /hostKey/],
  ];
  for (const [input, message] of cases) {
    const bad = parseWith(sshAlgorithmsSchema, input);
    assert.equal(bad.ok, false, JSON.stringify(input));
    if (!bad.ok) assert.match(formatProblems(bad.error), message);
  }
});
