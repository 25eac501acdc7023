/**
 * E-mail notices against a real SMTP relay on loopback (smtp-server with STARTTLS, a certificate
 * the gateway trusts through `caFile`, and a login from a 0600 password file): what arrives, to
 * whom, and what it never holds; a relay without STARTTLS gets nothing (never plain text) and the
 * failure is audited.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMAIL_KINDS } from '../../../gateway-it/src/notify/notify.js';
import { createSelfSignedIdentity } from '../../../shared/src/crypto/tls-identity.js';
import { writeSecretFile } from '../../../shared/src/crypto/key-file.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import {
  mailBodyText,
  mailHeader,
  startMailCatcher,
} from '../../../image/demo/mail/mail-catcher.js';
import { startHarness } from '../../helpers/it-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { seedPlant } from '../access/plant-fixture.js';

useCrypto();

const ALL = EMAIL_KINDS.map((k) => k.event);

async function setup(t: TestContext, withoutStartTls = false) {
  const dir = makeTempDir(t);
  const id = await createSelfSignedIdentity({
    hostnames: ['127.0.0.1', 'localhost'],
    commonName: 'test-relay',
  });
  const caFile = join(dir, 'relay-ca.pem');
  writeFileSync(caFile, id.certPem);
  const passwordFile = join(dir, 'smtp-password');
  writeSecretFile(passwordFile, Buffer.from('relay-pass-7f3a\n'));
  const relay = await startMailCatcher({
    dir: join(dir, 'mail'),
    certPem: id.certPem,
    keyPem: id.keyPem,
    user: 'airlock',
    password: 'relay-pass-7f3a',
    withoutStartTls,
  });
  t.after(() => relay.close());
  const h = await startHarness(t, {
    http: { host: '127.0.0.1', port: 0, publicUrl: 'https://airlock.plant.example:8443' },
    notifications: {
      email: {
        host: '127.0.0.1',
        port: relay.port,
        from: 'Airlock <airlock@plant.example>',
        implicitTls: false,
        caFile,
        user: 'airlock',
        passwordFile,
        timeoutSeconds: 5,
        maxAttempts: 2,
        initialBackoffSeconds: 1,
      },
    },
  });
  const p = await seedPlant(h);
  const settings = h.gw.services.notify.settings;
  const root = p.users.root.user;
  for (const name of ['alice', 'olga', 'oscar'] as const)
    settings.setEmail(root, name, { email: `${name}@plant.example`, kinds: ALL });
  return { h, p, relay };
}

test(
  'a request reaches the OT owners by e-mail over STARTTLS, the decision reaches the requester; names, site time and the portal page, no secrets',
  { timeout: 90_000 },
  async (t) => {
    const { h, p, relay } = await setup(t);
    const created = await h.call('POST', '/api/v1/requests', {
      token: await p.token('alice'),
      body: p.requestBody(10, 70),
    });
    assert.equal(created.status, 201, created.text);
    const id = created.json.id as string;
    await h.gw.services.notify.idle();
    await waitFor('two mails', () => relay.mails.length >= 2);
    const to = relay.mails.map((m) => m.to.join(',')).sort();
    assert.deepEqual(to, ['olga@plant.example', 'oscar@plant.example'], 'owners, not alice');
    const m = relay.mails[0];
    assert.ok(m);
    assert.equal(m.secure, true, 'the message came over TLS');
    assert.equal(
      mailHeader(m.raw, 'Subject'),
      'Access request by alice waits for your approval: hmi-1 (maintenance) at plant-1',
    );
    assert.match(mailHeader(m.raw, 'From') ?? '', /airlock@plant\.example/);
    const body = mailBodyText(m.raw);
    assert.match(body, /alice asks for access to hmi-1 \(maintenance\) at plant-1/);
    assert.match(body, /2026-06-01 10:10 Europe\/Berlin → 2026-06-01 11:10 Europe\/Berlin/);
    assert.match(body, new RegExp(`https://airlock\\.plant\\.example:8443/requests/${id}\\b`));

    await h.call('POST', `/api/v1/requests/${id}/decision`, {
      token: await p.token('olga'),
      body: { decision: 'approve', comment: 'go ahead' },
    });
    await h.gw.services.notify.idle();
    await waitFor('the decision mail', () => relay.mails.length >= 3);
    const decision = relay.mails[2];
    assert.ok(decision);
    assert.deepEqual(decision.to, ['alice@plant.example']);
    assert.equal(
      mailHeader(decision.raw, 'Subject'),
      'Your access request was approved: hmi-1 (maintenance) at plant-1',
    );
    const text = mailBodyText(decision.raw);
    assert.match(text, /olga approved alice's access/);
    assert.match(text, /Comment: "go ahead"/);
    for (const mail of relay.mails) {
      const all = mailBodyText(mail.raw) + mail.raw;
      for (const u of Object.values(p.users)) {
        assert.ok(!all.includes(u.password), 'no password');
        assert.ok(!all.includes(u.totpSecret), 'no TOTP secret');
      }
      assert.ok(!all.includes('relay-pass-7f3a'), 'no relay password');
      assert.doesNotMatch(all, /\/decision|approve\?|token=/, 'no link that acts without login');
    }
    const sends = [...h.gw.services.store.audit.iterate()].filter(
      (e) => e.action === 'notify.send',
    );
    assert.equal(sends.length, 3);
    for (const e of sends) {
      assert.equal(e.outcome, 'success');
      assert.equal(e.details['channel'], 'email');
      assert.ok(!JSON.stringify(e.details).includes('@plant.example'), 'audit names users');
    }
  },
);

test('a person gets only the kinds they chose; the requester is never asked to approve their own request', async (t) => {
  const { h, p, relay } = await setup(t);
  h.gw.services.notify.settings.setEmail(p.users.olga.user, 'olga', {
    email: 'olga@plant.example',
    kinds: ['break_glass'],
  });
  h.gw.services.notify.settings.setEmail(p.users.root.user, 'oscar', {
    email: 'oscar@plant.example',
    kinds: ALL,
  });
  // oscar is owner and engineer: his own request goes to olga only, who did not choose it.
  await h.call('POST', '/api/v1/requests', {
    token: await p.token('oscar'),
    body: p.requestBody(),
  });
  await h.gw.services.notify.idle();
  assert.equal(relay.mails.length, 0);
  assert.throws(
    () =>
      h.gw.services.notify.settings.setEmail(p.users.alice.user, 'olga', {
        email: 'evil@example.com',
        kinds: ALL,
      }),
    /no user olga/,
    'nobody but an admin sets another person’s address',
  );
  assert.throws(
    () =>
      h.gw.services.notify.settings.setEmail(p.users.alice.user, 'alice', {
        email: 'not an address',
        kinds: [],
      }),
    /email: not an e-mail address/,
  );
});

test('a relay that does not offer STARTTLS gets nothing; the failure is audited and the action stands', async (t) => {
  const { h, p, relay } = await setup(t, true);
  const created = await h.call('POST', '/api/v1/requests', {
    token: await p.token('alice'),
    body: p.requestBody(),
  });
  assert.equal(created.status, 201);
  await h.gw.services.notify.idle();
  h.clock.advance(1_000); // the one retry (maxAttempts 2)
  await h.gw.services.notify.idle();
  const sends = await waitFor('two failed deliveries', () => {
    const s = [...h.gw.services.store.audit.iterate()].filter((e) => e.action === 'notify.send');
    return s.length === 2 ? s : undefined;
  });
  for (const e of sends) {
    assert.equal(e.outcome, 'failure');
    assert.equal(e.details['attempts'], 2);
    assert.match(String(e.details['error']), /STARTTLS/i);
  }
  assert.equal(relay.mails.length, 0);
});
