/**
 * The portal's OPC UA page through both gateways against the simulated plant server: alice holds
 * an approved grant on opc-1 (profile `maintenance`), bob holds none. Each request goes through the
 * IT gateway's real HTTP app (session cookie, CSRF middleware) and opens a real operator session
 * over the link to the OT broker. Asserts: only the profile's nodes are listed, with values and data
 * types; an allowed write lands on the plant and is audited on the OT side with old and new value;
 * an out-of-bounds write shows BadUserAccessDenied and leaves the plant value alone; a bad value is a
 * 400 naming the field; no CSRF token is refused; no grant is a 403; no session outlives its request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { SITE } from '../helpers/link-fixture.js';
import { startOpcuaSite } from '../helpers/opcua-site.js';
import { waitFor } from '../helpers/wait-for.js';
import { PLANT_NAMESPACE_URI } from '../../image/demo/plant/opcua-server.js';
import { omitUndefined, ifDefined } from '../../shared/src/omit-undefined.js';

useCrypto();

test(
  'the OPC UA portal page lists, reads and writes the allowed points through both gateways; the broker refuses and audits',
  { timeout: 120_000 },
  async (t) => {
    const { plant, it, ot } = await startOpcuaSite(t);
    const s = it.gw.services;
    await waitFor('the site catalogue', () => s.store.catalogue.get(SITE, 'opc-1') !== undefined);
    const alice = (
      await s.auth.userAdmin.createUser(
        { name: 'alice', roles: [{ role: 'engineer' }] },
        'cli:test',
      )
    ).user;
    const bob = (
      await s.auth.userAdmin.createUser({ name: 'bob', roles: [{ role: 'engineer' }] }, 'cli:test')
    ).user;
    const olga = (
      await s.auth.userAdmin.createUser(
        { name: 'olga', roles: [{ role: 'ot-owner', site: SITE }] },
        'cli:test',
      )
    ).user;
    const now = Date.now();
    s.access.windows.addWindow({ cli: 'cli:test' }, SITE, {
      asset: null,
      label: 'test window',
      rule: { kind: 'once', start: now - 3_600_000, end: now + 3_600_000 },
    });
    const req = await s.access.requests.create(alice, {
      site: SITE,
      assets: [{ asset: 'opc-1', profile: 'maintenance' }],
      startsAt: now,
      endsAt: now + 3_600_000,
      reason: 'tune the Line 1 setpoint',
    });
    const decided = await s.access.approvals.decide(olga, req.id, 'approve', 'ok');
    assert.ok(decided.grantId !== null, decided.outcome);

    const app = it.gw.httpApp();
    const web = (userId: typeof alice.id) => s.auth.sessions.issue(userId, 'web', '127.0.0.1');
    const call = async (
      session: ReturnType<typeof web>,
      method: 'GET' | 'POST',
      path: string,
      form?: Record<string, string>,
    ) => {
      const headers: Record<string, string> = {
        cookie: `__Host-airlock-session=${session.secret}`,
      };
      if (form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await app.request(
        `https://127.0.0.1${path}`,
        {
          method,
          headers,
          ...omitUndefined({ body: ifDefined(form, (f) => new URLSearchParams(f).toString()) }),
        },
        { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
      );
      return { status: res.status, text: await res.text() };
    };
    const page = '/assets/plant-1/opc-1/opcua';
    const aliceWeb = web(alice.id);
    const csrf = aliceWeb.csrfToken ?? '';

    // The dashboard links the page for the OPC UA grant.
    assert.match((await call(aliceWeb, 'GET', '/')).text, /href="\/assets\/plant-1\/opc-1\/opcua"/);

    const listed = await call(aliceWeb, 'GET', page);
    assert.equal(
      listed.status,
      200,
      /class="notice error"[^>]*>([^<]*)/.exec(listed.text)?.[1] ?? listed.text.slice(0, 300),
    );
    const nodes = [...listed.text.matchAll(/<tr data-node="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(
      nodes,
      ['s=Plant', 's=Line1', 's=Line1.Temperature', 's=Line1.Setpoint'],
      "only the profile's nodes and the objects above them",
    );
    const row = (text: string, node: string): string =>
      /<tr data-node="([^"]+)">([\s\S]*?)<\/tr>/g.exec(
        text.slice(text.indexOf(`<tr data-node="${node}"`)),
      )?.[2] ?? '';
    assert.match(
      row(listed.text, 's=Line1.Temperature'),
      /<td>Double<\/td><td class="value">72.3<\/td>/,
    );
    assert.doesNotMatch(
      row(listed.text, 's=Line1.Temperature'),
      /<form/,
      'a read-only variable has no write form',
    );
    assert.match(row(listed.text, 's=Line1.Setpoint'), /name="dataType" value="Double"/);

    const write = (value: string, fields: Record<string, string> = { _csrf: csrf }) =>
      call(aliceWeb, 'POST', `${page}/write`, {
        ...fields,
        namespace: PLANT_NAMESPACE_URI,
        node: 's=Line1.Setpoint',
        dataType: 'Double',
        value,
      });
    const landed = await write('60');
    assert.equal(landed.status, 200, landed.text.slice(0, 500));
    assert.match(landed.text, /data-write-status="Good"/);
    assert.match(landed.text, /Read back: 60\./);
    assert.equal(plant.valueOf('setpoint'), 60);

    const refused = await write('95');
    assert.equal(refused.status, 403);
    assert.match(refused.text, /data-write-status="BadUserAccessDenied"/);
    assert.match(refused.text, /NOT done: BadUserAccessDenied/);
    assert.equal(plant.valueOf('setpoint'), 60, 'the refused write did not reach the plant');

    const badValue = await write('sixty');
    assert.equal(badValue.status, 400);
    assert.match(badValue.text, /value: a Double is a finite number/);
    const noCsrf = await write('70', {});
    assert.equal(noCsrf.status, 403);
    assert.match(noCsrf.text, /CSRF/);
    assert.equal(
      plant.valueOf('setpoint'),
      60,
      'neither a bad value nor a missing CSRF token wrote anything',
    );

    const bobPage = await call(web(bob.id), 'GET', page);
    assert.equal(bobPage.status, 403);
    assert.ok(
      [...s.store.audit.iterate()].some(
        (e) => e.action === 'session.deny' && e.actor === 'bob' && e.target === 'opc-1',
      ),
      'the refusal is audited on the IT side',
    );

    // The broker's audit (OT side) carries the portal session's user and grant, the old and new value.
    const otEvents = [...ot.gw.services.audit.iterate()];
    const result = otEvents.find(
      (e) => e.action === 'opcua.write' && e.details['phase'] === 'result',
    );
    assert.deepEqual(
      [
        result?.actor,
        result?.details['grantId'],
        result?.details['oldValue'],
        result?.details['newValue'],
        result?.details['status'],
      ],
      ['alice', decided.grantId, 72.5, 60, 'Good'],
    );
    const deny = otEvents.find((e) => e.action === 'opcua.deny');
    assert.deepEqual(
      [deny?.actor, deny?.details['newValue'], deny?.details['status']],
      ['alice', 95, 'BadUserAccessDenied'],
    );
    const started = [...s.store.audit.iterate()].filter(
      (e) => e.action === 'session.start' && e.details['via'] === 'web',
    );
    assert.equal(
      started.length,
      3,
      'one session per page load or write (the bad value and the missing token opened none)',
    );
    // Each request ends its session before it answers, but the registry lets it go once the data
    // connection has closed (a moment later): wait for that rather than race it.
    await waitFor('the portal sessions to leave the registry', () => s.sessions.live.size === 0);
    assert.equal(s.sessions.live.size, 0, 'every portal session ended with its request');
  },
);
