import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { generateAeadKey, openSecret } from '../../../shared/src/crypto/aead.js';
import { verifyPassword } from '../../../shared/src/crypto/password-hash.js';
import { createPasswordPool } from '../../../shared/src/crypto/password-pool.js';
import { openItDatabase } from '../store/it-database.js';
import { SiteStore } from '../store/site-store.js';
import { UserStore } from '../store/user-store.js';
import { RecoveryCodeStore } from '../store/recovery-code-store.js';
import { LoginThrottleStore } from '../store/login-throttle-store.js';
import { AuthSessionStore } from '../store/auth-session-store.js';
import { SshKeyStore } from '../store/ssh-key-store.js';
import { SshFreshLoginStore } from '../store/ssh-fresh-login-store.js';
import { LoginThrottle } from './login-throttle.js';
import { SessionService } from './session-service.js';
import { UserAdmin, parseRoleAssignment, totpAssociatedData } from './user-admin.js';
import { checkPasswordStrength, generatePassword } from './password-policy.js';
import { testAuditLog } from '../../../shared/src/testing/test-audit-log.js';

useCrypto();

function setup(t: Pick<TestContext, 'after'>) {
  const passwords = createPasswordPool({ workers: 1 });
  t.after(() => passwords.close());
  const db = openItDatabase(':memory:');
  const clock = new FakeClock();
  const audit = testAuditLog(db, clock, { checkpointIntervalMs: 0 });
  const users = new UserStore(db);
  const sites = new SiteStore(db);
  const secretsKey = generateAeadKey();
  const ids = sequentialIds();
  const throttle = new LoginThrottle(new LoginThrottleStore(db), {
    lockoutThreshold: 5,
    lockoutWindowMs: 900_000,
    lockoutMs: 900_000,
    sourceFailureLimit: 20,
    sourceWindowMs: 600_000,
    backoffAfterFailures: 3,
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
  const sshKeys = new SshKeyStore(db);
  const sshFresh = new SshFreshLoginStore(db);
  const admin = new UserAdmin({
    db,
    audit,
    users,
    sites,
    clock,
    ids,
    secretsKey,
    issuer: 'Airlock',
    recovery: new RecoveryCodeStore(db),
    throttle,
    sessions,
    passwords,
    sshKeys,
  });
  return { db, audit, users, sites, admin, secretsKey, sessions, sshKeys, sshFresh };
}

test('a created user gets a strong password and a sealed, working TOTP secret; both audited, neither stored in clear', async (t) => {
  const { admin, users, audit, secretsKey, db } = setup(t);
  admin.createSite({ id: 'plant-1', timezone: 'Europe/Berlin' }, 'cli:root');
  const created = await admin.createUser(
    { name: 'olga', roles: [{ role: 'ot-owner', site: 'plant-1' }] },
    'cli:root',
  );
  assert.match(created.password, /^[a-z2-9]{4}(-[a-z2-9]{4}){4}$/);
  const creds = users.credentials(created.user.id);
  assert.ok(
    creds?.passwordHash !== null &&
      creds?.passwordHash !== undefined &&
      verifyPassword(creds.passwordHash, created.password),
  );
  const secret = Buffer.from(
    openSecret(creds!.totpSecretSealed!, secretsKey, totpAssociatedData(created.user.id)),
  ).toString();
  assert.equal(secret, created.totpSecret);
  assert.equal(created.recoveryCodes.length, 10, 'recovery codes come with a bootstrap enrollment');
  assert.match(await generate({ secret }), /^\d{6}$/);
  assert.match(created.totpUri ?? '', /^otpauth:\/\/totp\/Airlock:olga\?secret=/);
  assert.deepEqual(created.user.roles, [{ role: 'ot-owner', site: 'plant-1' }]);
  const events = [...audit.iterate()];
  assert.deepEqual(
    events.map((e) => e.action),
    ['site.create', 'user.create'],
  );
  const dump = JSON.stringify(db.prepare('SELECT * FROM audit_events').all());
  assert.ok(
    !dump.includes(created.password) && !dump.includes(created.totpSecret ?? '-'),
    'no secret in the audit log',
  );
});

test('bad user input is refused with the field named, and nothing is written', async (t) => {
  const { admin, users, audit } = setup(t);
  admin.createSite({ id: 'plant-1', timezone: 'UTC' }, 'cli:root');
  const cases: [Parameters<UserAdmin['createUser']>[0], RegExp][] = [
    [{ name: 'Bad Name', roles: [{ role: 'engineer' }] }, /user name must be/],
    [{ name: 'alice', roles: [] }, /at least one role/],
    [{ name: 'alice', roles: [{ role: 'ot-owner' }] }, /per site: name the site/],
    [{ name: 'alice', roles: [{ role: 'engineer', site: 'plant-1' }] }, /not per site/],
    [{ name: 'alice', roles: [{ role: 'auditor', site: 'plant-9' }] }, /unknown site plant-9/],
    [
      { name: 'victor', roles: [{ role: 'vendor' }], company: 'ACME' },
      /company and a contract end/,
    ],
    [
      { name: 'victor', roles: [{ role: 'vendor' }], company: 'ACME', contractEnd: '31.12.2026' },
      /YYYY-MM-DD/,
    ],
    [{ name: 'alice', roles: [{ role: 'engineer' }], password: 'short' }, /at least 12 characters/],
    [
      { name: 'alice', roles: [{ role: 'engineer' }], password: 'alice-is-great-123' },
      /must not contain the user name/,
    ],
  ];
  for (const [input, expected] of cases)
    await assert.rejects(admin.createUser(input, 'cli:root'), expected);
  assert.equal(users.list().length, 0);
  assert.equal(audit.head().seq, 1, 'only the site creation was audited');
  await admin.createUser({ name: 'alice', roles: [{ role: 'engineer' }] }, 'cli:root');
  await assert.rejects(
    admin.createUser({ name: 'alice', roles: [{ role: 'engineer' }] }, 'cli:root'),
    /already exists/,
  );
});

test('sites need a lowercase name and a real timezone', (t) => {
  const { admin } = setup(t);
  assert.throws(() => admin.createSite({ id: 'Plant 1', timezone: 'UTC' }, 'x'), /site id must be/);
  assert.throws(
    () => admin.createSite({ id: 'plant-1', timezone: 'Mars/Olympus' }, 'x'),
    /unknown timezone "Mars\/Olympus"/,
  );
  admin.createSite({ id: 'plant-1', timezone: 'America/New_York' }, 'x');
  assert.throws(() => admin.createSite({ id: 'plant-1', timezone: 'UTC' }, 'x'), /already exists/);
});

test('role assignments parse as role or role@site', () => {
  assert.deepEqual(parseRoleAssignment('engineer'), { role: 'engineer' });
  assert.deepEqual(parseRoleAssignment('ot-owner@plant-1'), { role: 'ot-owner', site: 'plant-1' });
  assert.equal(parseRoleAssignment('root'), undefined);
  assert.equal(parseRoleAssignment('a@b@c'), undefined);
});

test('password policy: keyboard walks, sequences and common passwords are refused with the reason; passphrases pass', async (t) => {
  const passwords = createPasswordPool({ workers: 1 });
  t.after(() => passwords.close());
  const refused: [string, RegExp][] = [
    ['Password1234!', /too easy to guess .*commonly used password/],
    ['qwertyuiop123', /too easy to guess .*commonly used password/],
    ['1234567890123', /too easy to guess .*commonly used password/],
    ['aaaaaaaaaaaaaaaa', /too easy to guess .*Repeated characters/],
    ['short', /at least 12 characters/],
    ['bob-the-builder-77', /must not contain the user name/],
  ];
  for (const [password, why] of refused)
    assert.match(
      (await checkPasswordStrength(password, 'bob', passwords)) ?? 'accepted',
      why,
      password,
    );
  for (const password of [
    generatePassword(),
    'correct horse battery staple',
    'violet tractor mends the river',
    'Tr0ub4dor&3 under a blue moon',
  ])
    assert.equal(await checkPasswordStrength(password, 'bob', passwords), undefined, password);
});

test('an account cannot be created or changed to a weak password', async (t) => {
  const { admin, users } = setup(t);
  await assert.rejects(
    admin.createUser(
      { name: 'alice', roles: [{ role: 'engineer' }], password: 'Password1234!' },
      'cli:root',
    ),
    { code: 'user.weak_password', message: /commonly used password/ },
  );
  assert.equal(users.list().length, 0);
  const made = await admin.createUser(
    { name: 'alice', roles: [{ role: 'engineer' }], password: 'violet tractor mends the river' },
    'cli:root',
  );
  await assert.rejects(admin.changeOwnPassword(made.user, made.password, 'qwertyuiop123', ''), {
    code: 'user.weak_password',
    message: /too easy to guess/,
  });
});

test('disabling an account ends its portal sessions, removes its SSH keys and fresh marks, and tells the listeners once, after the commit', async (t) => {
  const { admin, audit, sessions, sshKeys, sshFresh } = setup(t);
  const { user } = await admin.createUser(
    { name: 'leaver', roles: [{ role: 'engineer' }] },
    'cli:root',
  );
  sessions.issue(user.id, 'web', '127.0.0.1');
  sshKeys.add({
    id: 'key_1',
    userId: user.id,
    algorithm: 'ssh-ed25519',
    blob: new Uint8Array([1, 2, 3]),
    fingerprint: 'SHA256:test',
    comment: 'laptop',
    createdAt: 0,
  });
  sshFresh.put({
    keyId: 'key_1',
    userId: user.id,
    verifiedAt: 0,
    source: 'test',
    freshUntil: 1e15,
  });
  const told: string[] = [];
  admin.onDisable((u, actor) => {
    // The listener runs after the commit: it sees the account disabled.
    told.push(`${u.name}:${u.state}:${actor}`);
  });
  admin.updateUser(user.id, { displayName: 'Still here' }, { cli: 'cli:root' });
  assert.deepEqual(told, []);
  admin.updateUser(user.id, { state: 'disabled' }, { cli: 'scim:corp' });
  assert.deepEqual(told, ['leaver:disabled:scim:corp']);
  assert.equal(sessions.liveOf(user.id).length, 0);
  assert.deepEqual(sshKeys.listByUser(user.id), []);
  assert.deepEqual(sshFresh.listByUser(user.id), []);
  const ev = [...audit.iterate()].find((e) => e.action === 'user.disable');
  assert.equal(ev?.actor, 'scim:corp');
  assert.deepEqual(
    { ended: ev?.details.sessionsEnded, keys: ev?.details.sshKeysRemoved },
    { ended: 1, keys: 1 },
  );
});
