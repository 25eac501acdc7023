import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SoftAuthenticator } from '../testing/soft-authenticator.js';
import {
  isCounterRegression,
  parseAssertion,
  relyingPartyFor,
  verifyPasskeyAssertion,
  type AuthenticationResponseJSON,
} from './webauthn.js';

const rp = { id: 'airlock.example.com', origins: ['https://airlock.example.com:8443'] };
const challenge = 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6';
const good = {
  rpId: rp.id,
  origin: 'https://airlock.example.com:8443',
  challenge,
  counter: 5,
  userVerified: true,
};

function check(
  key: SoftAuthenticator,
  response: AuthenticationResponseJSON,
  opts: { counter?: number; uv?: boolean } = {},
) {
  return verifyPasskeyAssertion({
    response,
    expectedChallenge: challenge,
    rp,
    credential: {
      credentialId: key.credentialId,
      publicKey: key.publicKey,
      counter: opts.counter ?? 4,
    },
    requireUserVerification: opts.uv ?? true,
  });
}

test('a genuine assertion verifies and reports the new counter and user verification', async () => {
  const key = new SoftAuthenticator();
  const r = await check(key, key.assert(good));
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.value.newCounter, 5);
  assert.equal(r.value.userVerified, true);
  assert.equal(r.value.origin, good.origin);
});

test('each forged field is refused with its reason', async () => {
  const key = new SoftAuthenticator();
  const cases: [string, AuthenticationResponseJSON, string][] = [
    ['another origin', key.assert({ ...good, origin: 'https://evil.example.com' }), 'wrong_origin'],
    [
      'another port',
      key.assert({ ...good, origin: 'https://airlock.example.com' }),
      'wrong_origin',
    ],
    ['another RP id', key.assert({ ...good, rpId: 'example.com' }), 'wrong_rp'],
    ['another challenge', key.assert({ ...good, challenge: 'x'.repeat(32) }), 'wrong_challenge'],
    ['a registration', key.assert({ ...good, type: 'webauthn.create' }), 'wrong_type'],
    ['no user presence', key.assert({ ...good, userPresent: false }), 'user_not_present'],
    ['no user verification', key.assert({ ...good, userVerified: false }), 'user_not_verified'],
    ['the same counter', key.assert({ ...good, counter: 4 }), 'counter_regressed'],
    ['a lower counter', key.assert({ ...good, counter: 1 }), 'counter_regressed'],
  ];
  for (const [what, response, reason] of cases) {
    const r = await check(key, response);
    assert.deepEqual(r, { ok: false, error: reason }, what);
  }
});

test('a signature by another key, or over other data, is refused', async () => {
  const key = new SoftAuthenticator();
  const other = new SoftAuthenticator();
  const forged = { ...other.assert(good), id: key.credentialId, rawId: key.credentialId };
  assert.deepEqual(await check(key, forged), { ok: false, error: 'bad_signature' });
  const genuine = key.assert(good);
  const tampered = key.assert({ ...good, counter: 9 });
  const spliced = {
    ...genuine,
    response: { ...genuine.response, authenticatorData: tampered.response.authenticatorData },
  };
  assert.deepEqual(await check(key, spliced), { ok: false, error: 'bad_signature' });
  assert.deepEqual(await check(other, genuine), { ok: false, error: 'wrong_credential' });
});

test('without required user verification, presence is enough', async () => {
  const key = new SoftAuthenticator();
  const r = await check(key, key.assert({ ...good, userVerified: false }), { uv: false });
  assert.ok(r.ok);
  assert.equal(r.value.userVerified, false);
});

test('counters: both zero means none kept; otherwise they must move forward', () => {
  assert.equal(isCounterRegression(0, 0), false);
  assert.equal(isCounterRegression(0, 1), false);
  assert.equal(isCounterRegression(3, 4), false);
  assert.equal(isCounterRegression(3, 3), true);
  assert.equal(isCounterRegression(3, 0), true);
});

test('parseAssertion refuses what is not an assertion, without throwing', () => {
  for (const text of ['', 'null', '{}', '{"id":"a b","rawId":"x","type":"public-key"}', '[1]']) {
    assert.equal(parseAssertion(text).ok, false, text);
  }
  const key = new SoftAuthenticator();
  const r = parseAssertion(JSON.stringify(key.assert(good)));
  assert.ok(r.ok);
  assert.equal(r.value.id, key.credentialId);
});

test('the relying party comes from the public URL; an IP address cannot be one', () => {
  assert.deepEqual(relyingPartyFor('https://airlock.example.com:8443/x', 'Airlock'), {
    ok: true,
    value: {
      id: 'airlock.example.com',
      origins: ['https://airlock.example.com:8443'],
      name: 'Airlock',
    },
  });
  const ip = relyingPartyFor('https://127.0.0.1:8443', 'Airlock');
  assert.equal(ip.ok, false);
  assert.match(ip.ok ? '' : ip.error, /host name, not an IP address/);
});
