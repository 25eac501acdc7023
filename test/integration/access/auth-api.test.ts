/**
 * Identity through the API: login with password and TOTP for a bearer token with an expiry, TOTP
 * replay, recovery codes, lockout (by time and by admin), per-source rate limiting, disabled and
 * ended-contract accounts, first-login enrollment, and bad or oversized input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSync } from 'otplib';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness, type Harness, type HarnessUser } from '../../helpers/it-harness.js';

useCrypto();

const login = (
  h: Harness,
  u: HarnessUser,
  extra: Record<string, unknown> = {},
  source = '10.0.0.1',
) =>
  h.call('POST', '/api/v1/auth/login', {
    body: { name: u.user.name, password: u.password, code: h.code(u), ...extra },
    source,
  });

test(
  'login gives a bearer token that works until its expiry and until logout',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t);
    const alice = h.user('alice', ['engineer']);
    const r = await login(h, alice);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.tokenType, 'Bearer');
    assert.equal(
      Date.parse(r.json.expiresAt),
      h.clock.now() + 60 * 60_000,
      'default TTL 60 minutes',
    );
    const me = await h.call('GET', '/api/v1/me', { token: r.json.token });
    assert.equal(me.status, 200);
    assert.equal(me.json.name, 'alice');
    assert.equal(me.json.via, 'token');
    assert.ok(!JSON.stringify(me.json).includes(alice.password), 'no secret comes back');

    h.clock.advance(60 * 60_000);
    assert.equal(
      (await h.call('GET', '/api/v1/me', { token: r.json.token })).status,
      401,
      'expired token',
    );

    h.clock.advance(30_000);
    const second = await login(h, alice);
    assert.equal(
      (await h.call('POST', '/api/v1/auth/logout', { token: second.json.token })).status,
      204,
    );
    assert.equal(
      (await h.call('GET', '/api/v1/me', { token: second.json.token })).status,
      401,
      'token ended by logout',
    );
    assert.equal(
      (await h.call('GET', '/api/v1/me', { token: 'not-a-real-token-at-all-0000' })).status,
      401,
    );
    assert.equal(
      (await h.call('GET', '/api/v1/me', { headers: { authorization: 'Basic YWxpY2U6eA==' } }))
        .status,
      401,
    );
    const actions = h.auditActions();
    assert.ok(
      actions.includes('token.issue') &&
        actions.includes('token.revoke') &&
        actions.includes('auth.login'),
    );
  },
);

test(
  'a TOTP code works once: the same code again is refused as a replay and audited',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t);
    const alice = h.user('alice', ['engineer']);
    const code = h.code(alice);
    assert.equal((await login(h, alice, { code })).status, 200);
    const again = await login(h, alice, { code });
    assert.equal(again.status, 401);
    assert.equal(again.json.error.code, 'auth.bad_second_factor');
    assert.match(again.json.error.message, /already used/);
    const replays = [...h.gw.services.store.audit.iterate()].filter(
      (e) => e.action === 'mfa.replay',
    );
    assert.equal(replays.length, 1);
    assert.equal(replays[0]?.target, 'alice');
    h.clock.advance(30_000);
    assert.equal((await login(h, alice)).status, 200, "the next step's code works");
    const previousStep = generateSync({
      secret: alice.totpSecret,
      epoch: Math.floor(h.clock.now() / 1000) - 30,
    });
    assert.equal(
      (await login(h, alice, { code: previousStep })).status,
      401,
      'an older step than the last used one is a replay too',
    );
  },
);

test('recovery codes log in once each', { timeout: 60_000 }, async (t) => {
  const h = await startHarness(t);
  const alice = h.user('alice', ['engineer']);
  const rc = alice.recoveryCodes[0] ?? '';
  const body = { name: 'alice', password: alice.password, recoveryCode: rc.toUpperCase() };
  assert.equal((await h.call('POST', '/api/v1/auth/login', { body })).status, 200);
  const again = await h.call('POST', '/api/v1/auth/login', { body });
  assert.equal(again.status, 401);
  assert.ok(h.auditActions().includes('mfa.recovery_use'));
});

test(
  'wrong password and unknown account get the same answer; five failures from any sources lock the account for unfamiliar sources until time or an admin lifts it',
  { timeout: 90_000 },
  async (t) => {
    const h = await startHarness(t);
    const alice = h.user('alice', ['engineer']);
    const admin = h.user('root', ['admin']);
    const wrong = await h.call('POST', '/api/v1/auth/login', {
      body: { name: 'alice', password: 'not-her-password', code: '000000' },
      source: '198.51.100.1',
    });
    const unknown = await h.call('POST', '/api/v1/auth/login', {
      body: { name: 'mallory', password: 'not-her-password', code: '000000' },
      source: '198.51.100.1',
    });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.json, unknown.json, 'no hint whether the account exists');
    for (let i = 2; i <= 4; i++)
      await h.call('POST', '/api/v1/auth/login', {
        body: { name: 'alice', password: `wrong-${i}`, code: '000000' },
        source: `198.51.100.${i}`,
      });
    // The fifth failure is a wrong TOTP code with the right password: second factors count too.
    const badCode = await login(
      h,
      alice,
      { code: h.code(alice) === '123456' ? '654321' : '123456' },
      '198.51.100.5',
    );
    assert.equal(badCode.status, 401);
    const locked = await login(h, alice, {}, '198.51.100.6');
    assert.equal(locked.status, 429);
    assert.equal(locked.json.error.code, 'auth.locked');
    const lockEvents = [...h.gw.services.store.audit.iterate()].filter(
      (e) => e.action === 'auth.lock',
    );
    assert.equal(lockEvents.length, 1);
    assert.equal(lockEvents[0]?.target, 'alice');

    h.clock.advance(15 * 60_000);
    assert.equal((await login(h, alice, {}, '198.51.100.6')).status, 200, 'the lock runs out');
    assert.ok(
      [...h.gw.services.store.audit.iterate()].some(
        (e) => e.action === 'auth.unlock' && e.details.by === 'time',
      ),
    );

    for (let i = 10; i < 15; i++)
      await h.call('POST', '/api/v1/auth/login', {
        body: { name: 'alice', password: `wrong-${i}`, code: '000000' },
        source: `198.51.100.${i}`,
      });
    h.clock.advance(30_000);
    assert.equal((await login(h, alice, {}, '198.51.100.20')).status, 429, 'a new source waits');
    assert.equal(
      (await login(h, alice, {}, '198.51.100.6')).status,
      200,
      'the source she logged in from is not held back',
    );
    const rootToken = await h.login(admin);
    const users = await h.call('GET', '/api/v1/admin/users', { token: rootToken });
    const row = users.json.find((u: { name: string }) => u.name === 'alice');
    assert.ok(row.lockedUntil !== null, 'the admin sees the lock');
    assert.equal(
      (await h.call('POST', `/api/v1/admin/users/${alice.user.id}/unlock`, { token: rootToken }))
        .status,
      200,
    );
    assert.equal((await login(h, alice, {}, '198.51.100.20')).status, 200, 'unlocked by the admin');
    assert.ok(
      [...h.gw.services.store.audit.iterate()].some(
        (e) => e.action === 'auth.unlock' && e.details.by === 'admin' && e.actor === 'root',
      ),
    );
  },
);

test(
  'many sources failing for an account do not stop it logging in from its own source; one source is slowed with doubling backoff',
  { timeout: 90_000 },
  async (t) => {
    const h = await startHarness(t);
    const admin = h.user('root', ['admin']);
    const second = h.user('root2', ['admin']);
    // The admin has logged in from her workstation before.
    assert.equal((await login(h, admin, {}, '10.1.1.1')).status, 200);
    h.clock.advance(30_000);

    // Forty addresses each guess once: the account locks for every address it never used.
    const answers: number[] = [];
    for (let i = 1; i <= 40; i++)
      answers.push(
        (
          await h.call('POST', '/api/v1/auth/login', {
            body: { name: 'root', password: `guess-${i}`, code: '000000' },
            source: `203.0.113.${i}`,
          })
        ).status,
      );
    assert.deepEqual(answers.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.ok(
      answers.slice(5).every((s) => s === 429),
      'after five failures strangers wait',
    );
    assert.equal(
      (await login(h, admin, {}, '10.1.1.1')).status,
      200,
      'the admin still logs in from her own source, whatever strangers did',
    );

    // One source guessing one account, even a source the account uses (so its lock does not
    // apply): three free failures, then 2 s, 4 s, ... of backoff.
    const token2 = await h.login(second, '10.9.9.9');
    const guess = (password: string) =>
      h.call('POST', '/api/v1/auth/login', {
        body: { name: 'root2', password, code: '000000' },
        source: '10.9.9.9',
      });
    for (let i = 0; i < 3; i++) assert.equal((await guess(`wrong-${i}`)).status, 401);
    assert.equal((await guess('wrong-3')).status, 401, 'the fourth failure starts the backoff');
    const slowed = await login(h, second, {}, '10.9.9.9');
    assert.equal(slowed.status, 429);
    assert.equal(slowed.json.error.code, 'auth.throttled');
    assert.match(slowed.json.error.message, /try again in 2 s/);
    h.clock.advance(2_000);
    assert.equal((await guess('wrong-4')).status, 401);
    h.clock.advance(2_000);
    assert.equal((await guess('wrong-5')).status, 429, 'the backoff doubled to 4 s');
    h.clock.advance(2_000);
    assert.equal((await guess('wrong-5')).status, 401);
    const audit = [...h.gw.services.store.audit.iterate()];
    assert.ok(
      audit.some(
        (e) =>
          e.action === 'auth.rate_limit' &&
          e.details.scope === 'account-source' &&
          e.details.source === '10.9.9.9',
      ),
    );
    assert.ok(
      audit.some(
        (e) =>
          e.action === 'auth.login' && e.outcome === 'denied' && e.details.reason === 'throttled',
      ),
    );
    // Another admin lifts the lock and the backoff without the locked person.
    const unlocked = await h.call('POST', `/api/v1/admin/users/${admin.user.id}/unlock`, {
      token: token2,
      source: '10.9.9.9',
    });
    assert.equal(unlocked.status, 200, unlocked.text);
    h.clock.advance(30_000);
    assert.equal((await login(h, admin, {}, '203.0.113.77')).status, 200, 'any source again');
  },
);

test(
  'failures from one source address are rate limited for every account; other sources are not affected',
  { timeout: 90_000 },
  async (t) => {
    const h = await startHarness(t, {
      auth: { ...(await defaultAuth(t)), sourceFailureLimit: 6, lockoutThreshold: 50 },
    });
    const alice = h.user('alice', ['engineer']);
    for (let i = 0; i < 6; i++)
      await h.call('POST', '/api/v1/auth/login', {
        body: { name: `user${i}`, password: 'spray-password-1', code: '000000' },
        source: '192.0.2.9',
      });
    const limited = await login(h, alice, {}, '192.0.2.9');
    assert.equal(limited.status, 429);
    assert.equal(limited.json.error.code, 'auth.rate_limited');
    assert.equal(
      (await login(h, alice, {}, '192.0.2.10')).status,
      200,
      'another source still logs in',
    );
    assert.equal(
      [...h.gw.services.store.audit.iterate()].filter((e) => e.action === 'auth.rate_limit').length,
      1,
    );
    h.clock.advance(10 * 60_000);
    assert.equal((await login(h, alice, {}, '192.0.2.9')).status, 200, 'the source window ran out');
  },
);

async function defaultAuth(t: Parameters<typeof startHarness>[0]) {
  const { loadItConfig } = await import('../../../gateway-it/src/config/config.js');
  void t;
  const c = loadItConfig({ env: { AIRLOCK_IT_DATA_DIR: '/nonexistent' } });
  if (!c.ok) throw new Error('config');
  return c.value.auth;
}

test(
  'disabled accounts and vendors past their contract end cannot log in, and their tokens stop working',
  { timeout: 90_000 },
  async (t) => {
    const h = await startHarness(t);
    h.site('plant-1');
    const admin = h.user('root', ['admin']);
    const alice = h.user('alice', ['engineer']);
    const victor = h.user('victor', ['vendor'], {
      company: 'ACME Automation',
      contractEnd: '2026-06-02',
    });
    const rootToken = await h.login(admin);
    const aliceToken = await h.login(alice);
    const victorToken = await h.login(victor);
    const off = await h.call('PATCH', `/api/v1/admin/users/${alice.user.id}`, {
      token: rootToken,
      body: { state: 'disabled' },
    });
    assert.equal(off.status, 200, off.text);
    assert.equal(
      (await h.call('GET', '/api/v1/me', { token: aliceToken })).status,
      401,
      'sessions end when disabled',
    );
    const refused = await login(h, alice);
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error.code, 'auth.disabled');
    assert.ok(
      [...h.gw.services.store.audit.iterate()].some(
        (e) => e.action === 'user.disable' && e.target === 'alice',
      ),
    );

    const self = await h.call('PATCH', `/api/v1/admin/users/${admin.user.id}`, {
      token: rootToken,
      body: { roles: ['admin', 'ot-owner@plant-1'] },
    });
    assert.equal(self.status, 403, 'an admin cannot grant themselves roles');
    assert.equal(self.json.error.code, 'user.self_change');

    assert.equal((await h.call('GET', '/api/v1/me', { token: victorToken })).status, 200);
    h.clock.set(Date.UTC(2026, 5, 3, 0, 0));
    assert.equal(
      (await h.call('GET', '/api/v1/me', { token: victorToken })).status,
      401,
      'the contract ended at the end of 2 June',
    );
    const late = await login(h, victor);
    assert.equal(late.status, 403);
    assert.equal(late.json.error.code, 'auth.contract_ended');
  },
);

test(
  'an account created by an admin enrolls its authenticator at first login and gets recovery codes once',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t);
    const admin = h.user('root', ['admin']);
    const rootToken = await h.login(admin);
    const created = await h.call('POST', '/api/v1/admin/users', {
      token: rootToken,
      body: { name: 'erin', roles: ['engineer'] },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.user.mfaEnrolled, false);
    const password = created.json.password as string;
    const blocked = await h.call('POST', '/api/v1/auth/login', {
      body: { name: 'erin', password, code: '123456' },
    });
    assert.equal(blocked.status, 403);
    assert.equal(blocked.json.error.code, 'mfa.enrollment_required');
    const start = await h.call('POST', '/api/v1/auth/enroll', { body: { name: 'erin', password } });
    assert.equal(start.status, 200, start.text);
    assert.match(start.json.otpauthUri, /^otpauth:\/\/totp\/Airlock:erin\?/);
    assert.match(start.json.qrSvg, /^<svg/);
    const wrong = await h.call('POST', '/api/v1/auth/enroll/confirm', {
      body: { enrollmentToken: start.json.enrollmentToken, code: '000000' },
    });
    assert.equal(wrong.status, 401, 'a wrong first code ends the enrollment step');
    const again = await h.call('POST', '/api/v1/auth/enroll/confirm', {
      body: {
        enrollmentToken: start.json.enrollmentToken,
        code: generateSync({ secret: start.json.secret, epoch: Math.floor(h.clock.now() / 1000) }),
      },
    });
    assert.equal(again.status, 401, 'the ended step cannot be reused');
    const restart = await h.call('POST', '/api/v1/auth/enroll', {
      body: { name: 'erin', password },
    });
    const code = generateSync({
      secret: restart.json.secret,
      epoch: Math.floor(h.clock.now() / 1000),
    });
    const done = await h.call('POST', '/api/v1/auth/enroll/confirm', {
      body: { enrollmentToken: restart.json.enrollmentToken, code },
    });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.json.recoveryCodes.length, 10);
    assert.equal(
      (await h.call('GET', '/api/v1/me', { token: done.json.token })).json.mfaEnrolled,
      true,
    );
    assert.equal(
      (await h.call('POST', '/api/v1/auth/login', { body: { name: 'erin', password, code } }))
        .status,
      401,
      'the enrollment code is used up',
    );
    assert.equal(
      (await h.call('POST', '/api/v1/auth/enroll', { body: { name: 'erin', password } })).status,
      409,
      'enrolled once; a reset is an admin act',
    );
    const dump = JSON.stringify([...h.gw.services.store.audit.iterate()]);
    assert.ok(
      !dump.includes(restart.json.secret) &&
        !dump.includes(password) &&
        !dump.includes(done.json.recoveryCodes[0]),
      'no secret in the audit log',
    );
  },
);

test(
  'bad and oversized input is refused with a 400 naming the field (413 over the body limit) and changes nothing',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t);
    const alice = h.user('alice', ['engineer']);
    const before = h.auditActions().length;
    const cases: [unknown, RegExp][] = [
      [{ name: 'alice', password: alice.password }, /^code: /],
      [{ name: 'alice', password: 'x'.repeat(300), code: '123456' }, /^password: /],
      [{ name: 'a'.repeat(40), password: 'x', code: '123456' }, /^name: /],
      [{ name: 'alice', password: 'x', code: '12345' }, /^code: /],
      [{ name: 'alice', password: 'x', code: '123456', admin: true }, /^admin: unknown key/],
      [[], /expected object/i],
    ];
    for (const [body, re] of cases) {
      const r = await h.call('POST', '/api/v1/auth/login', { body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.json.error.message, re, JSON.stringify(body));
    }
    const text = await h.call('POST', '/api/v1/auth/login', {
      rawBody: 'name=alice',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(text.status, 400);
    assert.equal(text.json.error.code, 'request.content_type');
    const junk = await h.call('POST', '/api/v1/auth/login', {
      rawBody: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(junk.json.error.code, 'request.bad_json');
    const big = await h.call('POST', '/api/v1/auth/login', {
      rawBody: JSON.stringify({ name: 'alice', password: 'x'.repeat(70_000) }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(big.status, 413);
    assert.equal(big.json.error.code, 'request.too_large');
    assert.equal(h.auditActions().length, before, 'nothing was recorded: nothing happened');
  },
);
