import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { SoftAuthenticator } from '../../../shared/src/testing/soft-authenticator.js';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import type { UserId } from '../../../shared/src/ids.js';
import type { RequestRow } from '../store/store.js';
import type { Actor } from './visibility.js';
import { APPROVAL_CHALLENGE_TTL_MS, OwnerSignedApprovals } from './owner-signed-approval.js';

const ORIGIN = 'https://localhost:8443';
const row: RequestRow = {
  id: 'req_1',
  requesterId: 'u_alice',
  site: 'plant-1',
  startsAt: 1000,
  endsAt: 9_000_000_000_000,
  reason: 'fix',
  ticketRef: null,
  breakGlass: false,
  status: 'pending',
  requiredApprovals: 1,
  createdAt: 500,
  closedAt: null,
};
const olga: Actor = {
  id: 'u_olga' as UserId,
  name: 'olga',
  roles: [{ role: 'ot-owner', site: 'plant-1' }],
  state: 'active',
  contractEnd: null,
  canBreakGlass: false,
};

function setup() {
  const key = new SoftAuthenticator();
  const clock = new FakeClock(1_000_000);
  const audited: Record<string, unknown>[] = [];
  const sig = new OwnerSignedApprovals({
    audit: {
      append: (e) => {
        audited.push(e.details ?? {});
        return {} as AuditEvent;
      },
    },
    clock,
    requests: {
      assets: () => [{ asset: 'plc-1', protocol: 'modbus', profile: 'read-only' }],
      get: () => row,
    },
    views: { person: (id) => ({ id, name: 'alice' }) },
    store: {
      siteApprovals: () => ({
        mode: 'owner-signed',
        quorum: null,
        breakGlassAssets: null,
        owners: [{ name: 'olga', credentialIds: [key.credentialId] }],
      }),
      insert: () => undefined,
    },
    relyingParty: () => ({ id: 'localhost', origins: [ORIGIN], name: 'Airlock' }),
  });
  const answer = (challenge: string, o: { origin?: string; userVerified?: boolean } = {}) =>
    JSON.stringify(
      key.assert({
        rpId: 'localhost',
        origin: o.origin ?? ORIGIN,
        challenge,
        counter: 1,
        userVerified: o.userVerified ?? true,
      }),
    );
  return { sig, clock, audited, answer };
}

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof AirlockError) return e.code;
    throw e;
  }
  return 'accepted';
};

test('an approval assertion: only for the issued challenge, within 5 minutes, from our origin, verified', async () => {
  const { sig, clock, audited, answer } = setup();
  const accept = (text: string | undefined) => codeOf(() => sig.accept(olga, row, text));
  assert.equal(accept(undefined), 'approval.signature_required');
  let o = await sig.optionsFor(olga, row.id);
  assert.equal(
    accept(answer(o.challenge, { origin: 'https://evil.example' })),
    'approval.wrong_origin',
  );
  o = await sig.optionsFor(olga, row.id);
  assert.equal(accept(answer(o.challenge, { userVerified: false })), 'approval.not_verified');
  o = await sig.optionsFor(olga, row.id);
  clock.advance(APPROVAL_CHALLENGE_TTL_MS);
  assert.equal(accept(answer(o.challenge)), 'approval.challenge_expired');
  o = await sig.optionsFor(olga, row.id);
  assert.equal(accept('{"not": "an assertion"}'), 'approval.bad_assertion');
  // The malformed answer used the challenge up.
  assert.equal(accept(answer(o.challenge)), 'approval.challenge_expired');
  o = await sig.optionsFor(olga, row.id);
  assert.equal(accept(answer(o.challenge)), 'accepted');
  assert.deepEqual(
    audited.map((d) => d['code']),
    [
      'approval.signature_required',
      'approval.wrong_origin',
      'approval.not_verified',
      'approval.challenge_expired',
      'approval.bad_assertion',
      'approval.challenge_expired',
    ],
  );
  // Another owner of the site without a passkey there gets no options, with how to enroll.
  const otto: Actor = { ...olga, id: 'u_otto' as UserId, name: 'otto' };
  await assert.rejects(sig.optionsFor(otto, row.id), /enroll-start otto/);
});
