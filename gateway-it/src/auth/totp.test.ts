import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTotp, totpQrSvg, totpUri } from './totp.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import {
  generateRecoveryCodes,
  hashRecoveryCode,
  normalizeRecoveryCode,
} from './recovery-codes.js';

useCrypto();

// RFC 6238 appendix B (SHA-1 key "12345678901234567890"), reduced to 6 digits (the last six of the 8-digit values).
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const VECTORS: readonly [seconds: number, code: string][] = [
  [59, '287082'],
  [1111111109, '081804'],
  [1111111111, '050471'],
  [1234567890, '005924'],
  [2000000000, '279037'],
];

test('RFC 6238 vectors verify, each at its own time step', () => {
  for (const [t, code] of VECTORS) {
    const r = checkTotp({ secret: SECRET, code, nowMs: t * 1000, lastStep: null, driftSteps: 0 });
    assert.deepEqual(r, { ok: true, step: Math.floor(t / 30) }, `t=${t}`);
  }
});

test('a used step is a replay; an earlier step too; the next one passes', () => {
  const t = 1111111109 * 1000;
  const first = checkTotp({
    secret: SECRET,
    code: '081804',
    nowMs: t,
    lastStep: null,
    driftSteps: 1,
  });
  assert.ok(first.ok);
  assert.deepEqual(
    checkTotp({ secret: SECRET, code: '081804', nowMs: t, lastStep: first.step, driftSteps: 1 }),
    { ok: false, reason: 'replay' },
  );
  assert.deepEqual(
    checkTotp({
      secret: SECRET,
      code: '081804',
      nowMs: t,
      lastStep: first.step + 1,
      driftSteps: 1,
    }),
    { ok: false, reason: 'replay' },
  );
});

test('drift: one step either side with driftSteps 1, none with 0; malformed codes are not even tried', () => {
  const t = 1111111109 * 1000;
  assert.equal(
    checkTotp({ secret: SECRET, code: '081804', nowMs: t + 30_000, lastStep: null, driftSteps: 1 })
      .ok,
    true,
    'one step late',
  );
  assert.deepEqual(
    checkTotp({ secret: SECRET, code: '081804', nowMs: t + 30_000, lastStep: null, driftSteps: 0 }),
    { ok: false, reason: 'invalid' },
  );
  assert.deepEqual(
    checkTotp({ secret: SECRET, code: '081804', nowMs: t + 90_000, lastStep: null, driftSteps: 1 }),
    { ok: false, reason: 'invalid' },
    'three steps late',
  );
  for (const bad of ['', '12345', '1234567', 'abcdef', '08180x'])
    assert.deepEqual(
      checkTotp({ secret: SECRET, code: bad, nowMs: t, lastStep: null, driftSteps: 1 }),
      { ok: false, reason: 'malformed' },
      bad,
    );
  assert.equal(
    checkTotp({ secret: SECRET, code: ' 081 804 ', nowMs: t, lastStep: null, driftSteps: 0 }).ok,
    true,
    'spaces as typed are fine',
  );
});

test('enrollment material: otpauth URI and an SVG QR code', async () => {
  const uri = totpUri('Airlock', 'alice', SECRET);
  assert.match(uri, /^otpauth:\/\/totp\/Airlock:alice\?/);
  assert.match(uri, new RegExp(`secret=${SECRET}`));
  const svg = await totpQrSvg(uri);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
});

test('recovery codes: ten distinct 80-bit codes, typed any way, hashed per user', () => {
  const codes = generateRecoveryCodes();
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const c of codes) assert.match(c, /^[a-km-np-z2-9]{4}(-[a-km-np-z2-9]{4}){3}$/);
  const c = codes[0] ?? '';
  assert.equal(normalizeRecoveryCode(c.toUpperCase().replace(/-/g, ' ')), c.replace(/-/g, ''));
  assert.equal(hashRecoveryCode('usr_1', c), hashRecoveryCode('usr_1', c.toUpperCase()));
  assert.notEqual(
    hashRecoveryCode('usr_1', c),
    hashRecoveryCode('usr_2', c),
    'a hash is bound to its user',
  );
  assert.equal(normalizeRecoveryCode('0000-1111-llll-oooo'), undefined);
});
