import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { useCrypto } from '../testing/crypto.js';
import { makeTempDir } from '../testing/temp-dir.js';
import { canonicalJson, CanonicalEncodingError } from './canonical.js';
import {
  blake2bHex,
  createBlake2b,
  formatFingerprint,
  normalizeFingerprint,
  sha256Hex,
} from './hash.js';
import {
  generateSigningKeyPair,
  signObject,
  verifyObject,
  verifySignature,
  publicKeyOf,
} from './signing.js';
import { fromBase64Url, toBase64Url, utf8 } from './encoding.js';
import { sealSecret, openSecret, generateAeadKey } from './aead.js';
import { loadOrCreateSigningKey, readSecretFile } from './key-file.js';
import { loadOrCreateTlsIdentity } from './tls-identity.js';
import { hashPassword, verifyPassword } from './password-hash.js';

useCrypto();

test('canonical JSON sorts keys at every depth and drops undefined properties', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [1, 'x'], c: null }, u: undefined }),
    '{"a":{"c":null,"d":[1,"x"]},"b":1}',
  );
  assert.equal(canonicalJson({ é: 1, e: 2, Z: 3 }), '{"Z":3,"e":2,"é":1}');
});

test('canonical JSON refuses values it cannot represent faithfully', () => {
  assert.throws(() => canonicalJson({ n: NaN }), CanonicalEncodingError);
  assert.throws(() => canonicalJson({ n: Infinity }), /n: non-finite/);
  assert.throws(() => canonicalJson([1, undefined]), /undefined in array/);
  assert.throws(() => canonicalJson({ b: new Uint8Array(2) }), /bytes must be encoded/);
  assert.throws(() => canonicalJson({ d: new Date(0) }), /only plain objects/);
  assert.throws(() => canonicalJson({ x: 1n }), /cannot encode bigint/);
});

test('BLAKE2b matches the RFC 7693 test vector and streams the same as one shot', () => {
  // BLAKE2b-512("abc"), RFC 7693 appendix A.
  assert.equal(
    blake2bHex('abc', 64),
    'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923',
  );
  const h = createBlake2b();
  h.update('a');
  h.update(utf8('bc'));
  assert.equal(h.digestHex(), blake2bHex('abc'));
  assert.equal(
    sha256Hex('abc'),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
});

test('fingerprints normalise from any common spelling', () => {
  const hex = sha256Hex('x');
  assert.equal(normalizeFingerprint(formatFingerprint(hex)), hex);
  assert.equal(normalizeFingerprint(`SHA256:${hex.toUpperCase()}`), hex);
  assert.equal(normalizeFingerprint('abc'), undefined);
});

test('Ed25519 object signatures verify only for the same canonical content and key', () => {
  const kp = generateSigningKeyPair();
  const other = generateSigningKeyPair();
  const sig = signObject({ b: 2, a: 1 }, kp.secretKey);
  assert.equal(verifyObject(sig, { a: 1, b: 2 }, kp.publicKey), true);
  assert.equal(verifyObject(sig, { a: 1, b: 3 }, kp.publicKey), false);
  assert.equal(verifyObject(sig, { a: 1, b: 2 }, other.publicKey), false);
  assert.equal(verifySignature(sig.subarray(1), utf8('x'), kp.publicKey), false);
  assert.equal(verifySignature(sig, utf8('x'), new Uint8Array(5)), false);
  assert.deepEqual(publicKeyOf(kp.secretKey), kp.publicKey);
});

test('base64url decoding rejects non-canonical and wrong-length input', () => {
  const bytes = new Uint8Array([1, 2, 3, 250]);
  const text = toBase64Url(bytes);
  const back = fromBase64Url(text, 4);
  assert.ok(back.ok);
  assert.equal(fromBase64Url(text, 5).ok, false);
  assert.equal(fromBase64Url(`${text}==`).ok, false);
  assert.equal(fromBase64Url('a+b/').ok, false);
});

test('sealed secrets open only with the same key and owner', () => {
  const key = generateAeadKey();
  const sealed = sealSecret(utf8('s3cret'), key, 'asset:hmi-1');
  assert.equal(Buffer.from(openSecret(sealed, key, 'asset:hmi-1')).toString(), 's3cret');
  assert.throws(() => openSecret(sealed, key, 'asset:plc-1'), /does not decrypt/);
  assert.throws(() => openSecret(sealed, generateAeadKey(), 'asset:hmi-1'), /does not decrypt/);
  const flipped = new Uint8Array(sealed);
  flipped[30] = (flipped[30] ?? 0) ^ 1;
  assert.throws(() => openSecret(flipped, key, 'asset:hmi-1'), /does not decrypt/);
  assert.notDeepEqual(sealSecret(utf8('s3cret'), key, 'a'), sealSecret(utf8('s3cret'), key, 'a'));
});

test('signing keys are created 0600 once and refused when readable by others', (t) => {
  const dir = makeTempDir(t);
  const path = join(dir, 'keys', 'signing.key');
  const kp = loadOrCreateSigningKey(path);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(loadOrCreateSigningKey(path).publicKey, kp.publicKey);
  chmodSync(path, 0o644);
  assert.throws(
    () => loadOrCreateSigningKey(path),
    /accessible by group or others \(mode 644\); run chmod 600/,
  );
  const short = join(dir, 'short.key');
  writeFileSync(short, 'abc', { mode: 0o600 });
  assert.throws(() => readSecretFile(short, 64), /holds 3 bytes, expected 64/);
});

test('a self-signed TLS identity is created once, with SANs, and keeps its fingerprint', async (t) => {
  const dir = makeTempDir(t);
  const opts = {
    certPath: join(dir, 'tls.crt'),
    keyPath: join(dir, 'tls.key'),
    hostnames: ['localhost', '127.0.0.1'],
    commonName: 'airlock-it',
  };
  const a = await loadOrCreateTlsIdentity(opts);
  const b = await loadOrCreateTlsIdentity(opts);
  assert.equal(a.fingerprint, b.fingerprint);
  assert.match(a.fingerprint, /^[0-9a-f]{64}$/);
  const cert = new X509Certificate(a.certPem);
  assert.match(cert.subjectAltName ?? '', /DNS:localhost/);
  assert.match(cert.subjectAltName ?? '', /IP Address:127.0.0.1/);
  assert.equal(statSync(opts.keyPath).mode & 0o777, 0o600);
});

test('argon2id password hashes verify the right password only', () => {
  const h = hashPassword('correct horse battery staple');
  assert.match(h, /^\$argon2id\$/);
  assert.equal(verifyPassword(h, 'correct horse battery staple'), true);
  assert.equal(verifyPassword(h, 'correct horse battery stapler'), false);
  assert.equal(verifyPassword('plain', 'plain'), false);
});
