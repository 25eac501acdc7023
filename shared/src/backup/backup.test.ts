import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AuditLog } from '../audit/audit-log.js';
import { AUDIT_MIGRATIONS } from '../audit/audit-migrations.js';
import { FakeClock } from '../clock.js';
import { sequentialIds } from '../ids.js';
import { loadOrCreateSigningKey } from '../crypto/key-file.js';
import { openDatabase, type Migration } from '../store/open-database.js';
import { useCrypto } from '../testing/crypto.js';
import { makeTempDir } from '../testing/temp-dir.js';
import { err, ok } from '../result.js';
import type { BackupSecret } from '../crypto/backup-cipher.js';
import { readBackupHeader } from './read-backup.js';
import { restoreBackup, type ConfigLayout, type RestoreTarget } from './restore-backup.js';
import { verifyStagedAuditChain } from './staged-audit-chain.js';
import { writeBackup, type BackupPlan } from './write-backup.js';

useCrypto();

const MIGRATIONS: readonly Migration[] = [
  ...AUDIT_MIGRATIONS,
  {
    component: 'test',
    version: 1,
    name: 'things',
    up: 'CREATE TABLE things (name TEXT PRIMARY KEY) STRICT',
  },
];
const BUILD = { audit: 1, test: 1 };
/** Unit tests stretch the passphrase less; the archive records the limits, restore reads them. */
const FAST = { limits: 'interactive' } as const;
const PASS: BackupSecret = {
  kind: 'passphrase',
  passphrase: Buffer.from('correct horse battery staple'),
};

/** A gateway's files: config (JSON naming dataDir and a policy), database with an audit chain, keys, a recording. */
function makeGateway(root: string, site: string | null, events = 5): string {
  const config = join(root, 'etc', 'gw.json');
  mkdirSync(dirname(config), { recursive: true });
  writeFileSync(
    config,
    JSON.stringify({ dataDir: '../state', policy: '../etc/policy.json', site }),
    { mode: 0o640 },
  );
  writeFileSync(join(root, 'etc', 'policy.json'), '{"assets":{}}\n', { mode: 0o640 });
  const data = join(root, 'state');
  const key = loadOrCreateSigningKey(join(data, 'keys', 'signing.key'));
  const db = openDatabase({ path: join(data, 'gw.db'), migrations: MIGRATIONS });
  const log = new AuditLog({
    db,
    clock: new FakeClock(1_000_000),
    ids: sequentialIds(),
    signingKey: key,
    checkpointEvery: 2,
  });
  for (let i = 0; i < events; i++)
    log.append({ action: 'gateway.start', actor: 'system:test', outcome: 'success' });
  db.prepare("INSERT INTO things VALUES ('kept')").run();
  log.close();
  db.close();
  mkdirSync(join(data, 'recordings'), { recursive: true });
  writeFileSync(join(data, 'recordings', 's1.cast'), 'x'.repeat(200_000));
  writeFileSync(join(data, 'empty'), '');
  return config;
}

function layoutOf(file: string): ReturnType<RestoreTarget['layoutOf']> {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as {
      dataDir: string;
      policy: string;
      site: string | null;
    };
    const base = dirname(file);
    return ok<ConfigLayout>({
      dataDir: resolve(base, c.dataDir),
      databaseFile: 'gw.db',
      site: c.site,
      files: { policy: resolve(base, c.policy) },
    });
  } catch (e) {
    return err((e as Error).message);
  }
}

function planFor(config: string, role: 'it' | 'ot' = 'it'): BackupPlan {
  const l = layoutOf(config);
  if (!l.ok) throw new Error(l.error);
  return {
    role,
    site: l.value.site,
    airlockVersion: '9.9.9',
    dataDir: l.value.dataDir,
    databaseFile: 'gw.db',
    configFile: config,
    files: [{ slot: 'policy', path: l.value.files.policy ?? '' }],
  };
}

