import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../testing/crypto.js';
import { generateSigningKeyPair } from '../crypto/signing.js';
import { formatProblems } from '../result.js';
import { openSignedTicket, signTicket, type SessionTicket } from './session-ticket.js';

useCrypto();

const ticket: SessionTicket = {
  v: 1,
  sessionId: 'ses_1',
  grantId: 'grt_1',
  user: { id: 'usr_1', name: 'alice' },
  site: 'plant-1',
  asset: 'hmi-1',
  protocol: 'ssh',
  profile: 'maintenance',
  channel: 'ssh-session',
  grantNotBefore: 1000,
  grantNotAfter: 2000,
  approvers: ['olga'],
  breakGlass: false,
  nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
  issuedAt: 1500,
  expiresAt: 1530,
};

test('a signed ticket opens with the signing key', () => {
  const kp = generateSigningKeyPair();
  const r = openSignedTicket(
    JSON.parse(JSON.stringify(signTicket(ticket, kp.secretKey))),
    kp.publicKey,
  );
  assert.ok(r.ok);
  assert.deepEqual(r.value, ticket);
});

test('forged, altered, extended or malformed tickets are refused with the reason', () => {
  const kp = generateSigningKeyPair();
  const signed = signTicket(ticket, kp.secretKey);
  const other = generateSigningKeyPair();
  const cases: [string, unknown, RegExp][] = [
    ['other key', signTicket(ticket, other.secretKey), /does not verify/],
    ['altered asset', { ...signed, ticket: { ...ticket, asset: 'plc-1' } }, /does not verify/],
    ['extra field', { ...signed, ticket: { ...ticket, admin: true } }, /ticket.admin: unknown key/],
    ['bad protocol', { ...signed, ticket: { ...ticket, protocol: 'telnet' } }, /ticket.protocol/],
    ['no signature', { ticket }, /signature/],
    ['not an object', 'ticket', /expected object/i],
  ];
  for (const [name, input, expected] of cases) {
    const r = openSignedTicket(input, kp.publicKey);
    assert.equal(r.ok, false, name);
    if (!r.ok) assert.match(formatProblems(r.error), expected, name);
  }
});
