import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { sequentialIds, type UserId } from '../../../shared/src/ids.js';
import { generateAeadKey } from '../../../shared/src/crypto/aead.js';
import { createPasswordPool } from '../../../shared/src/crypto/password-pool.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { SoftAuthenticator } from '../../../shared/src/testing/soft-authenticator.js';
import { openItDatabase } from '../store/it-database.js';
import { AuthSessionStore } from '../store/auth-session-store.js';
import { LoginThrottleStore } from '../store/login-throttle-store.js';
import { PasskeyStore } from '../store/passkey-store.js';
import { RecoveryCodeStore } from '../store/recovery-code-store.js';
import { UserStore } from '../store/user-store.js';
import type { RoleAssignment } from '../store/store.js';
import { LoginService } from './login-service.js';
import { LoginThrottle } from './login-throttle.js';
import { PasskeyLogin } from './passkey-login.js';
import {
  CHALLENGES_PER_SOURCE,
  PASSKEY_CHALLENGE_MS,
  PasskeyService,
  userHandleOf,
} from './passkeys.js';
import { SessionService } from './session-service.js';
import { testAuditLog } from '../../../shared/src/testing/test-audit-log.js';
import { testUserRow } from '../store/test-user.fixture.js';

useCrypto();

const ORIGIN = 'https://airlock.example.com:8443';
const RP = { id: 'airlock.example.com', origins: [ORIGIN], name: 'Airlock' };

function setup(t: Pick<TestContext, 'after'>) {
  const passwords = createPasswordPool({ workers: 1 });
  t.after(() => passwords.close());
  const db = openItDatabase(':memory:');
  const clock = new FakeClock();
  const ids = sequentialIds();
  const audit = testAuditLog(db, clock, { checkpointIntervalMs: 0 });
  const users = new UserStore(db);
  const store = new PasskeyStore(db);
  const throttle = new LoginThrottle(new LoginThrottleStore(db), {
    lockoutThreshold: 50,
    lockoutWindowMs: 900_000,
    lockoutMs: 900_000,
    sourceFailureLimit: 200,
    sourceWindowMs: 600_000,
    backoffAfterFailures: 50,
    backoffBaseMs: 2000,
    backoffMaxMs: 900_000,
    knownSourceMs: 30 * 86_400_000,
  });
  const sessions = new SessionService({
    db,
    sessions: new AuthSessionStore(db),
    users,
    audit,
    clock,
    ids,
    limits: { idleMs: 900_000, absoluteMs: 28_800_000, tokenTtlMs: 3_600_000 },
  });
  const login = new LoginService({
    db,
    audit,
    users,
    recovery: new RecoveryCodeStore(db),
    throttle,
    clock,
    secretsKey: generateAeadKey(),
    driftSteps: 1,
    passwords,
    checksPerSource: 2,
  });
  const passkeys = new PasskeyService({ db, audit, passkeys: store, clock, ids, rp: RP });
  const flow = new PasskeyLogin({ db, audit, users, store, passkeys, login, sessions, clock });
  /** An account with one passkey (stored as a registration would have). */
  const account = (name: string, roles: RoleAssignment[]) => {
    const id = `usr_${name}` as UserId;
    users.insert(testUserRow(name, roles, clock.now()));
    const key = new SoftAuthenticator();
    store.add({
      id: `pk_${name}`,
      userId: id,
      credentialId: key.credentialId,
      publicKey: key.publicKey,
      counter: 3,
      transports: ['internal'],
      name: `${name}'s laptop`,
      userVerified: true,
      createdAt: clock.now(),
    });
    const user = users.getById(id);
    assert.ok(user !== undefined);
    return { user, key };
  };
  const events = (action: string) => [...audit.iterate()].filter((e) => e.action === action);
  const refused = async (p: Promise<unknown>, code: string) => {
    await assert.rejects(p, (e: unknown) => e instanceof AirlockError && e.code === code);
  };
  return { clock, users, store, passkeys, flow, account, events, refused };
}

