import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { SoftAuthenticator } from '../../../shared/src/testing/soft-authenticator.js';
import { openItDatabase } from '../store/it-database.js';
import { PasskeyStore } from '../store/passkey-store.js';
import { UserStore } from '../store/user-store.js';
import type { RoleAssignment } from '../store/store.js';
import { PasskeyService } from './passkeys.js';
import { testAuditLog } from '../../../shared/src/testing/test-audit-log.js';
import { testUserRow } from '../store/test-user.fixture.js';

useCrypto();

const ORIGIN = 'https://airlock.example.com:8443';
const RP = { id: 'airlock.example.com', origins: [ORIGIN], name: 'Airlock' };

function setup() {
  const db = openItDatabase(':memory:');
  const clock = new FakeClock();
  const audit = testAuditLog(db, clock, { checkpointIntervalMs: 0 });
  const users = new UserStore(db);
  const store = new PasskeyStore(db);
  const passkeys = new PasskeyService({
    db,
    audit,
    passkeys: store,
    clock,
    ids: sequentialIds(),
    rp: RP,
  });
  const account = (name: string, roles: RoleAssignment[]) => {
    users.insert(testUserRow(name, roles, clock.now()));
    const u = users.getById(`usr_${name}`);
    assert.ok(u !== undefined);
    return u;
  };
  const events = (action: string) => [...audit.iterate()].filter((e) => e.action === action);
  return { users, store, passkeys, account, events };
}

const made = (key: SoftAuthenticator, challenge: string, over: Record<string, unknown> = {}) =>
  JSON.stringify(
    key.register({ rpId: RP.id, origin: ORIGIN, challenge, userVerified: true, ...over }),
  );

test('register several named passkeys, rename and revoke them, all audited', async () => {
  const h = setup();
  const alice = h.account('alice', [{ role: 'engineer' }]);
  const laptop = new SoftAuthenticator();
  const o1 = await h.passkeys.registrationOptions(alice, 'sess-1', '10.0.0.1');
  assert.equal(o1.authenticatorSelection?.residentKey, 'required');
  assert.equal(o1.authenticatorSelection?.userVerification, 'preferred');
  const first = await h.passkeys.register(alice, 'sess-1', 'laptop', made(laptop, o1.challenge));
  const o2 = await h.passkeys.registrationOptions(alice, 'sess-1', '10.0.0.1');
  assert.deepEqual(
    o2.excludeCredentials?.map((c) => c.id),
    [laptop.credentialId],
  );
  const key = new SoftAuthenticator();
  await h.passkeys.register(alice, 'sess-1', 'yubikey', made(key, o2.challenge));
  assert.deepEqual(
    h.passkeys.list(alice).map((p) => p.name),
    ['laptop', 'yubikey'],
  );
  assert.equal(h.store.byCredentialId(laptop.credentialId)?.counter, 0);
  h.passkeys.rename(alice, first.id, 'old laptop');
  h.passkeys.revoke(alice, first.id);
  assert.deepEqual(
    h.passkeys.list(alice).map((p) => p.name),
    ['yubikey'],
  );
  assert.deepEqual(
    [
      ...h.events('passkey.register'),
      ...h.events('passkey.rename'),
      ...h.events('passkey.revoke'),
    ].map((e) => [e.action, e.outcome, e.details.name ?? e.details.to]),
    [
      ['passkey.register', 'success', 'laptop'],
      ['passkey.register', 'success', 'yubikey'],
      ['passkey.rename', 'success', 'old laptop'],
      ['passkey.revoke', 'success', 'old laptop'],
    ],
  );
});

test('a registration from another origin, for another RP id, or with a spent or foreign challenge is refused and audited', async () => {
  const h = setup();
  const alice = h.account('alice', [{ role: 'engineer' }]);
  const key = new SoftAuthenticator();
  const refuse = async (session: string, text: string, reason: string) => {
    await assert.rejects(
      h.passkeys.register(alice, session, 'x', text),
      (e: unknown) => e instanceof AirlockError && e.code === 'passkey.registration_refused',
    );
    assert.equal(h.events('passkey.register').at(-1)?.details.reason, reason);
  };
  let o = await h.passkeys.registrationOptions(alice, 'sess-1', '10.0.0.1');
  await refuse('sess-1', made(key, o.challenge, { origin: 'https://evil.test' }), 'wrong_origin');
  o = await h.passkeys.registrationOptions(alice, 'sess-1', '10.0.0.1');
  await refuse('sess-1', made(key, o.challenge, { rpId: 'evil.test' }), 'wrong_rp');
  o = await h.passkeys.registrationOptions(alice, 'sess-1', '10.0.0.1');
  await refuse('sess-2', made(key, o.challenge), 'challenge');
  await h.passkeys.register(alice, 'sess-1', 'ok', made(key, o.challenge));
  await refuse('sess-1', made(key, o.challenge), 'challenge');
  await refuse('sess-1', '{"id":1}', 'malformed');
  assert.equal(h.passkeys.list(alice).length, 1);
});

test('privileged roles must register a passkey that verifies the user', async () => {
  const h = setup();
  const admin = h.account('root', [{ role: 'admin' }]);
  const o = await h.passkeys.registrationOptions(admin, 'sess-1', '10.0.0.1');
  assert.equal(o.authenticatorSelection?.userVerification, 'required');
  await assert.rejects(
    h.passkeys.register(
      admin,
      'sess-1',
      'x',
      made(new SoftAuthenticator(), o.challenge, { userVerified: false }),
    ),
    /verifies you/,
  );
  assert.equal(h.events('passkey.register').at(-1)?.details.reason, 'user_not_verified');
});

test("one cannot rename or revoke another account's passkey", async () => {
  const h = setup();
  const alice = h.account('alice', [{ role: 'engineer' }]);
  const bob = h.account('bob', [{ role: 'engineer' }]);
  const o = await h.passkeys.registrationOptions(alice, 's', '10.0.0.1');
  const pk = await h.passkeys.register(
    alice,
    's',
    'laptop',
    made(new SoftAuthenticator(), o.challenge),
  );
  assert.throws(() => h.passkeys.revoke(bob, pk.id), /no such passkey/);
  assert.throws(() => h.passkeys.rename(bob, pk.id, 'mine'), /no such passkey/);
  assert.equal(h.passkeys.list(alice).length, 1);
});

test("an admin's second-factor reset removes the account's passkeys too", async () => {
  const h = setup();
  const alice = h.account('alice', [{ role: 'engineer' }]);
  const bob = h.account('bob', [{ role: 'engineer' }]);
  for (const u of [alice, bob]) {
    const o = await h.passkeys.registrationOptions(u, `s-${u.name}`, '10.0.0.1');
    await h.passkeys.register(
      u,
      `s-${u.name}`,
      'laptop',
      made(new SoftAuthenticator(), o.challenge),
    );
  }
  h.users.setTotp(alice.id, null, null);
  assert.equal(h.passkeys.list(alice).length, 0);
  assert.equal(h.passkeys.list(bob).length, 1);
});
