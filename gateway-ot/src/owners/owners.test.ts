import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { generateSigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { randomIds } from '../../../shared/src/ids.js';
import {
  approvalChallenge,
  ownerEnrollmentChallenge,
  toOwnerAssertion,
  type ApprovalContent,
} from '../../../shared/src/model/owner-approval.js';
import { signTicket, type SessionTicket } from '../../../shared/src/model/session-ticket.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { SoftAuthenticator } from '../../../shared/src/testing/soft-authenticator.js';
import { createStore } from '../store/store.js';
import { createOwners, publishedApprovals } from './owners.js';

useCrypto();

const ORIGIN = 'https://localhost:8443';
const RP = 'localhost';

function fixture(site = 'plant-1') {
  const clock = new FakeClock();
  const store = createStore({ dataDir: ':memory:' });
  const audit = new AuditLog({
    db: store.db,
    clock,
    ids: randomIds,
    signingKey: generateSigningKeyPair(),
    checkpointIntervalMs: 0,
  });
  const owners = createOwners({ store, audit, clock, site });
  const events = () => [...audit.iterate()];
  return { clock, store, audit, owners, events, site };
}

async function enroll(
  f: ReturnType<typeof fixture>,
  owner: string,
  auth = new SoftAuthenticator(),
) {
  const { code } = f.owners.enrollment.start(owner, 'root');
  const reg = auth.register({
    rpId: RP,
    origin: ORIGIN,
    challenge: ownerEnrollmentChallenge(code, f.site, owner),
    userVerified: true,
  });
  const r = await f.owners.enrollment.complete(owner, JSON.stringify(reg));
  assert.ok(r.ok, r.ok ? '' : r.error.reason);
  return auth;
}

test('owner enrollment: completes only an OT-started enrollment committing to its code', async () => {
  const f = fixture();
  const auth = new SoftAuthenticator();
  const regFor = (challenge: string, o: { origin?: string; uv?: boolean } = {}) =>
    JSON.stringify(
      auth.register({
        rpId: RP,
        origin: o.origin ?? ORIGIN,
        challenge,
        userVerified: o.uv ?? true,
      }),
    );
  // Not started: refused, audited as an alert.
  const none = await f.owners.enrollment.complete(
    'olga',
    regFor(ownerEnrollmentChallenge('X', 'plant-1', 'olga')),
  );
  assert.equal(none.ok ? 'ok' : none.error.code, 'owner.not_started');
  const { code } = f.owners.enrollment.start('olga', 'root');
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  const cases: [string, string, string][] = [
    [
      'a guessed code',
      regFor(ownerEnrollmentChallenge('AAAA-AAAA-AAAA', 'plant-1', 'olga')),
      'owner.wrong_challenge',
    ],
    [
      'another site',
      regFor(ownerEnrollmentChallenge(code, 'plant-2', 'olga')),
      'owner.wrong_challenge',
    ],
    [
      'another owner',
      regFor(ownerEnrollmentChallenge(code, 'plant-1', 'otto')),
      'owner.wrong_challenge',
    ],
    [
      'no user verification',
      regFor(ownerEnrollmentChallenge(code, 'plant-1', 'olga'), { uv: false }),
      'owner.user_not_verified',
    ],
    ['not JSON', '{', 'owner.malformed'],
  ];
  for (const [name, reg, expected] of cases) {
    const r = await f.owners.enrollment.complete('olga', reg);
    assert.equal(r.ok ? 'ok' : r.error.code, expected, name);
  }
  assert.equal(f.store.ownerKeys.keys().length, 0);
  // Five refusals ended that enrollment; the OT side starts another.
  assert.equal(f.store.ownerKeys.pending('olga'), undefined);
  const { code: code2 } = f.owners.enrollment.start('olga', 'root');
  // The code typed in lower case with spaces still matches.
  const good = await f.owners.enrollment.complete(
    'olga',
    regFor(ownerEnrollmentChallenge(code2.toLowerCase().replace(/-/g, ' '), 'plant-1', 'olga')),
  );
  assert.ok(good.ok);
  const [key] = f.store.ownerKeys.keys();
  assert.equal(key?.owner, 'olga');
  assert.equal(key?.origin, ORIGIN);
  assert.equal(key?.rpId, RP);
  // Single use: the same code again is refused.
  const again = await f.owners.enrollment.complete(
    'olga',
    regFor(ownerEnrollmentChallenge(code, 'plant-1', 'olga')),
  );
  assert.equal(again.ok ? 'ok' : again.error.code, 'owner.not_started');
  const enrolls = f.events().filter((e) => e.action === 'owner.enroll');
  assert.equal(enrolls.filter((e) => e.outcome === 'denied').length, cases.length + 2);
  assert.ok(
    enrolls.filter((e) => e.outcome === 'denied').every((e) => e.details['alert'] === true),
  );
  assert.equal(f.owners.enrollment.remove('olga', 'root'), 1);
  assert.equal(f.store.ownerKeys.keys().length, 0);
});

test('owner enrollment: five refusals end it; an expired code is refused', async () => {
  const f = fixture();
  const auth = new SoftAuthenticator();
  const { code } = f.owners.enrollment.start('olga', 'root');
  const bad = JSON.stringify(
    auth.register({ rpId: RP, origin: ORIGIN, challenge: 'AAAA', userVerified: true }),
  );
  for (let i = 0; i < 5; i++) await f.owners.enrollment.complete('olga', bad);
  const late = await f.owners.enrollment.complete(
    'olga',
    JSON.stringify(
      auth.register({
        rpId: RP,
        origin: ORIGIN,
        challenge: ownerEnrollmentChallenge(code, 'plant-1', 'olga'),
        userVerified: true,
      }),
    ),
  );
  assert.equal(late.ok ? 'ok' : late.error.code, 'owner.not_started');
  const second = f.owners.enrollment.start('olga', 'root');
  f.clock.advance(15 * 60_000);
  const expired = await f.owners.enrollment.complete(
    'olga',
    JSON.stringify(
      auth.register({
        rpId: RP,
        origin: ORIGIN,
        challenge: ownerEnrollmentChallenge(second.code, 'plant-1', 'olga'),
        userVerified: true,
      }),
    ),
  );
  assert.equal(expired.ok ? 'ok' : expired.error.code, 'owner.enrollment_expired');
});

let itKey: ReturnType<typeof generateSigningKeyPair> | undefined;

function ticketWith(
  now: number,
  content: ApprovalContent,
  assertions: unknown[],
  o: Partial<SessionTicket> = {},
) {
  return signTicket(
    {
      v: 1,
      sessionId: 'ses_1',
      grantId: 'grt_1',
      user: { id: 'usr_1', name: 'alice' },
      site: 'plant-1',
      asset: 'plc-1',
      protocol: 'modbus',
      profile: 'read-only',
      channel: 'tcp-forward',
      grantNotBefore: content.notBefore,
      grantNotAfter: content.notAfter,
      approvers: ['olga'],
      breakGlass: false,
      ownerApproval: { content, assertions: assertions as never },
      nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
      issuedAt: now,
      expiresAt: now + 30_000,
      ...o,
    },
    (itKey ??= generateSigningKeyPair()).secretKey,
  );
}

test('owner approvals: only signatures over exactly this grant by keys enrolled here count', async () => {
  const f = fixture();
  const olga = await enroll(f, 'olga');
  const otto = await enroll(f, 'otto');
  const now = f.clock.now();
  const content: ApprovalContent = {
    site: 'plant-1',
    assets: [{ asset: 'plc-1', profile: 'read-only' }],
    notBefore: now,
    notAfter: now + 3_600_000,
    requester: { id: 'usr_1', name: 'alice' },
    requestId: 'req_1',
    ticketRef: 'CHG-1',
  };
  const sign = (
    a: SoftAuthenticator,
    c: ApprovalContent,
    counter: number,
    o: { origin?: string; uv?: boolean } = {},
  ) =>
    toOwnerAssertion(
      a.assert({
        rpId: RP,
        origin: o.origin ?? ORIGIN,
        challenge: approvalChallenge(c),
        counter,
        userVerified: o.uv ?? true,
      }),
    );
  const good = await f.owners.approvals.verify(
    ticketWith(now, content, [sign(olga, content, 1), sign(otto, content, 1)]),
  );
  assert.deepEqual(good.owners, ['olga', 'otto'], good.problems.join('; '));
  // Every ticket of the grant repeats the same assertion: an equal counter is fine.
  const repeat = await f.owners.approvals.verify(
    ticketWith(now, content, [sign(olga, content, 1)]),
  );
  assert.deepEqual(repeat.owners, ['olga']);

  const other = fixture('plant-2');
  const foreign = await enroll(other, 'olga');
  const itOnly = new SoftAuthenticator();
  const later = { ...content, notAfter: content.notAfter + 1 };
  const cases: [string, ReturnType<typeof ticketWith>, RegExp][] = [
    [
      'another asset',
      ticketWith(now, content, [sign(olga, content, 2)], { asset: 'plc-2' }),
      /does not cover plc-2/,
    ],
    [
      'another profile',
      ticketWith(now, content, [sign(olga, content, 2)], { profile: 'write' }),
      /does not cover/,
    ],
    [
      'a later end',
      ticketWith(now, content, [sign(olga, content, 2)], { grantNotAfter: content.notAfter + 1 }),
      /ends after/,
    ],
    [
      'another requester',
      ticketWith(now, content, [sign(olga, content, 2)], {
        user: { id: 'usr_2', name: 'mallory' },
      }),
      /requester/,
    ],
    [
      'content widened with its assertion kept',
      ticketWith(now, later, [sign(olga, content, 2)], { grantNotAfter: later.notAfter }),
      /wrong_challenge/,
    ],
    [
      'an owner of another site',
      ticketWith(now, content, [sign(foreign, content, 2)]),
      /not an owner passkey enrolled here/,
    ],
    [
      'a passkey enrolled only on IT',
      ticketWith(now, content, [sign(itOnly, content, 2)]),
      /not an owner passkey enrolled here/,
    ],
    [
      'another origin',
      ticketWith(now, content, [sign(olga, content, 2, { origin: 'https://evil.example' })]),
      /wrong_origin/,
    ],
    [
      'no user verification',
      ticketWith(now, content, [sign(olga, content, 2, { uv: false })]),
      /user_not_verified/,
    ],
    [
      'a counter going backwards',
      ticketWith(now, content, [sign(otto, content, 0)]),
      /counter_regressed/,
    ],
    ['no approval at all', ticketWith(now, content, [], {}), /malformed/],
  ];
  for (const [name, ticket, re] of cases) {
    const r = await f.owners.approvals.verify(ticket);
    assert.deepEqual(r.owners, [], name);
    assert.match(r.problems.join('; '), re, name);
  }
  // Persisted counters: otto's stays at 1, nothing lowered it.
  assert.equal(f.store.ownerKeys.keys().find((k) => k.owner === 'otto')?.counter, 1);
});

test('publishedApprovals: the mode, its limits and each owner with credential ids, never a key', () => {
  const published = publishedApprovals({ mode: 'owner-signed', quorum: 2 }, [
    { owner: 'otto', credentialId: 'c3' },
    { owner: 'olga', credentialId: 'c1' },
    { owner: 'olga', credentialId: 'c2' },
  ]);
  assert.deepEqual(published, {
    mode: 'owner-signed',
    quorum: 2,
    breakGlassAssets: null,
    owners: [
      { name: 'olga', credentialIds: ['c1', 'c2'] },
      { name: 'otto', credentialIds: ['c3'] },
    ],
  });
  assert.deepEqual(publishedApprovals({ mode: 'it-signed', breakGlassAssets: ['hmi-1'] }, []), {
    mode: 'it-signed',
    quorum: null,
    breakGlassAssets: ['hmi-1'],
    owners: [],
  });
});
