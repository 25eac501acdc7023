/**
 * The vault's CLI verbs on the built airlock-ot: vault-set reads the secret from stdin (never argv),
 * vault-list never prints it, the master key is created 0600 and refused once others can read it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { OT_MAIN, runNode } from '../../shared/src/testing/processes.js';

test('vault-set and vault-list', { timeout: 60_000 }, async (t) => {
  const dir = makeTempDir(t);
  const cfg = join(dir, 'ot.json');
  writeFileSync(
    join(dir, 'policy.json'),
    JSON.stringify({
      assets: {
        'hmi-1': {
          protocol: 'ssh',
          address: '127.0.0.1',
          port: 22,
          hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
          username: 'operator',
          profiles: { ro: { mode: 'exec-only' } },
        },
      },
    }),
  );
  writeFileSync(
    cfg,
    JSON.stringify({ site: 'plant-a', dataDir: 'data', policyFile: 'policy.json' }),
  );
  const set = await runNode(
    [OT_MAIN, 'vault-set', '--config', cfg, '--asset', 'hmi-1', '--account', 'operator'],
    { input: 'Pl4nt-S3cret\n' },
  );
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /stored password for operator on hmi-1/);
  const keyPath = join(dir, 'data', 'keys', 'vault-master.key');
  assert.equal(statSync(keyPath).mode & 0o777, 0o600);
  const list = await runNode([OT_MAIN, 'vault-list', '--config', cfg]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /hmi-1\toperator\tpassword\tv1\t.*\tok/);
  assert.equal(`${set.stdout}${set.stderr}${list.stdout}`.includes('Pl4nt-S3cret'), false);
  assert.equal(
    readFileSync(join(dir, 'data', 'ot.db')).includes(Buffer.from('Pl4nt-S3cret')),
    false,
  );
  const argvSecret = await runNode([
    OT_MAIN,
    'vault-set',
    '--config',
    cfg,
    '--asset',
    'hmi-1',
    '--account',
    'operator',
    'Pl4nt-S3cret',
  ]);
  assert.equal(argvSecret.code, 2);
  const unknown = await runNode(
    [OT_MAIN, 'vault-set', '--config', cfg, '--asset', 'plc-9', '--account', 'operator'],
    { input: 'x' },
  );
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /plc-9 is not in the local policy/);
  chmodSync(keyPath, 0o644);
  const loose = await runNode([OT_MAIN, 'vault-list', '--config', cfg]);
  assert.equal(loose.code, 1);
  assert.match(loose.stderr, /accessible by group or others/);
});
