/**
 * Single sign-on against a real OpenID Provider (oidc-provider on 127.0.0.1), driven with plain
 * HTTP: the portal through app.request(), the provider with fetch (redirects followed by hand,
 * its login and consent forms posted). Each case asserts what the portal answers and the audit
 * events the gateway wrote: login and group mapping, the local second factor when the provider's
 * MFA does not count, a break-glass local admin beside SSO, a tampered ID token (another key; an
 * edited payload), a wrong audience, a replayed state, another browser, an expired token and an
 * expired attempt, a changed e-mail (same subject: same account) and a different subject with the
 * same e-mail and name (not that account), an admin binding a local account, the cap on unfinished
 * logins per address, and a provider that cannot be reached at the callback.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { generateSync } from 'otplib';
import { ssoConfigSchema } from '../../../gateway-it/src/config/sso-config.js';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { startHarness, type Harness } from '../../helpers/it-harness.js';
import { claimsOf, startOidcOp, type OidcOp, type OpAccount } from '../../helpers/oidc-op.js';
import { PortalClient, portalLogin, type PortalAnswer } from '../access/portal-client.js';

const REDIRECT = 'https://airlock.test/sso/corp/callback';
const SSO_COOKIE = '__Host-airlock-sso';

async function setup(
  t: Pick<TestContext, 'after'>,
  subjectClaim: 'sub' | 'oid' = 'sub',
): Promise<{
  h: Harness;
  op: OidcOp;
}> {
  const op = await startOidcOp(t, { redirectUris: [REDIRECT], idTokenTtlSeconds: 60 });
  const dir = makeTempDir(t);
  const secretFile = join(dir, 'corp-client-secret');
  writeFileSync(secretFile, `${op.clientSecret}\n`, { mode: 0o600 });
  const sso = ssoConfigSchema.parse({
    maxPendingPerSource: 3,
    providers: {
      corp: {
        displayName: 'Corp IdP',
        issuer: op.issuer,
        clientId: op.clientId,
        clientSecretFile: secretFile,
        redirectUri: REDIRECT,
        scopes: ['openid', 'profile', 'email', 'groups'],
        roles: [
          { group: 'plant-engineers', role: 'engineer' },
          { group: 'plant1-owners', role: 'ot-owner', site: 'plant-1' },
          { group: 'plant1-audit', role: 'auditor', site: 'plant-1' },
        ],
        jitCreate: true,
        acceptIdpMfa: { amr: ['mfa', 'hwk', 'otp'] },
        subjectClaim,
      },
    },
  });
  const h = await startHarness(t, { sso });
  h.site('plant-1');
  return { h, op };
}

function account(login: string, extra: Partial<OpAccount> = {}): OpAccount {
  return {
    login,
    password: `pw-${login}-7d1f`,
    sub: `sub-${login}-0001`,
    email: `${login}@corp.example`,
    preferredUsername: login,
    name: `${login[0]?.toUpperCase() ?? ''}${login.slice(1)} Example`,
    groups: ['plant-engineers'],
    amr: ['pwd', 'mfa'],
    ...extra,
  };
}

/** The provider's clock is real time: move the gateway's fake clock up to it (never back). */
function syncClock(h: Harness): void {
  const behind = Date.now() - h.clock.now();
  if (behind > 0) h.clock.advance(behind);
}

interface SsoRun {
  readonly callbackPath: string;
  readonly ssoCookie: string | undefined;
  readonly answer: PortalAnswer;
}

/** Log in through the provider; `beforeCallback` runs between the provider's answer and the callback. */
async function ssoLogin(
  h: Harness,
  op: OidcOp,
  c: PortalClient,
  login: string,
  beforeCallback: () => void = () => undefined,
): Promise<SsoRun> {
  syncClock(h);
  const start = await c.get('/sso/corp/login');
  assert.equal(start.status, 303, start.text.slice(0, 300));
  assert.ok(start.location?.startsWith(op.issuer), start.location ?? '');
  const auth = new URL(start.location ?? '');
  assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
  assert.ok((auth.searchParams.get('nonce') ?? '').length >= 32);
  const ssoCookie = c.cookies.get(SSO_COOKIE);
  const back = await op.authorize(auth.href, login);
  assert.equal(back.origin + back.pathname, REDIRECT);
  beforeCallback();
  const callbackPath = back.pathname + back.search;
  const answer = await c.get(callbackPath);
  return { callbackPath, ssoCookie, answer };
}