function target(config: string, role: 'it' | 'ot' = 'it'): RestoreTarget {
  return {
    role,
    buildSchema: BUILD,
    configFile: config,
    layoutOf,
    verifyStaged: (dataDir, l) =>
      verifyStagedAuditChain(join(dataDir, l.databaseFile), join(dataDir, 'keys', 'signing.key')),
  };
}

/** Everything under dir (paths, sizes, modes), to show that a refused restore changed nothing. */
function snapshot(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = statSync(p);
      out.push(`${p} ${st.isDirectory() ? 'dir' : st.size} ${(st.mode & 0o777).toString(8)}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

test(
  'a backup restores onto a fresh gateway: state, keys, config and named files; the chain verifies',
  { timeout: 60_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const config = makeGateway(join(dir, 'old'), null);
    const archive = join(dir, 'gw.backup');
    const made = await writeBackup(planFor(config), PASS, archive, FAST);
    assert.equal(statSync(archive).mode & 0o777, 0o600);
    assert.deepEqual(made.manifest.schema, BUILD);
    assert.deepEqual(made.manifest.entries.map((e) => e.path).sort(), [
      'config/config.json',
      'data/empty',
      'data/keys/signing.key',
      'data/recordings/s1.cast',
      'database/gw.db',
      'files/policy',
    ]);
    const raw = readFileSync(archive);
    assert.ok(!raw.includes(readFileSync(join(dir, 'old', 'state', 'keys', 'signing.key'))));
    assert.ok(!raw.includes(Buffer.from('x'.repeat(1000))), 'nothing in clear');
    assert.equal(readBackupHeader(archive).header.role, 'it');

    // A fresh gateway (its own first-start state) at another place.
    const fresh = makeGateway(join(dir, 'new'), null, 1);
    const r = await restoreBackup(archive, PASS, target(fresh));
    assert.deepEqual(r.check, { auditEvents: 5, checkpointsVerified: 3 });
    const data = join(dir, 'new', 'state');
    assert.deepEqual(
      readFileSync(join(data, 'keys', 'signing.key')),
      readFileSync(join(dir, 'old', 'state', 'keys', 'signing.key')),
    );
    assert.equal(statSync(join(data, 'keys', 'signing.key')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(data, 'recordings', 's1.cast'), 'utf8').length, 200_000);
    const db = openDatabase({ path: join(data, 'gw.db'), migrations: MIGRATIONS });
    assert.deepEqual(db.prepare('SELECT name FROM things').all(), [{ name: 'kept' }]);
    db.close();
    assert.equal(r.keptAside.length, 3, 'the fresh data dir, config and policy were kept aside');
    for (const p of r.keptAside) assert.ok(existsSync(p), p);
  },
);

test(
  'wrong role, wrong site, wrong passphrase, altered header or body, truncation and appended bytes are refused by name, changing nothing',
  { timeout: 120_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const archive = join(dir, 'gw.backup');
    await writeBackup(planFor(makeGateway(join(dir, 'old'), 'plant-1'), 'ot'), PASS, archive, FAST);
    const fresh = makeGateway(join(dir, 'new'), 'plant-1', 1);
    const before = snapshot(join(dir, 'new'));
    const bytes = readFileSync(archive);
    const variant = (name: string, b: Buffer): string => {
      const p = join(dir, name);
      writeFileSync(p, b);
      return p;
    };
    const headerLen = bytes.readUInt32BE(15);
    const flipped = (at: number): Buffer => {
      const b = Buffer.from(bytes);
      b[at] = (b[at] ?? 0) ^ 0x01;
      return b;
    };
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      [
        'other role',
        () => restoreBackup(archive, PASS, target(fresh, 'it')),
        /backup of an OT gateway \(site plant-1\), and this is an IT gateway/,
      ],
      [
        'wrong passphrase',
        () =>
          restoreBackup(
            archive,
            { kind: 'passphrase', passphrase: Buffer.from('not the passphrase!') },
            target(fresh, 'ot'),
          ),
        /wrong passphrase/,
      ],
      [
        'key file instead of passphrase',
        () =>
          restoreBackup(
            archive,
            { kind: 'key-file', key: new Uint8Array(32) },
            target(fresh, 'ot'),
          ),
        /encrypted with a passphrase, not a key file/,
      ],
      [
        'header altered',
        () =>
          restoreBackup(
            variant(
              'header.backup',
              Buffer.concat([
                bytes.subarray(0, 19),
                Buffer.from(
                  bytes
                    .subarray(19, 19 + headerLen)
                    .toString()
                    .replace('"airlockVersion":"9.9.9"', '"airlockVersion":"9.9.8"'),
                ),
                bytes.subarray(19 + headerLen),
              ]),
            ),
            PASS,
            target(fresh, 'ot'),
          ),
        /tampered with: its header/,
      ],
      [
        'body altered',
        () =>
          restoreBackup(
            variant('body.backup', flipped(bytes.length - 1000)),
            PASS,
            target(fresh, 'ot'),
          ),
        /tampered with: chunk \d+ fails authentication/,
      ],
      [
        'truncated',
        () =>
          restoreBackup(
            variant('short.backup', bytes.subarray(0, bytes.length - 100)),
            PASS,
            target(fresh, 'ot'),
          ),
        /truncated/,
      ],
      [
        'cut at a frame boundary',
        () => {
          const p = variant('cut.backup', bytes);
          // Drop the final frame exactly: its length is known from the frame before it.
          const start = 19 + headerLen + 32 + 24;
          let at = start;
          let last = at;
          while (at < bytes.length) {
            last = at;
            at += 4 + bytes.readUInt32BE(at);
          }
          truncateSync(p, last);
          return restoreBackup(p, PASS, target(fresh, 'ot'));
        },
        /truncated: it ends before its final chunk/,
      ],
      [
        'bytes appended',
        () => {
          const p = variant('long.backup', bytes);
          appendFileSync(p, Buffer.from([0, 0, 0, 40, ...new Array<number>(40).fill(7)]));
          return restoreBackup(p, PASS, target(fresh, 'ot'));
        },
        /tampered with: data follows its final chunk/,
      ],
      [
        'not a backup',
        () => restoreBackup(variant('x.backup', Buffer.from('hello')), PASS, target(fresh, 'ot')),
        /is not an Airlock backup archive/,
      ],
      [
        'newer schema',
        () =>
          restoreBackup(archive, PASS, {
            ...target(fresh, 'ot'),
            buildSchema: { audit: 1, test: 0 },
          }),
        /newer Airlock \(9\.9\.9\); its database schema test\/1 \(this build: test\/0\)/,
      ],
    ];
    for (const [name, run, message] of cases) {
      await assert.rejects(run(), message, name);
      assert.deepEqual(snapshot(join(dir, 'new')), before, `${name}: nothing changed`);
    }
    // Another site's gateway refuses it too.
    const other = makeGateway(join(dir, 'other'), 'plant-2', 1);
    await assert.rejects(
      restoreBackup(archive, PASS, target(other, 'ot')),
      /backup of site plant-1, and this gateway is configured for site plant-2/,
    );
  },
);

test(
  'a key file works as the secret; a backup refuses to overwrite',
  { timeout: 60_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const config = makeGateway(join(dir, 'old'), null, 2);
    const key: BackupSecret = { kind: 'key-file', key: new Uint8Array(32).fill(9) };
    const archive = join(dir, 'gw.backup');
    await writeBackup(planFor(config), key, archive);
    await assert.rejects(writeBackup(planFor(config), key, archive), /refusing to overwrite/);
    assert.deepEqual(
      readdirSync(dir).sort(),
      ['gw.backup', 'old'],
      'no work files are left beside the archive',
    );
    await assert.rejects(
      restoreBackup(
        archive,
        { kind: 'key-file', key: new Uint8Array(32) },
        target(makeGateway(join(dir, 'new'), null, 1)),
      ),
      /wrong key file/,
    );
    const r = await restoreBackup(archive, key, target(join(dir, 'new', 'etc', 'gw.json')));
    assert.equal(r.check.auditEvents, 2);
    chmodSync(archive, 0o644);
  },
);
