import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSync } from 'otplib';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../../test/helpers/it-harness.js';
import { generateSetupCode, normalizeSetupCode } from './setup.js';

useCrypto();

test('set-up codes are 100 random bits in groups, read back whatever the case and dashes', () => {
  const code = generateSetupCode();
  assert.match(code, /^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/);
  assert.notEqual(generateSetupCode(), code);
  assert.equal(normalizeSetupCode(code.toLowerCase().replace(/-/g, ' ')), code.replace(/-/g, ''));
  assert.equal(normalizeSetupCode('0O1IL'), '00111');
});

test('the first admin is created once with the console code, then enrolls TOTP; every refusal is audited', async (t) => {
  const h = await startHarness(t);
  const setup = h.gw.services.setup;
  assert.equal(setup.isOpen(), false, 'no code before a start issues one');
  const first = setup.issueIfNeeded();
  const code = setup.issueIfNeeded();
  assert.ok(first !== undefined && code !== undefined);
  assert.equal(setup.isOpen(), true);
  assert.deepEqual((await h.call('GET', '/api/v1/setup')).json, { open: true });

  // The earlier code was replaced by the later start's; a wrong code is refused and audited.
  const wrong = await h.call('POST', '/api/v1/setup', {
    body: { code: first, name: 'root-admin', password: 'a long enough passphrase 1' },
  });
  assert.equal(wrong.status, 403, wrong.text);
  assert.equal(wrong.json.error.code, 'setup.wrong_code');
  // A weak password leaves the code usable.
  const weak = await h.call('POST', '/api/v1/setup', {
    body: { code, name: 'root-admin', password: 'short' },
  });
  assert.equal(weak.status, 400, weak.text);
  assert.equal(setup.isOpen(), true);

  const made = await h.call('POST', '/api/v1/setup', {
    body: { code: code.toLowerCase(), name: 'root-admin', password: 'a long enough passphrase 1' },
  });
  assert.equal(made.status, 201, made.text);
  assert.equal(made.json.name, 'root-admin');
  assert.match(made.json.otpauthUri, /^otpauth:\/\/totp\//);
  assert.equal(setup.isOpen(), false);

  // The account cannot log in before its authenticator is confirmed; then it is an admin.
  const early = await h.call('POST', '/api/v1/auth/login', {
    body: { name: 'root-admin', password: 'a long enough passphrase 1', code: '123456' },
  });
  assert.equal(early.status, 403, early.text);
  const confirmed = await h.call('POST', '/api/v1/auth/enroll/confirm', {
    body: {
      enrollmentToken: made.json.enrollmentToken,
      code: generateSync({ secret: made.json.secret, epoch: Math.floor(h.clock.now() / 1000) }),
    },
  });
  assert.equal(confirmed.status, 200, confirmed.text);
  const me = await h.call('GET', '/api/v1/me', { token: confirmed.json.token });
  assert.deepEqual(me.json.roles, ['admin']);

  // The code is spent, and set-up is closed for good: no new code while an admin exists.
  const again = await h.call('POST', '/api/v1/setup', {
    body: { code, name: 'second-admin', password: 'a long enough passphrase 2' },
  });
  assert.equal(again.status, 403, again.text);
  assert.equal(again.json.error.code, 'setup.done');
  assert.equal(setup.issueIfNeeded(), undefined);
  assert.deepEqual((await h.call('GET', '/api/v1/setup')).json, { open: false });

  const setupEvents = [...h.gw.services.store.audit.iterate()]
    .filter((e) => e.action.startsWith('setup.'))
    .map((e) => [e.action, e.outcome, (e.details as { reason?: string }).reason ?? '']);
  assert.deepEqual(setupEvents, [
    ['setup.code_issue', 'success', ''],
    ['setup.code_issue', 'success', ''],
    ['setup.refuse', 'denied', 'wrong_code'],
    ['setup.complete', 'success', ''],
    ['setup.refuse', 'denied', 'done'],
  ]);
  const log = JSON.stringify([...h.gw.services.store.audit.iterate()]);
  assert.ok(
    !log.includes(code) && !log.includes(normalizeSetupCode(code)),
    'the code is never recorded',
  );
});

test('the portal set-up page takes the code and continues into TOTP enrollment', async (t) => {
  const h = await startHarness(t);
  const code = h.gw.services.setup.issueIfNeeded() ?? '';
  const page = await h.call('GET', '/setup');
  assert.equal(page.status, 200);
  const pre = /name="_pre" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const form = new URLSearchParams({
    _pre: pre,
    code,
    name: 'site-admin',
    password: 'a long enough passphrase 3',
  });
  const posted = await h.call('POST', '/setup', {
    rawBody: form.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
  });
  assert.equal(posted.status, 303, posted.text);
  assert.equal(posted.headers.get('location'), '/login/enroll');
  const done = await h.call('GET', '/setup');
  assert.match(done.text, /Set-up is done/);
});
