/**
 * What moving export bundles off the relay loop buys (issue 17 item 9): the event loop's stall while
 * one site's export bundle is written, inline on the loop (how every export ran) against in the
 * export worker. A 1 ms heartbeat stands for the keystrokes of live sessions: its worst gap is what
 * an operator feels during an export. Prints both and their ratio; the suite asserts the property
 * (export-off-loop.test.ts), not a time.
 *   npm run bench -- export-stall          EVENTS=1000000 for the full-size log
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { AuditLog } from '../../shared/src/audit/audit-log.js';
import { AUDIT_MIGRATIONS } from '../../shared/src/audit/audit-migrations.js';
import type { AuditEventInput } from '../../shared/src/audit/audit-event.js';
import { FakeClock } from '../../shared/src/clock.js';
import { sequentialIds } from '../../shared/src/ids.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { generateSigningKeyPair } from '../../shared/src/crypto/signing.js';
import { openDatabase } from '../../shared/src/store/open-database.js';
import { sqliteAuditChain } from '../../gateway-it/src/audit/audit-chain.js';
import { createExportRunner } from '../../gateway-it/src/audit/export-runner.js';
import {
  writeExportBundle,
  type BundleRequest,
  type BundleSources,
} from '../../gateway-it/src/audit/export-bundle.js';

const EVENTS = Number(process.env.EVENTS ?? 100_000);
const START = Date.UTC(2026, 0, 1);

interface Stall {
  readonly wallMs: number;
  readonly maxDelayMs: number;
  readonly p99DelayMs: number;
  readonly worstBeatMs: number;
  /** Share of the wall time the heartbeat lost (each gap beyond its 1 ms, summed). */
  readonly lostShare: number;
}

/** Runs `work` while a heartbeat ticks every millisecond; reports the loop's worst stalls. */
async function measure(work: () => Promise<unknown>): Promise<Stall> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let worstBeatMs = 0;
  let lostMs = 0;
  const beat = setInterval(() => {
    const now = performance.now();
    worstBeatMs = Math.max(worstBeatMs, now - last);
    lostMs += Math.max(0, now - last - 1);
    last = now;
  }, 1);
  delay.enable();
  const t0 = performance.now();
  await work();
  const wallMs = performance.now() - t0;
  delay.disable();
  clearInterval(beat);
  return {
    wallMs,
    maxDelayMs: delay.max / 1e6,
    p99DelayMs: delay.percentile(99) / 1e6,
    worstBeatMs,
    lostShare: lostMs / wallMs,
  };
}

const line = (name: string, s: Stall): string =>
  `${name.padEnd(22)} wall ${s.wallMs.toFixed(0).padStart(6)} ms  loop stall max ${s.maxDelayMs
    .toFixed(1)
    .padStart(
      7,
    )} ms  p99 ${s.p99DelayMs.toFixed(1).padStart(7)} ms  heartbeat worst gap ${s.worstBeatMs
    .toFixed(1)
    .padStart(7)} ms  lost ${(s.lostShare * 100).toFixed(0).padStart(3)}%\n`;

await initCrypto();
const dir = mkdtempSync(join(tmpdir(), 'airlock-export-stall-'));
try {
  // The IT log as a file (the worker opens its own read-only connection to it); a quarter of its
  // events are another site's, so the export withholds them as spans.
  const clock = new FakeClock(START);
  const db = openDatabase({ path: join(dir, 'audit.db'), migrations: AUDIT_MIGRATIONS });
  db.pragma('synchronous = OFF'); // generating fixtures only: durability is not what is measured
  const key = generateSigningKeyPair();
  const log = new AuditLog({
    db,
    clock,
    ids: sequentialIds(),
    signingKey: key,
    checkpointIntervalMs: 0,
  });
  const batch: AuditEventInput[] = [];
  for (let i = 0; i < EVENTS; i++) {
    batch.push({
      action: i % 10 === 0 ? 'ssh.command' : 'modbus.write',
      actor: `user-${i % 17}`,
      site: i % 4 === 3 ? 'plant-2' : 'plant-1',
      target: `plc-${i % 5}`,
      outcome: 'success',
      details: { address: 40001 + (i % 100), value: i, sessionId: `ses-${Math.floor(i / 500)}` },
    });
    if (batch.length === 1000) {
      clock.advance(40_000);
      log.appendMany(batch.splice(0));
    }
  }
  if (batch.length > 0) log.appendMany(batch.splice(0));
  log.checkpoint();
  const chain = sqliteAuditChain(db, key.publicKey);
  const req = (id: string): BundleRequest => ({
    exportId: id,
    site: 'plant-1',
    from: START,
    to: START + 86_400_000 * 365,
    exportedBy: 'bench',
    createdAt: Date.now(),
  });
  const src: BundleSources = { it: chain, ot: undefined, artifacts: [], signingKey: key };

  // The worker first: the inline run's garbage would otherwise be collected during its turn.
  const runner = createExportRunner(key);
  const worker = await measure(() =>
    runner.admit().run(req('worker'), src, dir, join(dir, 'worker.tar.gz'), () => undefined),
  );
  await runner.close();
  const inline = await measure(() =>
    writeExportBundle(req('inline'), src, dir, join(dir, 'inline.tar.gz')),
  );
  if (runner.stats().inWorker !== 1) throw new Error('the export did not run on the worker');
  process.stdout.write(
    `export of a log of ${EVENTS} events (IT log, three quarters of them the site's)\n`,
  );
  process.stdout.write(line('inline on the loop', inline));
  process.stdout.write(line('export worker', worker));
  process.stdout.write(
    `ratio inline/worker: loop stall max ${(inline.maxDelayMs / worker.maxDelayMs).toFixed(1)}x, p99 ${(inline.p99DelayMs / worker.p99DelayMs).toFixed(1)}x, heartbeat worst gap ${(inline.worstBeatMs / worker.worstBeatMs).toFixed(1)}x, time lost ${(inline.lostShare / worker.lostShare).toFixed(1)}x, wall ${(inline.wallMs / worker.wallMs).toFixed(2)}x\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
