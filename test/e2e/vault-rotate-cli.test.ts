/**
 * `airlock-ot vault-rotate` on the built CLI against a real sshd: the account's password changes on
 * the target (the old one stops working, checked with a fresh login), the new one is never printed,
 * vault-list shows the new version; an asset without rotation settings, or a rotation account the
 * target refuses, exits 1 with one line and keeps the old password.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { otCliFixture } from '../helpers/cli-fixture.js';
import { allowSudoChpasswd, passwordLogin, startSshd } from '../peers/sshd.js';

test('vault-rotate against a real sshd', { timeout: 90_000 }, async (t) => {
  const sshd = await startSshd(t, { users: 2 });
  const [user, rotator] = sshd.users;
  assert.ok(user && rotator);
  allowSudoChpasswd(t, rotator.name);
  const ssh = {
    protocol: 'ssh',
    address: '127.0.0.1',
    port: sshd.port,
    hostKey: sshd.hostKey,
    username: user.name,
    profiles: { ro: { mode: 'exec-only' } },
  };
  const { cli, vaultSet: set } = otCliFixture(t, {
    policy: {
      assets: {
        'hmi-1': { ...ssh, rotation: { account: rotator.name, command: 'sudo chpasswd' } },
        'hmi-2': ssh,
      },
    },
  });
  for (const [asset, account, secret] of [
    ['hmi-1', user.name, user.password],
    ['hmi-1', rotator.name, 'wrong-password'],
    ['hmi-2', user.name, user.password],
  ] as const) {
    assert.equal((await set(asset, account, secret)).code, 0);
  }

  const refused = await cli('vault-rotate', '--asset', 'hmi-1');
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(
    refused.stderr,
    /rotation failed, the old password is kept: .*\(ssh\.target_auth_failed\)/,
  );
  assert.equal(await passwordLogin(sshd, user.name, user.password), true);

  const none = await cli('vault-rotate', '--asset', 'hmi-2');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /hmi-2 has no rotation settings/);

  assert.equal((await set('hmi-1', rotator.name, rotator.password)).code, 0);
  const ok = await cli('vault-rotate', '--asset', 'hmi-1');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, `rotated the password of ${user.name} on hmi-1\n`);
  assert.equal(
    await passwordLogin(sshd, user.name, user.password),
    false,
    'the old password no longer logs in',
  );
  const list = await cli('vault-list', '--json');
  const entry = (
    JSON.parse(list.stdout) as {
      asset: string;
      account: string;
      version: number;
      rotatedAt: number | null;
      hasPending: boolean;
    }[]
  ).find((e) => e.asset === 'hmi-1' && e.account === user.name);
  assert.equal(entry?.version, 2);
  assert.equal(typeof entry?.rotatedAt, 'number');
  assert.equal(entry?.hasPending, false);
  const usage = await cli('vault-rotate');
  assert.equal(usage.code, 2);
});