const signed = (
  key: SoftAuthenticator,
  challenge: string,
  over: Partial<Parameters<SoftAuthenticator['assert']>[0]> = {},
) =>
  JSON.stringify(
    key.assert({ rpId: RP.id, origin: ORIGIN, challenge, counter: 4, userVerified: true, ...over }),
  );

test('passwordless: a session for the passkey owner, audited as a passkey login; the challenge works once', async (t) => {
  const h = setup(t);
  const { user, key } = h.account('alice', [{ role: 'engineer' }]);
  const options = await h.passkeys.assertionOptions('login', 'browser-a', null, '10.0.0.1');
  assert.equal(options.userVerification, 'required');
  assert.deepEqual(options.allowCredentials, []);
  const response = signed(key, options.challenge, { userHandle: userHandleOf(user) });
  const session = await h.flow.passwordless('browser-a', response, '10.0.0.1');
  assert.equal(session.kind, 'web');
  const login = h.events('auth.login').at(-1);
  assert.deepEqual(
    [login?.actor, login?.outcome, login?.details.firstFactor, login?.details.mfa],
    ['alice', 'success', 'passkey', 'passkey'],
  );
  assert.equal(h.store.get(user.id, 'pk_alice')?.counter, 4);
  await h.refused(h.flow.passwordless('browser-a', response, '10.0.0.1'), 'auth.bad_passkey');
  assert.equal(h.events('mfa.verify').at(-1)?.details.refusal, 'challenge');
});

test('a challenge is bound to the browser it was issued to, and expires', async (t) => {
  const h = setup(t);
  const { key } = h.account('alice', [{ role: 'engineer' }]);
  const a = await h.passkeys.assertionOptions('login', 'browser-a', null, '10.0.0.1');
  await h.refused(
    h.flow.passwordless('browser-b', signed(key, a.challenge), 'x'),
    'auth.bad_passkey',
  );
  const late = await h.passkeys.assertionOptions('login', 'browser-a', null, '10.0.0.1');
  h.clock.advance(PASSKEY_CHALLENGE_MS);
  await h.refused(
    h.flow.passwordless('browser-a', signed(key, late.challenge), 'x'),
    'auth.bad_passkey',
  );
  assert.deepEqual(
    h.events('mfa.verify').map((e) => [e.outcome, e.details.refusal]),
    [
      ['failure', 'challenge'],
      ['failure', 'challenge'],
    ],
  );
});

test('a wrong origin or RP id is refused, audited, and leaves the counter alone', async (t) => {
  const h = setup(t);
  const { user, key } = h.account('alice', [{ role: 'engineer' }]);
  for (const [over, reason] of [
    [{ origin: 'https://airlock.example.com.evil.test' }, 'wrong_origin'],
    [{ rpId: 'evil.test' }, 'wrong_rp'],
  ] as const) {
    const o = await h.passkeys.assertionOptions('login', 'browser-a', null, '10.0.0.1');
    await h.refused(
      h.flow.passwordless('browser-a', signed(key, o.challenge, over), 'x'),
      'auth.bad_passkey',
    );
    const failure = h.events('mfa.verify').at(-1);
    assert.deepEqual([failure?.actor, failure?.details.refusal], ['alice', reason]);
  }
  assert.equal(h.store.get(user.id, 'pk_alice')?.counter, 3);
  assert.equal(h.events('auth.login').filter((e) => e.outcome === 'success').length, 0);
});

test('a counter going backwards is refused and raises the clone alert', async (t) => {
  const h = setup(t);
  const { key } = h.account('alice', [{ role: 'engineer' }]);
  const o = await h.passkeys.assertionOptions('login', 'browser-a', null, '10.0.0.1');
  await h.refused(
    h.flow.passwordless('browser-a', signed(key, o.challenge, { counter: 2 }), 'x'),
    'auth.bad_passkey',
  );
  const alert = h.events('passkey.clone_detected');
  assert.deepEqual(
    alert.map((e) => [e.actor, e.outcome, e.details.storedCounter, e.details.receivedCounter]),
    [['alice', 'denied', 3, 2]],
  );
});

