/**
 * The outgoing webhook against a real HTTP receiver on loopback: signed JSON POSTs for request
 * created, approved, denied, revoked and break-glass; the receiver's check of the signature;
 * retries with backoff on the fake clock; the outcome of each delivery audited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeSecretFile } from '../../../shared/src/crypto/key-file.js';
import type { WebhookNotifier } from '../../../gateway-it/src/notify/webhook-notifier.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { HARNESS_START, startHarness } from '../../helpers/it-harness.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { seedPlant } from './plant-fixture.js';

useCrypto();

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

async function receiver(t: Parameters<typeof makeTempDir>[0], statuses: number[]) {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end('ok');
    });
    req.on('error', () => res.destroy());
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { got, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/airlock` };
}

/** What a receiving plant does: recompute the MAC over "<timestamp>.<body>" and compare in constant time. */
function verify(secret: Buffer, r: Received): boolean {
  const ts = String(r.headers['x-airlock-timestamp']);
  const expected = Buffer.from(
    `v1=${createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex')}`,
  );
  const given = Buffer.from(String(r.headers['x-airlock-signature']));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

async function setup(t: Parameters<typeof makeTempDir>[0], statuses: number[], maxAttempts = 4) {
  const dir = makeTempDir(t);
  const secret = randomBytes(32);
  const secretFile = join(dir, 'webhook.key');
  writeSecretFile(secretFile, secret);
  const rx = await receiver(t, statuses);
  const h = await startHarness(t, {
    notifications: {
      webhook: {
        url: rx.url,
        secretFile,
        timeoutSeconds: 5,
        maxAttempts,
        initialBackoffSeconds: 2,
      },
    },
  });
  const p = await seedPlant(h);
  const notifier = h.gw.services.notify.webhook as WebhookNotifier;
  return { h, p, rx, secret, notifier };
}

test(
  'each event is one signed JSON POST the receiver can verify; a tampered body does not verify',
  { timeout: 90_000 },
  async (t) => {
    const { h, p, rx, secret, notifier } = await setup(t, []);
    const id = (
      await h.call('POST', '/api/v1/requests', {
        token: await p.token('alice'),
        body: p.requestBody(),
      })
    ).json.id as string;
    const olga = await p.token('olga');
    const approved = await h.call('POST', `/api/v1/requests/${id}/decision`, {
      token: olga,
      body: { decision: 'approve', comment: 'ok' },
    });
    await h.call('POST', `/api/v1/requests/${id}/decision`, {
      token: olga,
      body: { decision: 'deny', comment: 'changed my mind' },
    });
    h.gw.services.auth.userAdmin.updateUser(
      p.users.bob.user.id,
      { canBreakGlass: true },
      { cli: 'cli:test' },
    );
    await h.call('POST', '/api/v1/break-glass', {
      token: await p.token('bob'),
      body: {
        site: 'plant-1',
        assets: [{ asset: 'hmi-1', profile: 'maintenance' }],
        durationMinutes: 30,
        justification: 'HMI frozen, operators blind on line 2',
      },
    });
    await notifier.idle();
    const events = rx.got.map((r) => r.headers['x-airlock-event']);
    assert.deepEqual(events, [
      'request.created',
      'request.approved',
      'request.denied',
      'grant.revoked',
      'break_glass',
    ]);
    for (const r of rx.got) {
      assert.equal(r.headers['content-type'], 'application/json');
      assert.ok(verify(secret, r), `signature of ${String(r.headers['x-airlock-event'])}`);
      assert.equal(JSON.parse(r.body).id, r.headers['x-airlock-delivery']);
      const ts = Number(r.headers['x-airlock-timestamp']) * 1000;
      assert.ok(
        ts >= HARNESS_START && ts <= h.clock.now(),
        'the timestamp comes from the gateway clock',
      );
    }
    const first = rx.got[0];
    assert.ok(first !== undefined);
    assert.equal(
      verify(secret, { ...first, body: first.body.replace('alice', 'mallory') }),
      false,
      'any change breaks the MAC',
    );
    const created = JSON.parse(first.body);
    assert.equal(created.site, 'plant-1');
    assert.equal(created.user, 'alice');
    assert.deepEqual(created.recipients, ['olga', 'oscar']);
    assert.deepEqual(created.assets, [{ asset: 'hmi-1', protocol: 'ssh', profile: 'maintenance' }]);
    const approvedBody = JSON.parse(rx.got[1]?.body ?? '{}');
    assert.equal(approvedBody.grantId, approved.json.grantId);
    assert.equal(approvedBody.comment, 'ok');
    const bg = JSON.parse(rx.got[4]?.body ?? '{}');
    assert.equal(bg.breakGlass, true);
    assert.deepEqual(
      bg.recipients,
      ['olga', 'oscar'],
      'break-glass alerts every OT owner of the site',
    );
    const sends = [...h.gw.services.store.audit.iterate()].filter(
      (e) => e.action === 'notify.send',
    );
    assert.equal(sends.length, 5);
    assert.ok(sends.every((e) => e.outcome === 'success' && e.details.attempts === 1));
    assert.ok(!JSON.stringify(sends).includes(secret.toString('hex')));
  },
);

test(
  'a failing receiver is retried with backoff on the clock; the final outcome is audited',
  { timeout: 60_000 },
  async (t) => {
    const { h, p, rx, notifier } = await setup(t, [500, 503], 3);
    await h.call('POST', '/api/v1/requests', {
      token: await p.token('alice'),
      body: p.requestBody(),
    });
    await notifier.idle();
    assert.equal(rx.got.length, 1);
    assert.equal(notifier.pendingRetries, 1);
    h.clock.advance(1999);
    await notifier.idle();
    assert.equal(rx.got.length, 1, 'first retry after 2 s');
    h.clock.advance(1);
    await notifier.idle();
    assert.equal(rx.got.length, 2);
    h.clock.advance(4000);
    await notifier.idle();
    assert.equal(rx.got.length, 3, 'second retry after 4 more seconds');
    assert.equal(
      new Set(rx.got.map((r) => r.headers['x-airlock-delivery'])).size,
      1,
      'one delivery id across attempts',
    );
    const send = [...h.gw.services.store.audit.iterate()].filter((e) => e.action === 'notify.send');
    assert.deepEqual(
      send.map((e) => [e.outcome, e.details.attempts]),
      [['success', 3]],
    );
  },
);

test('after the last attempt a delivery is audited as failed', { timeout: 60_000 }, async (t) => {
  const { h, p, rx, notifier } = await setup(t, [500, 500, 500], 2);
  await h.call('POST', '/api/v1/requests', {
    token: await p.token('alice'),
    body: p.requestBody(),
  });
  await notifier.idle();
  h.clock.advance(2000);
  await notifier.idle();
  assert.equal(rx.got.length, 2);
  assert.equal(notifier.pendingRetries, 0);
  const send = [...h.gw.services.store.audit.iterate()].filter((e) => e.action === 'notify.send');
  assert.equal(send.length, 1);
  assert.equal(send[0]?.outcome, 'failure');
  assert.equal(send[0]?.details.error, 'HTTP 500');
});
