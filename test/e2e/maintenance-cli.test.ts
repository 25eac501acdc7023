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
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { IT_MAIN, OT_MAIN, runNode, startNode } from '../../shared/src/testing/processes.js';

function writeSecret(path: string, text: string): string {
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

test(
  'IT: backup, refused restores, restore onto another gateway, migrate, tls-import served at the next start',
  { timeout: 120_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const config = (name: string): string => {
      const p = join(dir, name, 'it.json');
      execFileSync('mkdir', ['-p', join(dir, name)]);
      writeFileSync(
        p,
        JSON.stringify({ dataDir: 'data', http: { host: '127.0.0.1', port: 0 }, ssh: { port: 0 } }),
      );
      return p;
    };
    const a = config('a');
    const site = await runNode([
      IT_MAIN,
      'site-add',
      '--config',
      a,
      '--site',
      'plant-1',
      '--timezone',
      'Europe/Berlin',
    ]);
    assert.equal(site.code, 0, site.stderr);
    const pass = writeSecret(join(dir, 'pass'), 'correct horse battery staple\n');
    const backup = await runNode([
      IT_MAIN,
      'backup',
      '--config',
      a,
      '--out',
      join(dir, 'a.backup'),
      '--passphrase-file',
      pass,
    ]);
    assert.equal(backup.code, 0, backup.stderr);
    const made = JSON.parse(backup.stdout) as {
      role: string;
      files: number;
      schema: Record<string, number>;
    };
    assert.equal(made.role, 'it');
    assert.ok(made.schema.it !== undefined && made.schema.setup === 1, backup.stdout);
    const short = writeSecret(join(dir, 'short'), 'too short\n');
    const weak = await runNode([
      IT_MAIN,
      'backup',
      '--config',
      a,
      '--out',
      join(dir, 'b.backup'),
      '--passphrase-file',
      short,
    ]);
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /at least 12 characters/);

    const b = config('b');
    const wrong = writeSecret(join(dir, 'wrong'), 'not the right passphrase\n');
    const refused = await runNode([
      IT_MAIN,
      'restore',
      '--config',
      b,
      '--in',
      join(dir, 'a.backup'),
      '--passphrase-file',
      wrong,
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /wrong passphrase.*\(backup\.wrong_secret\)/);
    const restored = await runNode([
      IT_MAIN,
      'restore',
      '--config',
      b,
      '--in',
      join(dir, 'a.backup'),
      '--passphrase-file',
      pass,
    ]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(
      (JSON.parse(restored.stdout) as { auditChain: { ok: boolean } }).auditChain.ok,
      true,
    );
    const keyOf = async (cfg: string): Promise<string> =>
      (await runNode([IT_MAIN, 'audit-key', '--config', cfg])).stdout;
    assert.equal(await keyOf(b), await keyOf(a), 'the restored gateway has the original keys');

    const migrate = await runNode([IT_MAIN, 'migrate', '--config', b]);
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
    const imported = await runNode([
      IT_MAIN,
      'tls-import',
      '--config',
      b,
      '--cert',
      join(dir, 'org.crt'),
      '--key',
      join(dir, 'org.key'),
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const fp = (JSON.parse(imported.stdout) as { tlsFingerprint: string }).tlsFingerprint;
    const mismatch = await runNode([
      IT_MAIN,
      'tls-import',
      '--config',
      b,
      '--cert',
      join(dir, 'org.crt'),
      '--key',
      join(dir, 'a', 'data', 'tls', 'it-gateway.key'),
    ]);
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stderr, /the key does not belong to the certificate/);
    const it = await startNode(t, [IT_MAIN, 'run', '--config', b]);
    assert.equal(it.ready.tlsFingerprint, fp, 'the next start serves the imported certificate');
    assert.equal(await it.stop('SIGTERM'), 0);
    assert.match(
      readFileSync(join(dir, 'b', 'data', 'tls', 'it-gateway.crt'), 'utf8'),
      /BEGIN CERTIFICATE/,
    );
  },
);

test(
  'OT: a backup restores onto an OT gateway only, with its vault',
  { timeout: 120_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const policy = {
      assets: {
        'hmi-1': {
          protocol: 'ssh',
          address: '127.0.0.1',
          hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
          username: 'operator',
          profiles: { ro: { mode: 'exec-only' } },
        },
      },
    };
    for (const name of ['a', 'b']) {
      execFileSync('mkdir', ['-p', join(dir, name)]);
      writeFileSync(join(dir, name, 'policy.json'), JSON.stringify(policy));
      writeFileSync(
        join(dir, name, 'ot.json'),
        JSON.stringify({ site: 'plant-a', dataDir: 'data', policyFile: 'policy.json' }),
      );
    }
    const a = join(dir, 'a', 'ot.json');
    const set = await runNode(
      [OT_MAIN, 'vault-set', '--config', a, '--asset', 'hmi-1', '--account', 'operator'],
      { input: 'Pl4nt-S3cret\n' },
    );
    assert.equal(set.code, 0, set.stderr);
    const key = join(dir, 'backup.key');
    writeFileSync(key, Buffer.alloc(32, 7), { mode: 0o600 });
    const backup = await runNode([
      OT_MAIN,
      'backup',
      '--config',
      a,
      '--out',
      join(dir, 'ot.backup'),
      '--key-file',
      key,
    ]);
    assert.equal(backup.code, 0, backup.stderr);
    const itConfig = join(dir, 'it.json');
    writeFileSync(itConfig, JSON.stringify({ dataDir: 'it-data' }));
    const onIt = await runNode([
      IT_MAIN,
      'restore',
      '--config',
      itConfig,
      '--in',
      join(dir, 'ot.backup'),
      '--key-file',
      key,
    ]);
    assert.equal(onIt.code, 1);
    assert.match(
      onIt.stderr,
      /backup of an OT gateway \(site plant-a\), and this is an IT gateway/,
    );
    const b = join(dir, 'b', 'ot.json');
    const restored = await runNode([
      OT_MAIN,
      'restore',
      '--config',
      b,
      '--in',
      join(dir, 'ot.backup'),
      '--key-file',
      key,
    ]);
    assert.equal(restored.code, 0, restored.stderr);
    const list = await runNode([OT_MAIN, 'vault-list', '--config', b]);
    assert.match(list.stdout, /hmi-1\toperator\tpassword\tv1\t.*\tok/, 'the restored vault opens');
  },
);
