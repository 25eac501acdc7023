/**
 * The portal page behind an SSH prompt's link, through `app.request()` with a fake clock: only a
 * portal session of the key's owner confirms (no session and an API token are sent to log in and
 * change nothing; another user is refused), a form without the session's CSRF token is refused,
 * confirming makes the key fresh for the gateway's period, and a link is dead after five minutes.
 * Each refusal is audited. The real OpenSSH side is ssh-portal-confirm.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { startHarness } from '../../helpers/it-harness.js';
import { portalLogin } from '../access/portal-client.js';

useCrypto();

test(
  'the SSH confirm page: owner only, portal session only, CSRF, fresh key, five minutes',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t);
    const s = h.gw.services;
    const ssh = s.ssh;
    assert.ok(ssh !== undefined);
    const alice = h.user('alice', ['engineer']);
    const bob = h.user('bob', ['engineer']);
    const dir = makeTempDir(t);
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
    const key = s.auth.sshKeys.add(alice.user, readFileSync(join(dir, 'k.pub'), 'utf8'));
    const issue = () => {
      const v = ssh.confirmations.issue({
        user: alice.user,
        key: { id: key.id, userId: alice.user.id },
        keyFingerprint: key.fingerprint,
        source: '10.9.9.9',
      });
      assert.ok(v !== undefined);
      return v.code;
    };
    const code = issue();
    const path = `/ssh/confirm/${code}`;

    // No session, or an API token: sent to log in (GET) or refused (POST); nothing changes.
    const anon = await h.call('GET', path);
    assert.equal(anon.status, 303);
    assert.equal(anon.headers.get('location'), '/login');
    const token = await h.login(alice);
    assert.equal((await h.call('GET', path, { token })).status, 303);
    const byToken = await h.call('POST', path, { token, rawBody: '' });
    assert.ok(byToken.status === 401 || byToken.status === 403, String(byToken.status));
    assert.equal(ssh.freshKeys.freshUntilByKey(alice.user.id).size, 0);

    // Another user's session: refused, with nothing about the key shown.
    const bobPortal = await portalLogin(h, bob);
    const asBob = await bobPortal.get(path);
    assert.equal(asBob.status, 403);
    assert.doesNotMatch(asBob.text, new RegExp(key.fingerprint.replace(/[+/]/g, '\\$&')));

    // The owner: sees the key and the SSH client's address; a form without CSRF is refused.
    const portal = await portalLogin(h, alice);
    const page = await portal.get(path);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(key.fingerprint));
    assert.match(page.text, /10\.9\.9\.9/);
    const noCsrf = await portal.post(path, { _csrf: 'x' });
    assert.equal(noCsrf.status, 403);
    assert.equal(ssh.freshKeys.freshUntilByKey(alice.user.id).size, 0);
    const done = await portal.post(path, {});
    assert.equal(done.status, 200, done.text.slice(0, 500));
    assert.match(done.text, /SSH login confirmed/);
    const period = s.config.ssh.mfaFreshSeconds * 1000;
    assert.deepEqual(
      [...ssh.freshKeys.freshUntilByKey(alice.user.id)],
      [[key.id, h.clock.now() + period]],
    );
    assert.equal(ssh.confirmations.take(code), 'confirmed');

    // Five minutes later a link is dead.
    const late = issue();
    h.clock.advance(5 * 60_000);
    const expired = await portal.get(`/ssh/confirm/${late}`);
    assert.equal(expired.status, 404);
    assert.match(expired.text, /expired/);
    const bad = await portal.get('/ssh/confirm/not-a-code');
    assert.equal(bad.status, 404);

    const confirms = [...s.store.audit.iterate()]
      .filter((e) => e.action.startsWith('ssh.confirm'))
      .map((e) => [e.action, e.actor, e.outcome, e.details.reason ?? null]);
    assert.deepEqual(confirms, [
      ['ssh.confirm', 'bob', 'denied', 'other-user'],
      ['ssh.confirm', 'alice', 'success', null],
      ['ssh.confirm_expire', 'alice', 'failure', null],
      ['ssh.confirm', 'alice', 'denied', 'expired'],
      ['ssh.confirm', 'alice', 'denied', 'unknown'],
    ]);
  },
);