test('user verification: required passwordless and for privileged roles, presence enough otherwise', async (t) => {
  const h = setup(t);
  const alice = h.account('alice', [{ role: 'engineer' }]);
  const olga = h.account('olga', [{ role: 'ot-owner', site: 'plant-1' }]);
  const noUv = { userVerified: false };
  const pw = await h.passkeys.assertionOptions('login', 'b', null, '10.0.0.1');
  await h.refused(
    h.flow.passwordless('b', signed(alice.key, pw.challenge, noUv), 'x'),
    'auth.bad_passkey',
  );
  assert.equal(h.events('mfa.verify').at(-1)?.details.refusal, 'user_not_verified');

  const forAlice = await h.passkeys.assertionOptions(
    'second-factor',
    'step-1',
    alice.user,
    '10.0.0.1',
  );
  assert.equal(forAlice.userVerification, 'preferred');
  const ok = await h.flow.secondFactor(
    alice.user,
    'step-1',
    signed(alice.key, forAlice.challenge, noUv),
    'x',
    'portal',
  );
  assert.equal(ok.passkey.id, 'pk_alice');

  const forOlga = await h.passkeys.assertionOptions(
    'second-factor',
    'step-2',
    olga.user,
    '10.0.0.1',
  );
  assert.equal(forOlga.userVerification, 'required');
  await h.refused(
    h.flow.secondFactor(
      olga.user,
      'step-2',
      signed(olga.key, forOlga.challenge, noUv),
      'x',
      'portal',
    ),
    'auth.bad_passkey',
  );
  assert.equal(h.events('mfa.verify').at(-1)?.details.refusal, 'user_not_verified');
});

test("as a second factor only the account's own passkey counts", async (t) => {
  const h = setup(t);
  const alice = h.account('alice', [{ role: 'engineer' }]);
  const mallory = h.account('mallory', [{ role: 'engineer' }]);
  const o = await h.passkeys.assertionOptions('second-factor', 'step-1', alice.user, '10.0.0.1');
  await h.refused(
    h.flow.secondFactor(alice.user, 'step-1', signed(mallory.key, o.challenge), 'x', 'portal'),
    'auth.bad_passkey',
  );
  const failure = h.events('mfa.verify').at(-1);
  assert.deepEqual([failure?.actor, failure?.details.refusal], ['alice', 'not_this_account']);
});

test('a disabled account cannot log in with its passkey', async (t) => {
  const h = setup(t);
  const { user, key } = h.account('alice', [{ role: 'engineer' }]);
  h.users.setState(user.id, 'disabled');
  const o = await h.passkeys.assertionOptions('login', 'b', null, '10.0.0.1');
  await h.refused(h.flow.passwordless('b', signed(key, o.challenge), 'x'), 'auth.disabled');
  assert.equal(h.events('auth.login').at(-1)?.details.reason, 'disabled');
});

test('one address keeps only its newest challenges live; another is not affected', async (t) => {
  const h = setup(t);
  const { key } = h.account('alice', [{ role: 'engineer' }]);
  const other = await h.passkeys.assertionOptions('login', 'browser-b', null, '10.0.0.2');
  const first = await h.passkeys.assertionOptions('login', 'loop-0', null, '10.0.0.9');
  for (let i = 1; i < CHALLENGES_PER_SOURCE + 5; i++)
    await h.passkeys.assertionOptions('login', `loop-${i}`, null, '10.0.0.9');
  assert.equal(h.store.liveChallenges(), CHALLENGES_PER_SOURCE + 1);
  await h.refused(
    h.flow.passwordless('loop-0', signed(key, first.challenge), '10.0.0.9'),
    'auth.bad_passkey',
  );
  assert.equal(h.events('mfa.verify').at(-1)?.details.refusal, 'challenge');
  const session = await h.flow.passwordless('browser-b', signed(key, other.challenge), '10.0.0.2');
  assert.equal(session.kind, 'web');
});
