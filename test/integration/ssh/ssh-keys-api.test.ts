/**
 * SSH keys over the API (the portal page is the same service): add, list, refuse a duplicate or a
 * bad key with the field named, remove; each change audited; the host key to pin is published.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';

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
