/**
 * Audit append throughput (issue 22): events per second into the hash-chained log on a file database
 * with the gateway's settings (WAL, synchronous=FULL: every commit is durable), sustained over
 * EVENTS events, for
 *  - one event per commit (`append`: what a single action costs),
 *  - batches in one transaction (`appendMany`: where many events come at once, e.g. the OT ingest),
 *  - the group-commit queue (`appendDurable`: concurrent callers that each await durability),
 * against a baseline measured in the same run: plain INSERTs of rows of the same size into a table of
 * the same shape, without hashing or signing, one per commit and batched.
 * Target: >= 20,000 events/s sustained with hash chain (batched or group commit).
 * Each figure also prints this process's CPU time per event (user + system, µs), the steadier
 * number on a shared machine: wall-clock rates there measure the neighbours as much as the code.
 *   npm run bench -- audit-append        EVENTS=50000 for a shorter run
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../shared/src/audit/audit-log.js';
import { AUDIT_MIGRATIONS } from '../../shared/src/audit/audit-migrations.js';
import type { AuditEventInput } from '../../shared/src/audit/audit-event.js';
import { systemClock } from '../../shared/src/clock.js';
import { randomIds } from '../../shared/src/ids.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { generateSigningKeyPair } from '../../shared/src/crypto/signing.js';
import { openDatabase, type Db } from '../../shared/src/store/open-database.js';

const EVENTS = Number(process.env.EVENTS ?? 200_000);
const SINGLE = Math.min(EVENTS, Number(process.env.SINGLE ?? 5_000));
const BATCH = 256;
const CONCURRENT = 256;

const input = (i: number): AuditEventInput => ({
  action: 'modbus.write',
  actor: `user-${i % 17}`,
  site: 'plant-1',
  target: `plc-${i % 5}`,
  outcome: 'success',
  details: { address: 40001 + (i % 100), value: i, sessionId: `ses-${Math.floor(i / 500)}` },
});

function freshDb(dir: string, name: string): Db {
  return openDatabase({ path: join(dir, `${name}.db`), migrations: AUDIT_MIGRATIONS });
}

function freshLog(dir: string, name: string): { log: AuditLog; db: Db } {
  const db = freshDb(dir, name);
  const log = new AuditLog({
    db,
    clock: systemClock,
    ids: randomIds, // as the gateways: random ids land all over the id index
    signingKey: generateSigningKeyPair(),
    checkpointIntervalMs: 0,
  });
  return { log, db };
}

interface Rate {
  /** Events (rows) per second of wall time. */
  readonly rate: number;
  /** CPU time of this process per event, µs. */
  readonly cpuUs: number;
}

function measure(n: number, t0: number, c0: NodeJS.CpuUsage): Rate {
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { rate: n / s, cpuUs: (c.user + c.system) / n };
}

/** Plain rows of the same shape and size: what SQLite alone costs per durable commit. */
function baseline(dir: string, n: number, perCommit: number): Rate {
  const db = freshDb(dir, `base-${perCommit}`);
  const ins = db.prepare(
    'INSERT INTO audit_events (seq, id, time, actor, action, site, target, outcome, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const hash = 'f'.repeat(64);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i += perCommit) {
    db.transaction(() => {
      for (let j = i; j < Math.min(n, i + perCommit); j++) {
        const e = input(j);
        ins.run(
          j + 1,
          randomIds.next('evt'),
          Date.now(),
          e.actor,
          e.action,
          e.site,
          e.target,
          e.outcome,
          JSON.stringify(e.details),
          hash,
          hash,
        );
      }
    }).immediate();
  }
  const r = measure(n, t0, c0);
  db.close();
  return r;
}

function single(dir: string, n: number): Rate {
  const { log, db } = freshLog(dir, 'single');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) log.append(input(i));
  const r = measure(n, t0, c0);
  log.close();
  db.close();
  return r;
}

function batched(dir: string, n: number): Rate {
  const { log, db } = freshLog(dir, 'batched');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    const batch: AuditEventInput[] = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) batch.push(input(j));
    log.appendMany(batch);
  }
  const r = measure(n, t0, c0);
  const v = log.verify();
  if (!v.ok) throw new Error('the batched chain does not verify');
  log.close();
  db.close();
  return r;
}

/** CONCURRENT callers, each appending its next event as soon as its previous one is durable. */
async function grouped(dir: string, n: number): Promise<Rate & { commits: number }> {
  const { log, db } = freshLog(dir, 'grouped');
  let next = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) await log.appendDurable(input(next++));
  };
  await Promise.all(Array.from({ length: CONCURRENT }, worker));
  const r = measure(n, t0, c0);
  const commits = log.commits;
  const v = log.verify();
  if (!v.ok || v.events !== n) throw new Error('the group-committed chain does not verify');
  log.close();
  db.close();
  return { ...r, commits };
}

await initCrypto();
const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-append-'));
try {
  const base1 = baseline(dir, SINGLE, 1);
  const baseN = baseline(dir, EVENTS, BATCH);
  const one = single(dir, SINGLE);
  const many = batched(dir, EVENTS);
  const group = await grouped(dir, EVENTS);
  const f = (x: number): string => Math.round(x).toLocaleString('en-US').padStart(9);
  const cpu = (r: Rate, base: Rate): string =>
    `CPU ${r.cpuUs.toFixed(1).padStart(6)} µs/event (${(r.cpuUs / base.cpuUs).toFixed(2)}x baseline's)`;
  process.stdout.write(
    `baseline: plain INSERT, 1 per commit          ${f(base1.rate)} rows/s    CPU ${base1.cpuUs.toFixed(1).padStart(6)} µs/row\n` +
      `append, 1 event per commit (${SINGLE})           ${f(one.rate)} events/s  ${(one.rate / base1.rate).toFixed(2)}x baseline  ${cpu(one, base1)}\n` +
      `baseline: plain INSERT, ${BATCH} per commit        ${f(baseN.rate)} rows/s    CPU ${baseN.cpuUs.toFixed(1).padStart(6)} µs/row\n` +
      `appendMany, ${BATCH} per commit (${EVENTS})       ${f(many.rate)} events/s  ${(many.rate / baseN.rate).toFixed(2)}x baseline  ${cpu(many, baseN)}\n` +
      `appendDurable, ${CONCURRENT} concurrent callers       ${f(group.rate)} events/s  ${(group.rate / baseN.rate).toFixed(2)}x batched baseline  ${cpu(group, baseN)}  (${group.commits} commits, ${(EVENTS / group.commits).toFixed(0)} events each)\n`,
  );
  const best = Math.max(many.rate, group.rate);
  process.stdout.write(
    `target >= 20,000 events/s with hash chain: ${best >= 20_000 ? 'met' : 'NOT met'} (${f(best).trim()} events/s; load average ${loadavg()[0]?.toFixed(1) ?? '?'})\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
