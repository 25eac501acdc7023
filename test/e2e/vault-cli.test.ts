/**
 * The vault's CLI verbs on the built airlock-ot: vault-set reads the secret from stdin (never argv),
 * vault-list never prints it, the master key is created 0600 and refused once others can read it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ONE_SSH_HOST_POLICY, otCliFixture } from '../helpers/cli-fixture.js';

test('vault-set and vault-list', { timeout: 60_000 }, async (t) => {
  const { dataDir, cli, cliWith, vaultSet } = otCliFixture(t, { policy: ONE_SSH_HOST_POLICY });
  const set = await vaultSet('hmi-1', 'operator', 'Pl4nt-S3cret');
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /stored password for operator on hmi-1/);
  const keyPath = join(dataDir, 'keys', 'vault-master.key');
  assert.equal(statSync(keyPath).mode & 0o777, 0o600);
  const list = await cli('vault-list');
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /hmi-1\toperator\tpassword\tv1\t.*\tok/);
  assert.equal(`${set.stdout}${set.stderr}${list.stdout}`.includes('Pl4nt-S3cret'), false);
  assert.equal(readFileSync(join(dataDir, 'ot.db')).includes(Buffer.from('Pl4nt-S3cret')), false);
  const argvSecret = await cli(
    'vault-set',
    '--asset',
    'hmi-1',
    '--account',
    'operator',
    'Pl4nt-S3cret',
  );
  assert.equal(argvSecret.code, 2);
  const unknown = await cliWith(
    { input: 'x' },
    'vault-set',
    '--asset',
    'plc-9',
    '--account',
    'operator',
  );
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /plc-9 is not in the local policy/);
  chmodSync(keyPath, 0o644);
  const loose = await cli('vault-list');
  assert.equal(loose.code, 1);
  assert.match(loose.stderr, /accessible by group or others/);
});
