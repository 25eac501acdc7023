/**
 * Test fixtures for export and SIEM tests: an IT log with events of two sites and site-less ones,
 * an OT log of plant-1 signed by another key (standing in for the link's ingest), recordings as
 * files, and a tool that rewrites a bundle the way an attacker would (edit, re-hash, re-sign).
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import { extract, pack } from 'tar-stream';
import { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { AUDIT_MIGRATIONS } from '../../../shared/src/audit/audit-migrations.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { openDatabase, type Db } from '../../../shared/src/store/open-database.js';
import { canonicalJson } from '../../../shared/src/crypto/canonical.js';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import {
  generateSigningKeyPair,
  signDetached,
  type SigningKeyPair,
} from '../../../shared/src/crypto/signing.js';
import { blake2bHex } from '../../../shared/src/crypto/hash.js';
import { sqliteAuditChain, type AuditChain, type SiteEventSource } from './audit-chain.js';
import type { SessionArtifact } from './export-bundle.js';

export const HOUR = 3_600_000;

export interface TwoLogs {
  readonly clock: FakeClock;
  readonly itDb: Db;
  readonly it: AuditLog;
  readonly itKey: SigningKeyPair;
  readonly otDb: Db;
  readonly ot: AuditLog;
  readonly otKey: SigningKeyPair;
  readonly itChain: AuditChain;
  readonly otChain: AuditChain;
  readonly sites: SiteEventSource;
  /** Content of the recording of session `ses-2`, whose recording.close is in the OT log. */
  readonly recording: Buffer;
}

export function twoLogs(checkpointEvery = 5): TwoLogs {
  const clock = new FakeClock(Date.UTC(2026, 5, 1, 18));
  const itDb = openDatabase({ path: ':memory:', migrations: AUDIT_MIGRATIONS });
  const otDb = openDatabase({ path: ':memory:', migrations: AUDIT_MIGRATIONS });
  const itKey = generateSigningKeyPair();
  const otKey = generateSigningKeyPair();
  const it = new AuditLog({
    db: itDb,
    clock,
    ids: sequentialIds(),
    signingKey: itKey,
    checkpointEvery,
    checkpointIntervalMs: 0,
  });
  const ot = new AuditLog({
    db: otDb,
    clock,
    ids: sequentialIds(),
    signingKey: otKey,
    checkpointEvery,
    checkpointIntervalMs: 0,
  });
  const recording = Buffer.from(
    '{"version":2,"width":80,"height":24}\n[0.5,"o","$ systemctl status pump\\r\\n"]\n',
  );
  // Four hours, one step every 10 minutes: IT events for plant-1, plant-2 and none; OT events of plant-1.
  for (let i = 0; i < 24; i++) {
    clock.advance(10 * 60_000);
    it.append({
      action: 'request.create',
      actor: 'vera',
      site: 'plant-1',
      target: 'hmi-1',
      outcome: 'success',
      details: { i },
    });
    it.append({
      action: 'request.create',
      actor: 'otto',
      site: 'plant-2',
      target: 'plc-9',
      outcome: 'success',
      details: { i, secretProject: 'plant-2-only' },
    });
    if (i % 3 === 0)
      it.append({ action: 'auth.login', actor: 'vera', outcome: 'success', details: { i } });
    ot.append({
      action: 'modbus.write',
      actor: 'vera',
      site: 'plant-1',
      target: 'plc-1',
      outcome: 'success',
      details: { address: 40001, value: i },
    });
    if (i === 12) {
      ot.append({
        action: 'recording.close',
        actor: 'system:ot',
        site: 'plant-1',
        target: 'hmi-1',
        outcome: 'success',
        details: { sessionId: 'ses-2', blake2b: blake2bHex(recording), bytes: recording.length },
      });
    }
  }
  const itChain = sqliteAuditChain(itDb, itKey.publicKey);
  const otChain = sqliteAuditChain(otDb, otKey.publicKey);
  const sites: SiteEventSource = {
    sites: () => ['plant-1'],
    otChain: (s) => (s === 'plant-1' ? otChain : undefined),
  };
  return { clock, itDb, it, itKey, otDb, ot, otKey, itChain, otChain, sites, recording };
}

export function fileArtifact(
  sessionId: string,
  kind: SessionArtifact['kind'],
  name: string,
  path: string,
): SessionArtifact {
  return { sessionId, kind, name, open: () => createReadStream(path), path };
}

