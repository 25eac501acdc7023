import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../shared/src/clock.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { isAirlockError } from '../../../shared/src/errors.js';
import { type SiteId } from '../../../shared/src/ids.js';
import { openItDatabase } from '../store/it-database.js';
import { SitePolicyStore } from '../store/site-policy-store.js';
import { SiteStore } from '../store/site-store.js';
import { SshFreshLoginStore } from '../store/ssh-fresh-login-store.js';
import { SshKeyStore } from '../store/ssh-key-store.js';
import { UserStore } from '../store/user-store.js';
import { SshFreshLogins } from './ssh-fresh-logins.js';
import { testAuditLog } from '../../../shared/src/testing/test-audit-log.js';
import { testUserRow } from '../store/test-user.fixture.js';

const HOUR = 3_600_000;

useCrypto();

function setUp(periodMs = 8 * HOUR) {
  const db = openItDatabase(':memory:');
  const clock = new FakeClock(Date.UTC(2026, 11, 7, 6, 0));
  const users = new UserStore(db);
  const keys = new SshKeyStore(db);
  const store = new SshFreshLoginStore(db);
  const policies = new SitePolicyStore(db);
  const audit = testAuditLog(db, clock, { checkpointIntervalMs: 0 });
  const sites = new SiteStore(db);
  sites.insert({
    id: 'plant-1' as SiteId,
    displayName: 'plant-1',
    timezone: 'Europe/Berlin',
    createdAt: clock.now(),
  });
  const addUser = (id: string, name: string) =>
    users.insert(testUserRow(name, [{ role: 'engineer' }], clock.now(), { id, passwordHash: 'x' }));
  addUser('u1', 'alice');
  addUser('u2', 'bob');
  const addKey = (id: string, userId: string) => {
    keys.add({
      id,
      userId,
      algorithm: 'ssh-ed25519',
      blob: new Uint8Array([1, 2, id.length]),
      fingerprint: `SHA256:${id}`,
      comment: '',
      createdAt: clock.now(),
    });
    return { id, userId };
  };
  const fresh = (p = periodMs) =>
    new SshFreshLogins({ store, clock, periodMs: p, sitePolicies: policies, sites, db, audit });
  return { db, clock, users, keys, store, policies, audit, addKey, fresh };
}

test('a key + code login makes that key fresh for the period, then it runs out', () => {
  const { clock, addKey, fresh } = setUp();
  const k1 = addKey('k1', 'u1');
  const k2 = addKey('k2', 'u1');
  const f = fresh();
  assert.deepEqual(f.freshness(k1), { kind: 'none' });
  const at = clock.now();
  assert.equal(f.mark(k1, '192.0.2.1'), at + 8 * HOUR);
  assert.deepEqual(f.freshness(k1), { kind: 'fresh', verifiedAt: at, freshUntil: at + 8 * HOUR });
  assert.deepEqual(f.freshness(k2), { kind: 'none' }, 'another key of the same user is not fresh');
  clock.advance(8 * HOUR - 1);
  assert.equal(f.freshness(k1).kind, 'fresh');
  clock.advance(1);
  assert.deepEqual(f.freshness(k1), {
    kind: 'expired',
    verifiedAt: at,
    freshUntil: at + 8 * HOUR,
  });
  // A new code login renews it from then.
  f.mark(k1, '192.0.2.1');
  assert.deepEqual(f.freshness(k1), {
    kind: 'fresh',
    verifiedAt: at + 8 * HOUR,
    freshUntil: at + 16 * HOUR,
  });
});

test('a shorter period configured later shortens existing marks; 0 turns them off', () => {
  const { clock, addKey, fresh } = setUp();
  const k1 = addKey('k1', 'u1');
  const at = clock.now();
  fresh(8 * HOUR).mark(k1, '192.0.2.1');
  clock.advance(2 * HOUR);
  assert.deepEqual(fresh(HOUR).freshness(k1), {
    kind: 'expired',
    verifiedAt: at,
    freshUntil: at + HOUR,
  });
  assert.deepEqual(fresh(0).freshness(k1), { kind: 'none' });
  assert.equal(fresh(0).mark(k1, '192.0.2.1'), undefined);
});

test('a mark ends with its key, and with every key of an account that stops being active', () => {
  const { users, keys, store, addKey, fresh } = setUp();
  const k1 = addKey('k1', 'u1');
  const k2 = addKey('k2', 'u1');
  const k3 = addKey('k3', 'u2');
  const f = fresh();
  for (const k of [k1, k2, k3]) f.mark(k, '192.0.2.1');
  assert.equal(keys.remove('u1', 'k1'), true);
  assert.equal(store.get('k1'), undefined, 'removing the key removes its mark');
  users.setState('u1', 'disabled');
  assert.deepEqual(f.freshness(k2), { kind: 'none' }, 'disabling the account ends its marks');
  assert.equal(f.freshness(k3).kind, 'fresh', "another user's mark stays");
  // Enabling the account again does not bring the mark back: the next login needs a code.
  users.setState('u1', 'active');
  assert.deepEqual(f.freshness(k2), { kind: 'none' });
});

