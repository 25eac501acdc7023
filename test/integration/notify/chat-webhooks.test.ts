/**
 * A site's chat webhooks against a local HTTP receiver: Slack-compatible `{text, blocks}` and a
 * Microsoft Teams MessageCard, each naming the people, assets and the portal page (a plain link);
 * the URL is audited by host only. And the grant-ending notice: once, 15 minutes before the end on
 * the fake clock, never again (not after a restart either).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GrantEndingNotices } from '../../../gateway-it/src/notify/grant-ending.js';
import { silentLogger } from '../../../shared/src/log.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { seedPlant } from '../access/plant-fixture.js';

useCrypto();

interface Hit {
  readonly path: string;
  readonly body: any;
}

async function receiver(t: TestContext) {
  const got: Hit[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      got.push({ path: req.url ?? '', body: JSON.parse(body) });
      res.end('ok');
    });
    req.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { got, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function setup(t: TestContext) {
  const rx = await receiver(t);
  const h = await startHarness(t, {
    http: { host: '127.0.0.1', port: 0, publicUrl: 'https://airlock.plant.example:8443' },
  });
  const p = await seedPlant(h);
  const settings = h.gw.services.notify.settings;
  const olga = p.users.olga.user;
  settings.addWebhook(olga, 'plant-1', {
    url: `${rx.base}/slack/T0/B0/xyzSECRET`,
    format: 'slack',
  });
  settings.addWebhook(olga, 'plant-1', { url: `${rx.base}/teams/abc`, format: 'teams' });
  return { h, p, rx };
}

test('a site gets Slack and Teams payloads a chat tool accepts, with a plain portal link', async (t) => {
  const { h, p, rx } = await setup(t);
  const created = await h.call('POST', '/api/v1/requests', {
    token: await p.token('alice'),
    body: p.requestBody(),
  });
  const id = created.json.id as string;
  await h.gw.services.notify.idle();
  await waitFor('two posts', () => rx.got.length >= 2);
  const slack = rx.got.find((g) => g.path.startsWith('/slack'))?.body;
  const teams = rx.got.find((g) => g.path.startsWith('/teams'))?.body;
  const url = `https://airlock.plant.example:8443/requests/${id}`;
  assert.equal(
    slack.text,
    'Access request by alice waits for your approval: hmi-1 (maintenance) at plant-1',
  );
  assert.deepEqual(
    slack.blocks.map((b: { type: string }) => b.type),
    ['header', 'section', 'actions'],
  );
  assert.equal(slack.blocks[1].text.type, 'mrkdwn');
  assert.match(slack.blocks[1].text.text, /alice asks for access to hmi-1/);
  assert.match(slack.blocks[1].text.text, /Europe\/Berlin/);
  assert.equal(slack.blocks[2].elements[0].url, url);
  assert.equal(teams['@type'], 'MessageCard');
  assert.equal(teams['@context'], 'https://schema.org/extensions');
  assert.equal(teams.title, slack.text);
  assert.equal(teams.summary, slack.text);
  assert.match(teams.sections[0].text, /alice asks for access to hmi-1/);
  assert.deepEqual(teams.potentialAction[0], {
    '@type': 'OpenUri',
    name: 'Open in the portal',
    targets: [{ os: 'default', uri: url }],
  });
  const audited = [...h.gw.services.store.audit.iterate()].filter((e) =>
    ['notify.webhook', 'notify.send'].includes(e.action),
  );
  assert.deepEqual(
    audited.map((e) => [e.action, e.outcome]),
    [
      ['notify.webhook', 'success'],
      ['notify.webhook', 'success'],
      ['notify.send', 'success'],
      ['notify.send', 'success'],
    ],
  );
  assert.ok(
    audited.every((e) => !JSON.stringify(e).includes('xyzSECRET')),
    'the webhook URL is a credential: audited by host only',
  );
  assert.deepEqual(
    h.gw.services.notify.settings.webhooks(p.users.olga.user, 'plant-1').map((w) => w.format),
    ['slack', 'teams'],
  );
  assert.throws(
    () => h.gw.services.notify.settings.webhooks(p.users.paul.user, 'plant-1'),
    /only an admin or an OT owner of plant-1/,
  );
  assert.throws(
    () =>
      h.gw.services.notify.settings.addWebhook(p.users.olga.user, 'plant-1', {
        url: 'http://chat.example.com/hook',
        format: 'slack',
      }),
    /must be https/,
  );
});

test('"your access ends in 15 minutes" goes out once, at 15 minutes before the end, and not again after a restart', async (t) => {
  const { h, p, rx } = await setup(t);
  h.gw.services.notify.start();
  const id = (
    await h.call('POST', '/api/v1/requests', {
      token: await p.token('alice'),
      body: p.requestBody(1, 41),
    })
  ).json.id as string;
  await h.call('POST', `/api/v1/requests/${id}/decision`, {
    token: await p.token('olga'),
    body: { decision: 'approve', comment: 'ok' },
  });
  const grant = h.gw.services.store.grants.byRequest(id);
  assert.ok(grant);
  const ending = (): Hit[] =>
    rx.got.filter((g) => String(g.body.text ?? g.body.title).startsWith('Your access ends'));
  // Sending is synchronous on the clock's tick; idle() waits for the posts on the wire.
  const settle = (): Promise<void> => h.gw.services.notify.idle();
  h.clock.advance(grant.notAfter - 15 * 60_000 - 1_000 - h.clock.now());
  await settle();
  assert.equal(ending().length, 0, 'not before 15 minutes to go');
  h.clock.advance(1_000);
  await settle();
  assert.equal(ending().length, 2, 'on both hooks');
  const slack = ending().find((g) => g.path.startsWith('/slack'));
  assert.match(slack?.body.text, /^Your access ends at 2026-06-01 10:41 Europe\/Berlin: hmi-1/);
  h.clock.advance(10 * 60_000);
  await settle();
  assert.equal(ending().length, 2, 'once per grant');
  // A restarted gateway reads what was sent from the database.
  const again = new GrantEndingNotices({
    store: h.gw.services.store.notify,
    clock: h.clock,
    log: silentLogger,
    notifier: { notify: () => assert.fail('sent twice') },
    leadMs: 15 * 60_000,
  });
  assert.equal(again.sendDue(), 0);
});

test('the live count stream needs a portal session: without one, or with an API token, it sends nothing', async (t) => {
  const h = await startHarness(t);
  const p = await seedPlant(h);
  for (const token of [undefined, await p.token('olga')]) {
    const r = await h.call('GET', '/events/pending', token === undefined ? {} : { token });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/login');
    assert.doesNotMatch(r.text, /requests|reviews/);
  }
});