function events(h: Harness, action: string): AuditEvent[] {
  return [...h.gw.services.store.audit.iterate()].filter((e) => e.action === action);
}

function lastLogin(h: Harness): AuditEvent {
  const all = events(h, 'auth.login');
  const e = all[all.length - 1];
  assert.ok(e !== undefined, 'an auth.login event');
  return e;
}

function userOf(h: Harness, op: OidcOp, sub: string) {
  const identity = h.gw.services.store.sso.identity(op.issuer, sub);
  return identity === undefined ? undefined : h.gw.services.store.users.getById(identity.userId);
}

/** The continue page's target after a callback. */
function continueTo(a: PortalAnswer): string | undefined {
  return /id="sso-continue" href="([^"]+)"/.exec(a.text)?.[1];
}

test('SSO with an OpenID Provider on loopback', { timeout: 120_000 }, async (t) => {
  const { h, op } = await setup(t);

  await t.test(
    'login with the provider’s MFA; groups give roles per site; a mover’s roles follow',
    async () => {
      op.accounts.set(
        'alice',
        account('alice', { groups: ['plant-engineers', 'plant1-owners', 'unmapped'] }),
      );
      const c = new PortalClient(h, '10.0.0.5');
      const run = await ssoLogin(h, op, c, 'alice');
      assert.equal(run.answer.status, 200, run.answer.text.slice(0, 400));
      assert.equal(continueTo(run.answer), '/');
      assert.ok(c.cookies.has('__Host-airlock-session'), 'a portal session');
      assert.ok(!c.cookies.has(SSO_COOKIE), 'the binding cookie is spent');
      const home = await c.get('/');
      assert.equal(home.status, 200);
      assert.match(home.text, /alice/);
      const user = userOf(h, op, 'sub-alice-0001');
      assert.ok(user !== undefined);
      assert.equal(user.name, 'alice');
      assert.deepEqual(user.roles.map((r) => `${r.role}@${r.site ?? ''}`).sort(), [
        'engineer@',
        'ot-owner@plant-1',
      ]);
      const created = events(h, 'user.create').find((e) => e.target === 'alice');
      assert.equal(created?.actor, 'sso:corp');
      assert.equal(created?.details.subject, 'sub-alice-0001');
      const login = lastLogin(h);
      assert.equal(login.outcome, 'success');
      assert.equal(login.actor, 'alice');
      assert.equal(login.details.method, 'oidc');
      assert.equal(login.details.issuer, op.issuer);
      assert.equal(login.details.subject, 'sub-alice-0001');
      assert.equal(login.details.mfa, 'idp');
      assert.deepEqual(login.details.amr, ['pwd', 'mfa']);

      // A mover: out of the owners group, in the audit group. The next login moves the roles.
      op.accounts.set('alice', account('alice', { groups: ['plant-engineers', 'plant1-audit'] }));
      const again = await ssoLogin(h, op, new PortalClient(h, '10.0.0.5'), 'alice');
      assert.equal(continueTo(again.answer), '/');
      const moved = h.gw.services.store.users.getById(user.id);
      assert.deepEqual(moved?.roles.map((r) => `${r.role}@${r.site ?? ''}`).sort(), [
        'auditor@plant-1',
        'engineer@',
      ]);
      const update = events(h, 'user.update').at(-1);
      assert.equal(update?.details.via, 'oidc-groups');
      assert.deepEqual(update?.details.previousRoles, ['engineer', 'ot-owner@plant-1']);
    },
  );

  await t.test('without the provider’s MFA the local second factor comes first', async () => {
    op.accounts.set('bob', account('bob', { amr: ['pwd'] }));
    const c = new PortalClient(h, '10.0.0.6');
    const run = await ssoLogin(h, op, c, 'bob');
    assert.equal(continueTo(run.answer), '/login/enroll');
    assert.ok(!c.cookies.has('__Host-airlock-session'), 'no session before the second factor');
    assert.equal((await c.get('/')).location, '/login');
    const page = await c.get('/login/enroll');
    const secret = /id="totp-secret">([^<]+)</.exec(page.text)?.[1]?.replace(/\s/g, '');
    assert.ok(secret !== undefined, page.text.slice(0, 300));
    h.clock.advance(30_000);
    const code = generateSync({ secret, epoch: Math.floor(h.clock.now() / 1000) });
    const done = await c.post('/login/enroll', { code });
    assert.equal(done.status, 200, done.text.slice(0, 300));
    assert.ok(c.cookies.has('__Host-airlock-session'));
    const login = lastLogin(h);
    assert.equal(login.outcome, 'success');
    assert.equal(login.details.firstFactor, 'oidc');
    assert.equal(login.details.subject, 'sub-bob-0001');
    assert.equal(login.details.mfa, 'totp');

    // The next SSO login asks for the code (no enrollment), and a wrong code ends the step.
    const c2 = new PortalClient(h, '10.0.0.6');
    const next = await ssoLogin(h, op, c2, 'bob');
    assert.equal(continueTo(next.answer), '/login/mfa');
    await c2.get('/login/mfa');
    const wrong = await c2.post('/login/mfa', { code: '000000' });
    assert.equal(wrong.status, 401);
    assert.ok(!c2.cookies.has('__Host-airlock-session'));
  });

  await t.test('a local break-glass admin still logs in with password and TOTP', async () => {
    const admin = h.user('root', ['admin'], { canBreakGlass: true });
    const c = await portalLogin(h, admin, '10.0.0.7');
    assert.ok(c.cookies.has('__Host-airlock-session'));
    const login = lastLogin(h);
    assert.equal(login.details.firstFactor, 'password');
    const page = await new PortalClient(h).get('/login');
    assert.match(page.text, /href="\/sso\/corp\/login"/);
  });

  await t.test('an ID token signed with another key is refused', async () => {
    op.accounts.set('carol', account('carol'));
    op.tamper = async (jwt) => op.signWith('other', claimsOf(jwt));
    const c = new PortalClient(h, '10.0.0.8');
    const run = await ssoLogin(h, op, c, 'carol');
    op.tamper = undefined;
    assert.equal(run.answer.status, 401, run.answer.text.slice(0, 300));
    assert.ok(!c.cookies.has('__Host-airlock-session'));
    const e = lastLogin(h);
    assert.equal(e.outcome, 'failure');
    assert.equal(e.details.reason, 'token-rejected');
    assert.equal(e.details.method, 'oidc');
    assert.match(String(e.details.detail), /signature/i);
    assert.equal(userOf(h, op, 'sub-carol-0001'), undefined, 'no account was made');
  });

  await t.test('an ID token whose payload was edited (groups) is refused', async () => {
    op.tamper = async (jwt) => {
      const [head, , sig] = jwt.split('.');
      const payload = { ...claimsOf(jwt), groups: ['plant-engineers', 'plant1-owners'] };
      return `${head}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
    };
    const run = await ssoLogin(h, op, new PortalClient(h, '10.0.0.8'), 'carol');
    op.tamper = undefined;
    assert.equal(run.answer.status, 401);
    assert.equal(lastLogin(h).details.reason, 'token-rejected');
  });

  await t.test(
    'an ID token for another audience is refused (even with the provider’s signature)',
    async () => {
      op.tamper = async (jwt) =>
        op.signWith('provider', { ...claimsOf(jwt), aud: 'another-client' });
      const run = await ssoLogin(h, op, new PortalClient(h, '10.0.0.8'), 'carol');
      op.tamper = undefined;
      assert.equal(run.answer.status, 401);
      const e = lastLogin(h);
      assert.equal(e.details.reason, 'token-rejected');
      assert.equal(e.details.claim, 'aud');
    },
  );

  await t.test('a replayed state is refused, and so is a callback in another browser', async () => {
    op.accounts.set('dave', account('dave'));
    const c = new PortalClient(h, '10.0.0.9');
    const run = await ssoLogin(h, op, c, 'dave');
    assert.equal(continueTo(run.answer), '/');
    // The same answer again, with the browser cookie put back: the attempt was used.
    const replay = new PortalClient(h, '10.0.0.9');
    replay.cookies.set(SSO_COOKIE, run.ssoCookie ?? '');
    const again = await replay.get(run.callbackPath);
    assert.equal(again.status, 401);
    assert.ok(!replay.cookies.has('__Host-airlock-session'));
    assert.equal(lastLogin(h).details.reason, 'state-replayed');
    // A fresh answer brought to a browser that did not start the login (login CSRF).
    const victim = new PortalClient(h, '10.0.0.10');
    syncClock(h);
    const attacker = new PortalClient(h, '10.0.0.11');
    const start = await attacker.get('/sso/corp/login');
    const back = await op.authorize(start.location ?? '', 'dave');
    const foreign = await victim.get(back.pathname + back.search);
    assert.equal(foreign.status, 401);
    assert.equal(lastLogin(h).details.reason, 'browser-mismatch');
    assert.ok(!victim.cookies.has('__Host-airlock-session'));
    // The foreign try did not spend the attempt: the browser that started it still can.
    const own = await attacker.get(back.pathname + back.search);
    assert.equal(continueTo(own), '/');
  });

  await t.test(
    'a changed e-mail keeps the account; another subject with that e-mail does not get it',
    async () => {
      op.accounts.set('frank', account('frank'));
      const first = await ssoLogin(h, op, new PortalClient(h, '10.0.0.13'), 'frank');
      assert.equal(continueTo(first.answer), '/');
      const frank = userOf(h, op, 'sub-frank-0001');
      assert.ok(frank !== undefined);
      // Same subject, new e-mail and user name at the provider: still the same account.
      op.accounts.set(
        'frank',
        account('frank', { email: 'f.renamed@corp.example', preferredUsername: 'f.renamed' }),
      );
      const renamed = await ssoLogin(h, op, new PortalClient(h, '10.0.0.13'), 'frank');
      assert.equal(continueTo(renamed.answer), '/');
      assert.equal(lastLogin(h).actor, 'frank');
      assert.equal(userOf(h, op, 'sub-frank-0001')?.id, frank.id);
      assert.equal(
        h.gw.services.store.sso.identity(op.issuer, 'sub-frank-0001')?.email,
        'f.renamed@corp.example',
      );
      // A different subject claiming frank's old e-mail and user name: a new account, not frank's.
      op.accounts.set(
        'impostor',
        account('impostor', {
          sub: 'sub-impostor-0002',
          email: 'frank@corp.example',
          preferredUsername: 'frank',
          groups: ['plant-engineers', 'plant1-owners'],
        }),
      );
      const other = await ssoLogin(h, op, new PortalClient(h, '10.0.0.14'), 'impostor');
      assert.equal(continueTo(other.answer), '/');
      const impostor = userOf(h, op, 'sub-impostor-0002');
      assert.ok(impostor !== undefined);
      assert.notEqual(impostor.id, frank.id);
      assert.equal(impostor.name, 'frank-2');
      assert.equal(lastLogin(h).actor, 'frank-2');
      assert.deepEqual(h.gw.services.store.users.getById(frank.id)?.roles, frank.roles);
    },
  );
  await t.test(
    'an admin binds an existing local account to its subject; SSO then logs in as it',
    async () => {
      const greta = h.user('greta', ['engineer']);
      const linked = h.gw.services.sso.link('corp', 'sub-greta-0001', 'greta', 'cli:root');
      assert.equal(linked.id, greta.user.id);
      assert.throws(
        () => h.gw.services.sso.link('corp', 'sub-greta-0001', 'root', 'cli:root'),
        /already bound to greta/,
      );
      op.accounts.set('greta', account('greta', { groups: ['plant-engineers', 'plant1-audit'] }));
      const run = await ssoLogin(h, op, new PortalClient(h, '10.0.0.15'), 'greta');
      assert.equal(continueTo(run.answer), '/');
      assert.equal(lastLogin(h).actor, 'greta');
      assert.deepEqual(
        h.gw.services.store.users
          .getById(greta.user.id)
          ?.roles.map((r) => `${r.role}@${r.site ?? ''}`)
          .sort(),
        ['auditor@plant-1', 'engineer@'],
      );
      // Her password and TOTP still work: the local account is the same account.
      await portalLogin(h, greta, '10.0.0.15');
      // An admin sees the binding on her account page.
      const admin = await portalLogin(h, h.user('ada', ['admin']), '10.0.0.16');
      const page = await admin.get(`/admin/users/${greta.user.id}`);
      assert.equal(page.status, 200);
      assert.match(page.text, /id="sso-identity"/);
      assert.match(page.text, /sub-greta-0001/);
    },
  );

  await t.test(
    'unfinished logins per address are capped; the first refusal is audited',
    async () => {
      syncClock(h);
      const c = new PortalClient(h, '10.0.0.20');
      for (let i = 0; i < 3; i++) assert.equal((await c.get('/sso/corp/login')).status, 303);
      const refused = await c.get('/sso/corp/login');
      assert.equal(refused.status, 429);
      assert.match(refused.text, /too many unfinished single sign-on logins from this address/);
      assert.equal((await c.get('/sso/corp/login')).status, 429);
      const limits = events(h, 'auth.rate_limit').filter(
        (e) => e.details.scope === 'sso-pending-source',
      );
      assert.equal(limits.length, 1, 'audited once per window');
      assert.equal(limits[0]?.target, '10.0.0.20');
      assert.equal((await new PortalClient(h, '10.0.0.21').get('/sso/corp/login')).status, 303);
    },
  );

  // Last: it moves the gateway's clock ahead of the provider's for good.
  await t.test('an expired ID token is refused; so is an attempt past its time', async () => {
    op.accounts.set('erin', account('erin'));
    // The provider's ID tokens live 60 s; the gateway's clock is 5 minutes on when it checks.
    const late = await ssoLogin(h, op, new PortalClient(h, '10.0.0.12'), 'erin', () =>
      h.clock.advance(5 * 60_000),
    );
    assert.equal(late.answer.status, 401);
    const e = lastLogin(h);
    assert.equal(e.details.reason, 'token-rejected');
    assert.equal(e.details.claim, 'exp');
    const stale = await ssoLogin(h, op, new PortalClient(h, '10.0.0.12'), 'erin', () =>
      h.clock.advance(11 * 60_000),
    );
    assert.equal(stale.answer.status, 401);
    assert.equal(lastLogin(h).details.reason, 'attempt-expired');
  });
  await t.test(
    'a provider that cannot be reached at the callback: refused, 503, audited',
    async () => {
      op.accounts.set('gina', account('gina'));
      const c = new PortalClient(h, '10.0.0.22');
      const start = await c.get('/sso/corp/login');
      const back = await op.authorize(start.location ?? '', 'gina');
      await op.close();
      const answer = await c.get(back.pathname + back.search);
      assert.equal(answer.status, 503);
      const e = lastLogin(h);
      assert.equal(e.outcome, 'failure');
      assert.equal(e.details.reason, 'provider-unavailable');
    },
  );
});

test(
  'Entra ID style: bound by the oid claim, the account SCIM provisioned is the one SSO finds',
  { timeout: 60_000 },
  async (t) => {
    const { h, op } = await setup(t, 'oid');
    // SCIM binds a provisioned account by (issuer, externalId), and Entra's provisioning sends the
    // user's object id as externalId: the same binding an admin's link makes (scim-api.test.ts).
    await h.gw.services.auth.userAdmin.createUser(
      { name: 'dora', roles: [{ role: 'engineer' }] },
      'cli:test',
    );
    const oid = '0e5c6f3a-7d1b-4b8e-9a51-3f0d2c9e1a77';
    h.gw.services.sso.link('corp', oid, 'dora', 'cli:test');
    // Entra's sub is per application: it is not what the account is bound by.
    op.accounts.set('dora', account('dora', { sub: 'pairwise-sub-for-airlock', oid }));
    const run = await ssoLogin(h, op, new PortalClient(h, '10.0.0.40'), 'dora');
    assert.equal(continueTo(run.answer), '/', run.answer.text.slice(0, 300));
    const login = lastLogin(h);
    assert.equal(login.outcome, 'success');
    assert.equal(login.actor, 'dora');
    assert.equal(login.details.subject, oid);
    assert.equal(
      h.gw.services.store.sso.identity(op.issuer, 'pairwise-sub-for-airlock'),
      undefined,
    );

    // A token without the oid claim proves no identity here: refused, naming the check.
    op.accounts.set('nooid', account('nooid'));
    const users = h.gw.services.store.users.list().length;
    const refused = await ssoLogin(h, op, new PortalClient(h, '10.0.0.41'), 'nooid');
    assert.notEqual(continueTo(refused.answer), '/');
    const denied = lastLogin(h);
    assert.equal(denied.outcome, 'failure');
    assert.equal(denied.details.reason, 'token-rejected');
    assert.equal(denied.details.check, 'subject_claim_missing');
    assert.equal(h.gw.services.store.users.list().length, users, 'no account created');
  },
);