test('a mark is honoured only for the user it was set for', () => {
  const { addKey, fresh } = setUp();
  const k1 = addKey('k1', 'u1');
  const f = fresh();
  f.mark(k1, '192.0.2.1');
  assert.deepEqual(f.freshness({ id: 'k1', userId: 'u2' }), { kind: 'none' });
});

test('marks that ran out more than a day ago are forgotten at the next mark', () => {
  const { clock, store, addKey, fresh } = setUp(HOUR);
  const k1 = addKey('k1', 'u1');
  const k2 = addKey('k2', 'u2');
  const f = fresh();
  f.mark(k1, '192.0.2.1');
  clock.advance(HOUR + 24 * HOUR - 1);
  f.mark(k2, '192.0.2.2');
  assert.notEqual(store.get('k1'), undefined, 'kept a day to say when it ran out');
  clock.advance(1);
  f.mark(k2, '192.0.2.2');
  assert.equal(store.get('k1'), undefined);
});

test('a new password or second factor ends every mark of the account', () => {
  const { users, addKey, fresh } = setUp();
  const k1 = addKey('k1', 'u1');
  const k3 = addKey('k3', 'u2');
  const f = fresh();
  f.mark(k1, '192.0.2.1');
  f.mark(k3, '192.0.2.1');
  users.setPasswordHash('u1', 'y');
  assert.deepEqual(f.freshness(k1), { kind: 'none' }, 'password reset or change');
  f.mark(k1, '192.0.2.1');
  users.setTotp('u1', null, null);
  assert.deepEqual(f.freshness(k1), { kind: 'none' }, 'authenticator reset');
  assert.equal(f.freshness(k3).kind, 'fresh', "another user's mark stays");
});

test("a site's own, shorter period refuses a fresh key's session there and ends the mark", () => {
  const { clock, store, policies, addKey, fresh } = setUp();
  const k1 = addKey('k1', 'u1');
  const f = fresh();
  const at = clock.now();
  f.mark(k1, '192.0.2.1');
  const login = { keyId: 'k1', verifiedAt: at };
  clock.advance(3 * HOUR);
  f.requireForSite(login, 'plant-1'); // no period of its own: the gateway's applies
  const put = (m: number | null) =>
    policies.putPolicy({
      site: 'plant-1',
      requiredApprovals: 1,
      ticketPattern: null,
      sshFreshMinutes: m,
      updatedAt: clock.now(),
    });
  put(4 * 60);
  f.requireForSite(login, 'plant-1');
  assert.equal(f.freshness(k1).kind, 'fresh');
  put(2 * 60);
  assert.throws(
    () => f.requireForSite(login, 'plant-1'),
    (e: unknown) =>
      isAirlockError(e) &&
      e.code === 'ssh.code_login_required' &&
      /site plant-1 asks for a code login at least every 2 h; your last was at 2026-12-07 07:00 Europe\/Berlin/.test(
        e.message,
      ),
  );
  assert.equal(store.get('k1'), undefined, 'the next connection asks for the code');
});

test('a user sees until when each key is fresh, and ends their shift (audited)', () => {
  const { clock, audit, addKey, fresh } = setUp();
  const k1 = addKey('k1', 'u1');
  const k2 = addKey('k2', 'u1');
  const k3 = addKey('k3', 'u2');
  const f = fresh();
  const at = clock.now();
  f.mark(k1, '192.0.2.1');
  clock.advance(HOUR);
  f.mark(k2, '192.0.2.1');
  f.mark(k3, '192.0.2.1');
  assert.deepEqual(
    [...f.freshUntilByKey('u1')],
    [
      ['k1', at + 8 * HOUR],
      ['k2', at + 9 * HOUR],
    ],
  );
  clock.advance(7 * HOUR);
  assert.deepEqual([...f.freshUntilByKey('u1')], [['k2', at + 9 * HOUR]], 'k1 ran out');
  assert.equal(f.endShift({ id: 'u1', name: 'alice' }, 'portal'), 1);
  assert.deepEqual([...f.freshUntilByKey('u1')], []);
  assert.equal(f.freshness(k3).kind, 'fresh', "another user's key stays fresh");
  const logout = [...audit.iterate()].filter((e) => e.action === 'auth.logout');
  assert.deepEqual(
    logout.map((e) => [e.actor, e.details]),
    [['alice', { via: 'portal', what: 'ssh-fresh-keys', keys: 1 }]],
  );
});
