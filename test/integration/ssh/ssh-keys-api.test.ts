/**
 * SSH keys over the API (the portal page is the same service): add, list, refuse a duplicate or a
 * bad key with the field named, remove; each change audited; the host key to pin is published;
 * until when a key is fresh (no code at SSH login), and the user ending that shift.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { portalLogin } from '../access/portal-client.js';

useCrypto();

test(
  'users register and remove their SSH keys; the endpoint host key is published for pinning',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t);
    const alice = h.user('alice', ['engineer']);
    const bob = h.user('bob', ['engineer']);
    const token = await h.login(alice);
    const dir = makeTempDir(t);
    execFileSync('/usr/bin/ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'alice@laptop',
      '-f',
      join(dir, 'k'),
    ]);
    const pub = readFileSync(join(dir, 'k.pub'), 'utf8');
    const fingerprint = execFileSync('/usr/bin/ssh-keygen', ['-l', '-f', join(dir, 'k.pub')])
      .toString()
      .split(' ')[1];

    const added = await h.call('POST', '/api/v1/me/ssh-keys', { token, body: { publicKey: pub } });
    assert.equal(added.status, 201, added.text);
    assert.equal(added.json.fingerprint, fingerprint, 'the same fingerprint ssh-keygen -l prints');
    assert.equal(added.json.comment, 'alice@laptop');
    const listed = await h.call('GET', '/api/v1/me/ssh-keys', { token });
    assert.deepEqual(
      listed.json.map((k: { id: string }) => k.id),
      [added.json.id],
    );

    assert.equal(listed.json[0].freshUntil, null, 'not fresh before a key + code SSH login');

    // As a key + code SSH login leaves it (ssh-fresh-login.test.ts makes it with the real client):
    // the key is fresh for 8 h; the list says until when, and the user can end the shift.
    const now = h.clock.now();
    h.gw.services.store.sshFreshLogins.put({
      keyId: added.json.id,
      userId: alice.user.id,
      verifiedAt: now,
      source: '127.0.0.1',
      freshUntil: now + 8 * 3_600_000,
    });
    const fresh = await h.call('GET', '/api/v1/me/ssh-keys', { token });
    assert.equal(fresh.json[0].freshUntil, new Date(now + 8 * 3_600_000).toISOString());
    const ended = await h.call('DELETE', '/api/v1/me/ssh-fresh-keys', { token });
    assert.equal(ended.status, 200, ended.text);
    assert.deepEqual(ended.json, { keys: 1 });
    const after = await h.call('GET', '/api/v1/me/ssh-keys', { token });
    assert.equal(after.json[0].freshUntil, null);
    assert.ok(h.auditActions().includes('auth.logout'));

    // The portal page shows the same, and its button ends the shift.
    h.gw.services.store.sshFreshLogins.put({
      keyId: added.json.id,
      userId: alice.user.id,
      verifiedAt: now,
      source: '127.0.0.1',
      freshUntil: now + 8 * 3_600_000,
    });
    const portal = await portalLogin(h, alice);
    const page = await portal.get('/account/ssh-keys');
    assert.equal(page.status, 200);
    assert.match(page.text, /No code until/);
    assert.match(page.text, /End my SSH shift/);
    const endShift = await portal.post('/account/ssh-keys/end-shift', {});
    assert.equal(endShift.status, 303);
    assert.equal(endShift.location, '/account/ssh-keys?notice=ssh-shift-ended');
    assert.equal(h.gw.services.store.sshFreshLogins.get(added.json.id), undefined);
    assert.doesNotMatch((await portal.get('/account/ssh-keys')).text, /End my SSH shift/);

    const again = await h.call('POST', '/api/v1/me/ssh-keys', {
      token: await h.login(bob),
      body: { publicKey: pub },
    });
    assert.equal(again.status, 409, 'a key belongs to one account');
    const bad = await h.call('POST', '/api/v1/me/ssh-keys', {
      token,
      body: { publicKey: 'ssh-dss AAAA' },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.problems[0].path, 'publicKey');

    const host = await h.call('GET', '/api/v1/ssh/host-key', { token });
    assert.equal(host.status, 200);
    assert.equal(host.json.enabled, true);
    assert.match(host.json.fingerprint, /^SHA256:/);
    assert.match(host.json.knownHosts, /ssh-ed25519 AAAA/);

    assert.equal(
      (await h.call('DELETE', `/api/v1/me/ssh-keys/${added.json.id}`, { token })).status,
      204,
    );
    assert.equal(
      (await h.call('DELETE', `/api/v1/me/ssh-keys/${added.json.id}`, { token })).status,
      404,
    );
    assert.deepEqual(
      h.auditActions().filter((a) => a.startsWith('user.key_')),
      ['user.key_add', 'user.key_remove'],
    );
  },
);
