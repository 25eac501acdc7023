/**
 * Free text keeps no control characters or bidi overrides (issue 17, item 12): NUL, ESC, CR/LF and
 * U+202E in display names, window labels, request reasons, ticket references and comments are
 * refused with a 400 naming the field, on the API and the portal, and change nothing; a reason may
 * span lines. Text stored before the check (or by the CLI) reaches no page raw: the /sites HTML
 * never holds an ESC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';
import { seedPlant } from './plant-fixture.js';
import { portalLogin } from './portal-client.js';

useCrypto();

const BAD: readonly [string, string][] = [
  ['NUL', 'a\u0000b'],
  ['ESC', '\u001b[31mred'],
  ['CR/LF', 'one\r\ntwo'],
  ['U+202E', 'gpj.\u202Eexe'],
];

test(
  'the API refuses control and bidi-override characters in every free-text field, naming it',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const root = await p.token('root');
    const olga = await p.token('olga');
    const alice = await p.token('alice');
    const pending = await h.call('POST', '/api/v1/requests', {
      token: alice,
      body: p.requestBody(),
    });
    assert.equal(pending.status, 201, pending.text);
    const weekly = { kind: 'weekly', days: ['sat'], start: '08:00', end: '10:00' };
    const cases = (
      bad: string,
      n: number,
    ): [string, string, string, Record<string, unknown>, string][] => [
      [
        'POST',
        '/api/v1/admin/users',
        root,
        { name: `u${n}`, displayName: `Eve ${bad}`, roles: ['engineer'] },
        'displayName',
      ],
      [
        'PATCH',
        `/api/v1/admin/users/${p.users.bob.user.id}`,
        root,
        { displayName: `Bob ${bad}` },
        'displayName',
      ],
      [
        'POST',
        '/api/v1/admin/sites',
        root,
        { id: `site-${n}`, displayName: `Site ${bad}`, timezone: 'UTC' },
        'displayName',
      ],
      ['POST', '/api/v1/sites/plant-1/windows', olga, { label: `w ${bad}`, rule: weekly }, 'label'],
      [
        'POST',
        '/api/v1/requests',
        alice,
        p.requestBody(10, 70, { ticketRef: `CHG-1${bad}` }),
        'ticketRef',
      ],
      [
        'POST',
        `/api/v1/requests/${pending.json.id as string}/decision`,
        olga,
        { decision: 'approve', comment: `ok ${bad}` },
        'comment',
      ],
    ];
    const before = {
      users: h.gw.services.store.users.list().length,
      sites: h.gw.services.store.sites.list().length,
      audit: h.auditActions().length,
    };
    let n = 0;
    for (const [what, bad] of BAD) {
      for (const [method, path, token, body, field] of cases(bad, n++)) {
        // A comment, like a reason, may span lines (checked below).
        if (what === 'CR/LF' && field === 'comment') continue;
        const r = await h.call(method, path, { token, body });
        assert.equal(r.status, 400, `${what} in ${field} at ${method} ${path}: ${r.text}`);
        assert.equal(r.json.error.code, 'request.invalid');
        assert.match(r.json.error.message, new RegExp(`^${field}: contains U\\+`), r.text);
      }
      // A reason may span lines (CR LF, LF), never anything else.
      if (what !== 'CR/LF') {
        const r = await h.call('POST', '/api/v1/requests', {
          token: alice,
          body: p.requestBody(10, 70, { reason: `firmware ${bad}` }),
        });
        assert.equal(r.status, 400, `${what} in reason`);
        assert.match(r.json.error.message, /^reason: contains U\+/);
      }
    }
    assert.equal(h.gw.services.store.users.list().length, before.users, 'no account created');
    assert.equal(h.gw.services.store.sites.list().length, before.sites, 'no site created');
    assert.deepEqual(h.auditActions().slice(before.audit), [], 'nothing happened');
    const bob = await h.call('GET', `/api/v1/admin/users/${p.users.bob.user.id}`, { token: root });
    assert.equal(bob.json.displayName, p.users.bob.user.displayName);
    const view = await h.call('GET', `/api/v1/requests/${pending.json.id as string}`, {
      token: alice,
    });
    assert.equal(view.json.status, 'pending');

    const multi = await h.call('POST', '/api/v1/requests', {
      token: alice,
      body: p.requestBody(10, 70, { reason: 'step one\r\nstep two\nstep three' }),
    });
    assert.equal(multi.status, 201, multi.text);
    const loneCr = await h.call('POST', '/api/v1/requests', {
      token: alice,
      body: p.requestBody(10, 70, { reason: 'shown\rhidden' }),
    });
    assert.equal(loneCr.status, 400, 'a CR alone would let text overwrite the line');
    assert.match(loneCr.json.error.message, /^reason: contains U\+000D \(CR\)/);
  },
);

test(
  'the portal refuses them too, and text stored before the check reaches no page raw',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const root = await portalLogin(h, p.users.root);
    for (const [what, bad] of BAD) {
      const r = await root.post('/admin/sites', {
        id: 'plant-x',
        displayName: `X ${bad}`,
        timezone: 'UTC',
      });
      assert.equal(r.status, 400, what);
      assert.match(r.text, /displayName: contains U\+/, what);
      assert.doesNotMatch(r.text, /\u001b|\u202E/, `${what}: the error page does not echo it`);
    }
    assert.equal(h.gw.services.store.sites.get('plant-x'), undefined);
    const alice = await portalLogin(h, p.users.alice);
    const req = await alice.post('/requests', {
      site: 'plant-1',
      pick: ['hmi-1:maintenance'],
      start: '2026-06-01T10:05',
      end: '2026-06-01T11:05',
      reason: 'update \u001b]0;owned\u0007',
      ticketRef: 'CHG-7',
    });
    assert.equal(req.status, 400);
    assert.match(req.text, /reason: contains U\+001B \(ESC\)/);

    // A site named before the check existed (the CLI writes it directly): the page neutralises it.
    h.gw.services.auth.userAdmin.createSite(
      { id: 'plant-old', timezone: 'UTC', displayName: 'Old \u001b[2J\u001b[31mplant\u202Etxt' },
      'cli:test',
    );
    const sites = await alice.get('/sites');
    assert.equal(sites.status, 200);
    assert.match(sites.text, /Old \uFFFD\[2J\uFFFD\[31mplant\uFFFDtxt/);
    assert.doesNotMatch(sites.text, /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/);
    assert.doesNotMatch(sites.text, /[\u202A-\u202E\u2066-\u2069]/);
  },
);
