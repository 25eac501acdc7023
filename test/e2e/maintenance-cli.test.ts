/**
 * The appliance's maintenance verbs on the built CLIs, without the appliance (no root): backup while
 * state exists, restore onto another gateway's files (and the refusals before it), migrate, and
 * tls-import followed by a start that serves the imported certificate. The booted appliance walks
 * the same verbs in test/appliance/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IT_MAIN, startNode } from '../../shared/src/testing/processes.js';
import {
  itCliFixture,
  ONE_SSH_HOST_POLICY,
  otCliFixture,
  type CliFixture,
} from '../helpers/cli-fixture.js';

function writeSecret(path: string, text: string): string {
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

test(
  'IT: backup, refused restores, restore onto another gateway, migrate, tls-import served at the next start',
  { timeout: 120_000 },
  async (t) => {
    const a = itCliFixture(t);
    const dir = a.dir;
    const site = await a.cli('site-add', '--site', 'plant-1', '--timezone', 'Europe/Berlin');
    assert.equal(site.code, 0, site.stderr);
    const pass = writeSecret(join(dir, 'pass'), 'correct horse battery staple\n');
    const backup = await a.cli('backup', '--out', join(dir, 'a.backup'), '--passphrase-file', pass);
    assert.equal(backup.code, 0, backup.stderr);
    const made = JSON.parse(backup.stdout) as {
      role: string;
      files: number;
      schema: Record<string, number>;
    };
    assert.equal(made.role, 'it');
    assert.ok(made.schema.it !== undefined && made.schema.setup === 1, backup.stdout);
    const short = writeSecret(join(dir, 'short'), 'too short\n');
    const weak = await a.cli('backup', '--out', join(dir, 'b.backup'), '--passphrase-file', short);
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /at least 12 characters/);

    const b = itCliFixture(t);
    const wrong = writeSecret(join(dir, 'wrong'), 'not the right passphrase\n');
    const refused = await b.cli(
      'restore',
      '--in',
      join(dir, 'a.backup'),
      '--passphrase-file',
      wrong,
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /wrong passphrase.*\(backup\.wrong_secret\)/);
    const restored = await b.cli(
      'restore',
      '--in',
      join(dir, 'a.backup'),
      '--passphrase-file',
      pass,
    );
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(
      (JSON.parse(restored.stdout) as { auditChain: { ok: boolean } }).auditChain.ok,
      true,
    );
    const keyOf = async (fx: CliFixture): Promise<string> => (await fx.cli('audit-key')).stdout;
    assert.equal(await keyOf(b), await keyOf(a), 'the restored gateway has the original keys');

    const migrate = await b.cli('migrate');
    assert.equal(migrate.code, 0, migrate.stderr);
    const m = JSON.parse(migrate.stdout) as { before: unknown; after: unknown };
    assert.deepEqual(m.before, m.after, 'nothing to migrate');

    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'org.key'),
        '-out',
        join(dir, 'org.crt'),
        '-days',
        '2',
        '-subj',
        '/CN=airlock.example.test',
        '-addext',
        'subjectAltName=DNS:airlock.example.test',
        '-addext',
        'basicConstraints=critical,CA:FALSE',
      ],
      { stdio: 'ignore' },
    );
    const imported = await b.cli(
      'tls-import',
      '--cert',
      join(dir, 'org.crt'),
      '--key',
      join(dir, 'org.key'),
    );
    assert.equal(imported.code, 0, imported.stderr);
    const fp = (JSON.parse(imported.stdout) as { tlsFingerprint: string }).tlsFingerprint;
    const mismatch = await b.cli(
      'tls-import',
      '--cert',
      join(dir, 'org.crt'),
      '--key',
      join(a.dataDir, 'tls', 'it-gateway.key'),
    );
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stderr, /the key does not belong to the certificate/);
    const it = await startNode(t, [IT_MAIN, 'run', '--config', b.cfg]);
    assert.equal(it.ready.tlsFingerprint, fp, 'the next start serves the imported certificate');
    assert.equal(await it.stop('SIGTERM'), 0);
    assert.match(
      readFileSync(join(b.dataDir, 'tls', 'it-gateway.crt'), 'utf8'),
      /BEGIN CERTIFICATE/,
    );
  },
);

test(
  'OT: a backup restores onto an OT gateway only, with its vault',
  { timeout: 120_000 },
  async (t) => {
    const a = otCliFixture(t, { policy: ONE_SSH_HOST_POLICY });
    const b = otCliFixture(t, { policy: ONE_SSH_HOST_POLICY });
    const dir = a.dir;
    const set = await a.vaultSet('hmi-1', 'operator', 'Pl4nt-S3cret');
    assert.equal(set.code, 0, set.stderr);
    const key = join(dir, 'backup.key');
    writeFileSync(key, Buffer.alloc(32, 7), { mode: 0o600 });
    const backup = await a.cli('backup', '--out', join(dir, 'ot.backup'), '--key-file', key);
    assert.equal(backup.code, 0, backup.stderr);
    const onIt = await itCliFixture(t).cli(
      'restore',
      '--in',
      join(dir, 'ot.backup'),
      '--key-file',
      key,
    );
    assert.equal(onIt.code, 1);
    assert.match(
      onIt.stderr,
      /backup of an OT gateway \(site plant-a\), and this is an IT gateway/,
    );
    const restored = await b.cli('restore', '--in', join(dir, 'ot.backup'), '--key-file', key);
    assert.equal(restored.code, 0, restored.stderr);
    const list = await b.cli('vault-list');
    assert.match(list.stdout, /hmi-1\toperator\tpassword\tv1\t.*\tok/, 'the restored vault opens');
  },
);
