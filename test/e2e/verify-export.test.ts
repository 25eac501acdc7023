/**
 * `airlock-it verify-export` as a real process, with nothing but the bundle (no config, no data
 * directory, run from an empty directory): exit 0 on a fresh bundle, 1 naming the cause on a
 * tampered one, 2 on usage errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { IT_MAIN, runNode } from '../../shared/src/testing/processes.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import {
  generateSigningKeyPair,
  tamper,
  twoLogs,
} from '../../gateway-it/src/audit/two-logs.fixture.js';
import { toBase64Url } from '../../shared/src/crypto/encoding.js';
import { readSecretFile } from '../../shared/src/crypto/key-file.js';
import { publicKeyOf } from '../../shared/src/crypto/signing.js';
import { writeExportBundle } from '../../gateway-it/src/audit/export-bundle.js';
import { itCliFixture } from '../helpers/cli-fixture.js';

useCrypto();

test(
  'verify-export checks a bundle offline and exits 0, 1 or 2',
  { timeout: 60_000 },
  async (t) => {
    const logs = twoLogs();
    const dir = makeTempDir(t);
    const path = join(dir, 'plant-1.tar.gz');
    const from = Date.UTC(2026, 5, 1, 19);
    logs.it.checkpoint();
    await writeExportBundle(
      {
        exportId: 'exp-e2e',
        site: 'plant-1',
        from,
        to: from + 7_200_000,
        exportedBy: 'audrey',
        createdAt: logs.clock.now(),
      },
      { it: logs.itChain, ot: logs.otChain, artifacts: [], signingKey: logs.itKey },
      dir,
      path,
    );
    const key = toBase64Url(logs.itKey.publicKey);
    const keyFile = join(dir, 'audit.pub');
    writeFileSync(keyFile, `${key}\n`);
    const empty = makeTempDir(t);
    const env = { AIRLOCK_IT_DATADIR: join(empty, 'nothing-here') };

    const okRun = await runNode([IT_MAIN, 'verify-export', path, `--public-key=${key}`], { env });
    assert.equal(okRun.code, 0, okRun.stdout + okRun.stderr);
    assert.match(okRun.stdout, /^VERIFIED: /);
    assert.match(okRun.stdout, /site plant-1/);
    const withFile = await runNode(
      [IT_MAIN, 'verify-export', path, '--public-key', keyFile, '--json'],
      { env },
    );
    assert.equal(withFile.code, 0, withFile.stderr);
    assert.equal((JSON.parse(withFile.stdout) as { ok: boolean }).ok, true);

    const bad = await tamper(path, dir, 'resigned', () => undefined, generateSigningKeyPair());
    const failed = await runNode([IT_MAIN, 'verify-export', bad, `--public-key=${key}`], { env });
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /^VERIFICATION FAILED: /);
    assert.match(
      failed.stdout,
      /FAIL \[manifest\.signer\] manifest\.sig: the manifest is signed by \S+, not by the expected key/,
    );

    const usage = await runNode([IT_MAIN, 'verify-export'], { env });
    assert.equal(usage.code, 2);
    const badKey = await runNode([IT_MAIN, 'verify-export', path, '--public-key', 'nope'], { env });
    assert.equal(badKey.code, 2);
    assert.match(badKey.stderr, /--public-key nope/);
  },
);

test(
  'audit-key prints the public key that verify-export expects',
  { timeout: 60_000 },
  async (t) => {
    const { dataDir, cli } = itCliFixture(t);
    const missing = await cli('audit-key');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no audit key at .*start the gateway once/);
    assert.equal((await cli('site-add', '--site', 'plant-1', '--timezone', 'UTC')).code, 0);
    const r = await cli('audit-key');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout.trim(),
      toBase64Url(publicKeyOf(readSecretFile(join(dataDir, 'keys', 'audit-signing.key'), 64))),
    );
  },
);
