/**
 * Discovery results over the link: a real in-process OT gateway enrolled with a real IT gateway.
 * `airlock-ot discover` runs beside the running gateway (same database, as the CLI does); the
 * gateway publishes the results over the control link, and the portal shows them, read-only, to
 * the site's OT owners only, with garbage marked and the OT-side onboarding command.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemClock } from '../../../shared/src/clock.js';
import { randomIds } from '../../../shared/src/ids.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { openDiscovery } from '../../../gateway-ot/src/app.js';
import { startModbusPlc } from '../../../image/demo/plant/modbus-plc.js';
import { pinnedRequest } from '../../helpers/https-client.js';
import { SITE, startIt, startOt, waitForSiteConnected } from '../../helpers/link-fixture.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startGarbageServer } from './discovery-fixture.js';

useCrypto();

test(
  'discovery results reach the portal over the link, for the site OT owners only',
  { timeout: 90_000 },
  async (t) => {
    const plc = await startModbusPlc({ driftIntervalMs: 0 });
    t.after(() => plc.close());
    const garbage = await startGarbageServer(t);
    const it = await startIt(t);
    const ot = await startOt(t, {
      enrollWith: it,
      policy: {
        assets: {},
        discovery: {
          subnets: ['127.0.0.1/32'],
          ports: { modbus: [plc.port, garbage] },
          rate: { probesPerSecond: 20, concurrency: 1, timeoutMs: 1500 },
        },
      },
    });
    await waitForSiteConnected(it);
    const s = it.gw.services;
    // Published at each connection: none yet.
    await waitFor('the empty results of the connection', () =>
      s.sites.discoveryOf(SITE)?.proposals.length === 0 ? true : undefined,
    );

    const d = await openDiscovery(ot.config, { clock: systemClock, ids: randomIds });
    const run = await d.discovery.run('cli:olga');
    d.close();
    assert.equal(run.proposals.length, 2);

    const published = await waitFor('the results on the IT side', () => {
      const p = s.sites.discoveryOf(SITE)?.proposals;
      return p !== undefined && p.length === 2 ? p : undefined;
    });
    const clean = published.find((p) => p.port === plc.port);
    assert.equal(clean?.state, 'proposed');
    assert.deepEqual(clean?.finding, { protocol: 'modbus', unitIds: [1] });
    assert.equal(published.find((p) => p.port === garbage)?.state, 'garbage');

    const olga = (
      await s.auth.userAdmin.createUser(
        { name: 'olga', roles: [{ role: 'ot-owner', site: SITE }] },
        'cli:test',
      )
    ).user;
    const alice = (
      await s.auth.userAdmin.createUser(
        { name: 'alice', roles: [{ role: 'engineer' }] },
        'cli:test',
      )
    ).user;
    const get = (secret: string) =>
      pinnedRequest(`${it.running.url}/sites/${SITE}/discovery`, it.running.tlsFingerprint, {
        headers: { cookie: `__Host-airlock-session=${secret}` },
      });
    const page = await get(s.auth.sessions.issue(olga.id, 'web', '127.0.0.1').secret);
    assert.equal(page.status, 200, page.body);
    assert.match(
      page.body,
      new RegExp(`data-proposal="${clean?.id ?? 'x'}" data-state="proposed"`),
    );
    assert.match(page.body, /data-state="garbage"/);
    assert.match(page.body, /HELLO-PLANT/);
    assert.match(page.body, /airlock-ot discover onboard/);
    assert.doesNotMatch(page.body, /<form[^>]*discovery/, 'no onboarding from the portal');

    const refused = await get(s.auth.sessions.issue(alice.id, 'web', '127.0.0.1').secret);
    assert.ok(refused.status === 403 || refused.status === 404, String(refused.status));
    assert.doesNotMatch(refused.body, /HELLO-PLANT/);
  },
);