export async function readBundleFiles(path: string): Promise<{ name: string; data: Buffer }[]> {
  const ex = extract();
  Readable.from([readFileSync(path)])
    .pipe(createGunzip())
    .pipe(ex);
  const out: { name: string; data: Buffer }[] = [];
  for await (const entry of ex) {
    const parts: Buffer[] = [];
    for await (const c of entry) parts.push(c as Buffer);
    out.push({ name: entry.header.name, data: Buffer.concat(parts) });
  }
  return out;
}

export async function writeBundleFiles(
  path: string,
  files: readonly { name: string; data: Buffer }[],
): Promise<void> {
  const p = pack();
  for (const f of files) p.entry({ name: f.name, size: f.data.length }, f.data);
  p.finalize();
  const parts: Buffer[] = [];
  for await (const c of p) parts.push(c as Buffer);
  writeFileSync(path, gzipSync(Buffer.concat(parts)));
}

/** Rewrites a bundle: `edit` changes the files; with `resignWith`, the manifest's hashes are updated and it is re-signed with that key (named as signer). */
export async function tamper(
  src: string,
  dir: string,
  name: string,
  edit: (files: { name: string; data: Buffer }[]) => void,
  resignWith?: SigningKeyPair,
): Promise<string> {
  const files = await readBundleFiles(src);
  edit(files);
  if (resignWith !== undefined) {
    const mIdx = files.findIndex((f) => f.name === 'manifest.json');
    const m = JSON.parse(files[mIdx]?.data.toString('utf8') ?? '{}') as {
      signer: { publicKey: string };
      files: { path: string; sha256: string; bytes: number }[];
    };
    for (const entry of m.files) {
      const f = files.find((x) => x.name === entry.path);
      if (f !== undefined) {
        entry.sha256 = createHash('sha256').update(f.data).digest('hex');
        entry.bytes = f.data.length;
      }
    }
    m.signer.publicKey = toBase64Url(resignWith.publicKey);
    const bytes = Buffer.from(canonicalJson(m));
    files[mIdx] = { name: 'manifest.json', data: bytes };
    const sIdx = files.findIndex((f) => f.name === 'manifest.sig');
    files[sIdx] = {
      name: 'manifest.sig',
      data: Buffer.from(`${toBase64Url(signDetached(bytes, resignWith.secretKey))}\n`),
    };
  }
  const out = join(dir, `${name}.tar.gz`);
  await writeBundleFiles(out, files);
  return out;
}

export { generateSigningKeyPair };

export interface FileLog {
  readonly path: string;
  readonly db: Db;
  readonly log: AuditLog;
  readonly key: SigningKeyPair;
  readonly chain: AuditChain;
  readonly clock: FakeClock;
}

/**
 * An IT log in a database file (another connection, such as the export worker's, can open it)
 * with `events` events, written quickly in batches: three in four are plant-1's, the rest
 * plant-2's (withheld from plant-1's bundle). Starts at 2026-06-01 18:00 UTC, 40 s per 1,000 events.
 */
export function fileLog(dir: string, events: number): FileLog {
  const clock = new FakeClock(Date.UTC(2026, 5, 1, 18));
  const path = join(dir, 'audit.db');
  const db = openDatabase({ path, migrations: AUDIT_MIGRATIONS });
  db.pragma('synchronous = OFF'); // a fixture: durability is not under test
  const key = generateSigningKeyPair();
  const log = new AuditLog({
    db,
    clock,
    ids: sequentialIds(),
    signingKey: key,
    checkpointIntervalMs: 0,
  });
  for (let at = 0; at < events; at += 1000) {
    clock.advance(40_000);
    log.appendMany(
      Array.from({ length: Math.min(1000, events - at) }, (_, k) => {
        const i = at + k;
        return {
          action: i % 10 === 0 ? 'ssh.command' : 'modbus.write',
          actor: `user-${i % 17}`,
          site: i % 4 === 3 ? 'plant-2' : 'plant-1',
          target: `plc-${i % 5}`,
          outcome: 'success' as const,
          details: { address: 40001 + (i % 100), value: i },
        };
      }),
    );
  }
  return { path, db, log, key, chain: sqliteAuditChain(db, key.publicKey), clock };
}
