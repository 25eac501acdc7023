/**
 * The portal face through app.request(): the two-step login with its cookies, CSRF on every
 * state-changing form, a failed attempt never leaving a login open (for that account or another),
 * idle and absolute timeouts, first-login enrollment with QR code and one-time recovery codes,
 * security headers, and the request/approve flow through forms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSync } from 'otplib';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';
import { seedPlant } from './plant-fixture.js';
import { PortalClient, portalLogin } from './portal-client.js';

useCrypto();

test(
  'login sets HttpOnly, Secure, SameSite=Strict __Host- cookies; pages carry CSP, HSTS, frame denial and no-store',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t);
    const alice = h.user('alice', ['engineer']);
    const c = new PortalClient(h);
    const page = await c.get('/login');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.match(page.headers.get('strict-transport-security') ?? '', /max-age=31536000/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.doesNotMatch(page.text, /<script>|\son[a-z]+="/, 'no inline script or handlers');
    const step = await c.post('/login', { name: 'alice', password: alice.password });
    assert.equal(step.status, 303);
    assert.equal(step.location, '/login/mfa');
    const done = await c.post('/login/mfa', { code: h.code(alice) });
    assert.equal(done.location, '/');
    const session = done.headers
      .getSetCookie()
      .find((l) => l.startsWith('__Host-airlock-session='));
    assert.ok(session !== undefined);
    assert.match(session, /; HttpOnly/);
    assert.match(session, /; Secure/);
    assert.match(session, /; SameSite=Strict/);
    assert.match(session, /; Path=\//);
    assert.doesNotMatch(session, /Domain=|Max-Age=/i);
    const dash = await c.get('/');
    assert.equal(dash.status, 200);
    assert.match(dash.text, /Hello, alice/);
    const css = await c.get('/static/portal.css');
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
    const js = await c.get('/static/portal.js');
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
  },
);

test(
  'without the pre-login token the login form is refused; a session does not open a second login',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t);
    const alice = h.user('alice', ['engineer']);
    const c = new PortalClient(h);
    await c.get('/login');
    const forged = await c.post('/login', {
      name: 'alice',
      password: alice.password,
      _pre: 'forged-token-from-elsewhere-000',
    });
    assert.equal(forged.status, 403);
    assert.equal(c.cookies.has('__Host-airlock-login'), false);
    const cross = await c.post(
      '/login',
      { name: 'alice', password: alice.password },
      { origin: 'https://evil.example' },
    );
    assert.equal(cross.status, 403, 'a cross-origin form post is refused');
  },
);

test(
  'a failed attempt resets the login: neither the failed account nor an earlier one keeps a half-open step',
  { timeout: 90_000 },
  async (t) => {
    const h = await startHarness(t);
    const alice = h.user('alice', ['engineer']);
    const bob = h.user('bob', ['engineer']);
    const c = new PortalClient(h);
    await c.get('/login');
    assert.equal(
      (await c.post('/login', { name: 'alice', password: alice.password })).location,
      '/login/mfa',
    );
    const aliceStep = c.cookies.get('__Host-airlock-login') ?? '';
    // Someone at the same browser now tries bob with a wrong password.
    const wrong = await c.post('/login', { name: 'bob', password: 'wrong-password-123' });
    assert.equal(wrong.status, 401);
    assert.equal(c.cookies.has('__Host-airlock-login'), false, 'the step cookie is cleared');
    // Replaying alice's old step with her valid code gets nowhere: the step was ended server-side.
    c.cookies.set('__Host-airlock-login', aliceStep);
    const replay = await c.post('/login/mfa', { code: h.code(alice) });
    assert.equal(replay.status, 401);
    assert.equal(c.cookies.has('__Host-airlock-session'), false);
    assert.match(replay.text, /expired or was ended/);
    // A wrong second factor ends bob's step as well: the right code afterwards does not open it.
    await c.get('/login');
    assert.equal(
      (await c.post('/login', { name: 'bob', password: bob.password })).location,
      '/login/mfa',
    );
    const bobStep = c.cookies.get('__Host-airlock-login') ?? '';
    const badCode = await c.post('/login/mfa', {
      code: h.code(bob) === '111111' ? '222222' : '111111',
    });
    assert.equal(badCode.status, 401);
    c.cookies.set('__Host-airlock-login', bobStep);
    assert.equal((await c.post('/login/mfa', { code: h.code(bob) })).status, 401);
    assert.equal(c.cookies.has('__Host-airlock-session'), false);
    assert.equal((await c.get('/')).location, '/login', 'no session came out of any of it');
  },
);

test(
  "CSRF: a state-changing form needs the session's token; a cross-site post is refused even with it",
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const id = (
      await h.call('POST', '/api/v1/requests', {
        token: await p.token('alice'),
        body: p.requestBody(),
      })
    ).json.id as string;
    const c = await portalLogin(h, p.users.alice);
    const none = await c.post(`/requests/${id}/cancel`, { _csrf: '' });
    assert.equal(none.status, 403);
    const wrong = await c.post(`/requests/${id}/cancel`, { _csrf: 'x'.repeat(32) });
    assert.equal(wrong.status, 403);
    const crossSite = await c.post(
      `/requests/${id}/cancel`,
      {},
      { 'sec-fetch-site': 'cross-site' },
    );
    assert.equal(crossSite.status, 403);
    const json = await h.app.request(`https://airlock.test/api/v1/requests/${id}/cancel`, {
      method: 'POST',
      headers: {
        cookie: `__Host-airlock-session=${c.cookies.get('__Host-airlock-session') ?? ''}`,
      },
    });
    assert.equal(json.status, 403, 'the API with the session cookie needs the token too');
    assert.equal(
      (await h.call('GET', `/api/v1/requests/${id}`, { token: await p.token('alice') })).json
        .status,
      'pending',
      'nothing changed',
    );
    const ok = await c.post(`/requests/${id}/cancel`, {});
    assert.equal(ok.status, 303);
    assert.equal(
      (await h.call('GET', `/api/v1/requests/${id}`, { token: await p.token('alice') })).json
        .status,
      'cancelled',
    );
  },
);

test(
  'portal sessions end after 15 idle minutes and after 8 hours in any case (audited)',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t);
    const alice = h.user('alice', ['engineer']);
    const c = await portalLogin(h, alice);
    h.clock.advance(14 * 60_000);
    assert.equal((await c.get('/')).status, 200, 'still within the idle time');
    h.clock.advance(15 * 60_000);
    assert.equal((await c.get('/')).location, '/login', 'idle too long');
    const d = await portalLogin(h, alice);
    for (let i = 0; i < 48; i++) {
      h.clock.advance(10 * 60_000);
      if ((await d.get('/')).status !== 200) break;
    }
    const timeouts = [...h.gw.services.store.audit.iterate()]
      .filter((e) => e.action === 'auth.session_expire')
      .map((e) => e.details.timeout);
    assert.deepEqual(timeouts, ['idle', 'absolute']);
    assert.equal((await d.get('/')).location, '/login');
  },
);

test(
  'first login of a new account enrolls the authenticator (QR code and secret), then shows recovery codes once',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t);
    const admin = h.user('root', ['admin']);
    const root = await portalLogin(h, admin);
    const created = await root.post('/admin/users', {
      name: 'erin',
      roles: 'engineer',
      displayName: 'Erin E.',
    });
    assert.equal(created.status, 200, created.text.slice(0, 500));
    const password = /id="one-time-secret">([^<]+)</.exec(created.text)?.[1] ?? '';
    assert.match(password, /^[a-z2-9-]{24}$/);
    const c = new PortalClient(h, '10.0.0.3');
    await c.get('/login');
    assert.equal((await c.post('/login', { name: 'erin', password })).location, '/login/enroll');
    const enroll = await c.get('/login/enroll');
    assert.match(enroll.text, /<img class="qr" src="data:image\/svg\+xml;base64,/);
    const secret = (/id="totp-secret">([^<]+)</.exec(enroll.text)?.[1] ?? '').replace(/ /g, '');
    assert.match(secret, /^[A-Z2-7]{32}$/);
    const done = await c.post('/login/enroll', {
      code: generateSync({ secret, epoch: Math.floor(h.clock.now() / 1000) }),
    });
    assert.equal(done.status, 200);
    const codes = (/id="recovery-codes">([^<]+)</.exec(done.text)?.[1] ?? '').split('\n');
    assert.equal(codes.length, 10);
    assert.equal(done.headers.get('cache-control'), 'no-store');
    assert.equal((await c.get('/')).status, 200, 'logged in after enrollment');
    const page = await root.get('/admin/users');
    assert.match(page.text, /data-user="erin"[\s\S]*?enrolled/);
  },
);

test(
  'an admin issues an OT gateway enrollment token from the sites page (shown once, audited); nobody else can',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t);
    h.site('plant-9', 'Europe/Berlin');
    const root = await portalLogin(h, h.user('root', ['admin']));
    const sitesPage = await root.get('/admin/sites');
    assert.match(sitesPage.text, /action="\/admin\/sites\/plant-9\/enrollment-token"/);
    const issued = await root.post('/admin/sites/plant-9/enrollment-token', {});
    assert.equal(issued.status, 200, issued.text.slice(0, 500));
    assert.equal(issued.headers.get('cache-control'), 'no-store');
    assert.match(
      /id="one-time-secret">([^<]+)</.exec(issued.text)?.[1] ?? '',
      /^aet_[A-Za-z0-9_-]{43}$/,
    );
    assert.match(
      issued.text,
      /pin the IT gateway certificate SHA-256 [0-9A-F]{2}(:[0-9A-F]{2}){31}/,
    );
    assert.equal((await root.post('/admin/sites/nowhere/enrollment-token', {})).status, 404);
    const olga = await portalLogin(h, h.user('olga', ['ot-owner@plant-9']));
    assert.equal((await olga.post('/admin/sites/plant-9/enrollment-token', {})).status, 403);
    const tokens = [...h.gw.services.store.audit.iterate()].filter(
      (e) => e.action === 'site.enroll_token',
    );
    assert.deepEqual(
      tokens.map((e) => [e.actor, e.site]),
      [['root', 'plant-9']],
    );
    assert.ok(!JSON.stringify(tokens).includes('aet_'), 'the token itself is not in the audit log');
  },
);

test(
  'request and decide through the forms; errors come back on the form with the field named',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const alice = await portalLogin(h, p.users.alice);
    const form = await alice.get('/requests/new?site=plant-1');
    assert.match(
      form.text,
      /Times are in the site(&#39;|')s timezone, <strong>Europe\/Berlin<\/strong>/,
    );
    // 10:00 Berlin now (08:00 UTC + the logins' 30 s steps).
    const bad = await alice.post('/requests', {
      site: 'plant-1',
      pick: ['hmi-1:maintenance', ''],
      start: '2026-06-01T19:00',
      end: '2026-06-01T20:00',
      reason: 'evening work',
      ticketRef: '',
    });
    assert.equal(bad.status, 403);
    assert.match(
      bad.text,
      /hmi-1: no maintenance window covers 2026-06-01 19:00 \(Europe\/Berlin\)/,
    );
    assert.match(bad.text, /value="2026-06-01T19:00"/, 'the form keeps what was typed');
    const badTime = await alice.post('/requests', {
      site: 'plant-1',
      pick: ['hmi-1:maintenance'],
      start: '2026-06-01 25:00',
      end: '2026-06-01T12:00',
      reason: 'x'.repeat(10),
    });
    assert.equal(badTime.status, 400);
    assert.match(badTime.text, /start: expected a date and time/);
    const sent = await alice.post('/requests', {
      site: 'plant-1',
      pick: ['hmi-1:maintenance', ''],
      start: '2026-06-01T10:05',
      end: '2026-06-01T11:05',
      reason: 'firmware update',
      ticketRef: 'CHG-7',
    });
    assert.equal(sent.status, 303, sent.text.slice(0, 400));
    const id = /\/requests\/(req_\d+)/.exec(sent.location ?? '')?.[1] ?? '';
    const detail = await alice.get(sent.location ?? '');
    assert.match(detail.text, /Request sent to the OT owners/);
    assert.match(detail.text, /2026-06-01 10:05 Europe\/Berlin/);
    const olga = await portalLogin(h, p.users.olga);
    const inbox = await olga.get('/inbox');
    assert.match(inbox.text, new RegExp(`data-request="${id}"`));
    const noComment = await olga.post(`/requests/${id}/decide`, {
      decision: 'approve',
      comment: '',
    });
    assert.equal(noComment.status, 400);
    assert.match(noComment.text, /comment is required/);
    const approved = await olga.post(`/requests/${id}/decide`, {
      decision: 'approve',
      comment: 'go ahead',
    });
    assert.equal(approved.status, 303);
    const dash = await alice.get('/');
    assert.match(dash.text, /class="grant scheduled"/);
    h.clock.set(Date.UTC(2026, 5, 1, 8, 6));
    const later = await alice.get('/');
    assert.match(later.text, /class="grant active"/);
    assert.match(
      later.text,
      /ssh -p \d+ alice:hmi-1@airlock\.test/,
      'the connect hint names the asset (the harness endpoint is on a free port)',
    );
    const other = await portalLogin(h, p.users.paul);
    assert.equal(
      (await other.get(`/requests/${id}`)).status,
      404,
      "another site's owner sees nothing",
    );
    const bob = await portalLogin(h, p.users.bob);
    assert.equal((await bob.get('/inbox')).status, 403);
    assert.equal((await bob.get('/admin/users')).status, 403);
  },
);
