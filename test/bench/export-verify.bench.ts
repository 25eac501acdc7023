/**
 * Export and verify a site with 1,000,000 OT events (plus 20,000 IT events, a quarter of them the
 * site's): wall time and peak memory (max RSS) of each step, each run in its own process so the
 * memory figure is the step's own. Baselines from the same run: reading every event row through the
 * export's paged chain reader (export), and gunzip of the bundle to nothing (verify).
 * Each step's CPU time (user + system, all its threads) is printed beside its wall time: on a shared
 * machine the wall time measures the neighbours. The export also prints its own thread's CPU
 * (`exportThreadCpuS`; the rest is deflate on the thread pool and V8's helpers): on 2 cores the
 * wall time is at least that thread's CPU. The read baseline reads every row as an event object
 * (chainEventTexts), as exports read them before issue 22, so its figure stays comparable. Targets: verify <= 10 s (issue 8), export <= 10 s
 * (issue 22). `EVENTS=200000 node dist/test/bench/export-verify.bench.js`
 * for a smaller run.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { AuditLog } from '../../shared/src/audit/audit-log.js';
import { AUDIT_MIGRATIONS } from '../../shared/src/audit/audit-migrations.js';
import { FakeClock } from '../../shared/src/clock.js';
import { sequentialIds } from '../../shared/src/ids.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { generateSigningKeyPair, publicKeyOf } from '../../shared/src/crypto/signing.js';
import { readSecretFile, writeSecretFile } from '../../shared/src/crypto/key-file.js';
import { openDatabase } from '../../shared/src/store/open-database.js';
import { verifyBundle } from '../../shared/src/export/verify-bundle.js';
import { chainEventTexts, sqliteAuditChain } from '../../gateway-it/src/audit/audit-chain.js';
import { writeExportBundle } from '../../gateway-it/src/audit/export-bundle.js';
import type { AuditEventInput } from '../../shared/src/audit/audit-event.js';

const START = Date.UTC(2026, 0, 1);

/**
 * CPU time of the calling thread so far, ms (Linux; undefined elsewhere): the export's own thread,
 * beside the whole process's (the compressors run on the thread pool).
 */
const threadCpuMs = (): number | undefined => {
  try {
    const s = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * (1000 / 100); // clock ticks of 10 ms
  } catch {
    return undefined;
  }
};

/** This process's CPU time so far (each step runs in a process of its own), ms. */
const cpuMs = (): number => {
  const r = process.resourceUsage();
  return (r.userCPUTime + r.systemCPUTime) / 1000;
};
const self = fileURLToPath(import.meta.url);

interface StepResult {
  readonly ms: number;
  /** CPU time of the step's process, user + system, all threads (the figure that holds under load). */
  readonly cpuMs: number;
  readonly maxRssMiB: number;
  readonly info?: Record<string, unknown>;
}

async function generate(dir: string, otEvents: number): Promise<void> {
  const clock = new FakeClock(START);
  const make = (name: string, n: number, input: (i: number) => AuditEventInput): void => {
    const key = generateSigningKeyPair();
    writeSecretFile(join(dir, `${name}.key`), key.secretKey);
    const db = openDatabase({ path: join(dir, `${name}.db`), migrations: AUDIT_MIGRATIONS });
    db.pragma('synchronous = OFF'); // generating fixtures only: durability is not what is measured
    const log = new AuditLog({
      db,
      clock,
      ids: sequentialIds(),
      signingKey: key,
      checkpointIntervalMs: 0,
    });
    const batch: AuditEventInput[] = [];
    for (let i = 0; i < n; i++) {
      batch.push(input(i));
      if (batch.length === 1000) {
        clock.advance(40_000);
        log.appendMany(batch.splice(0));
      }
    }
    if (batch.length > 0) log.appendMany(batch.splice(0));
    log.close();
    db.close();
  };
  make('ot', otEvents, (i) => ({
    action: i % 10 === 0 ? 'ssh.command' : 'modbus.write',
    actor: `user-${i % 17}`,
    site: 'plant-1',
    target: `plc-${i % 5}`,
    outcome: 'success',
    details: { address: 40001 + (i % 100), value: i, sessionId: `ses-${Math.floor(i / 500)}` },
  }));
  clock.advance(-Math.ceil(otEvents / 1000) * 40_000);
  make('it', 20_000, (i) => ({
    action: 'request.create',
    actor: `user-${i % 17}`,
    site: i % 4 === 0 ? 'plant-1' : 'plant-2',
    target: 'hmi-1',
    outcome: 'success',
    details: { i },
  }));
}

async function exportStep(dir: string): Promise<StepResult> {
  const open = (name: string): ReturnType<typeof sqliteAuditChain> =>
    sqliteAuditChain(
      openDatabase({ path: join(dir, `${name}.db`), migrations: AUDIT_MIGRATIONS, readonly: true }),
      publicKeyOf(readSecretFile(join(dir, `${name}.key`), 64)),
    );
  const it = open('it');
  const ot = open('ot');
  const thread0 = threadCpuMs();
  const t0 = performance.now();
  const w = await writeExportBundle(
    {
      exportId: 'bench',
      site: 'plant-1',
      from: START,
      to: START + 86_400_000 * 30,
      exportedBy: 'bench',
      createdAt: Date.now(),
    },
    {
      it,
      ot,
      artifacts: [],
      signingKey: { publicKey: it.publicKey, secretKey: readSecretFile(join(dir, 'it.key'), 64) },
    },
    dir,
    join(dir, 'bundle.tar.gz'),
  );
  const ms = performance.now() - t0;
  const thread1 = threadCpuMs();
  return {
    ms,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    cpuMs: cpuMs(),
    info: {
      ...(thread0 === undefined || thread1 === undefined
        ? {}
        : { exportThreadCpuS: +((thread1 - thread0) / 1000).toFixed(2) }),
      bundleMiB: +(w.bytes / 1048576).toFixed(1),
      otEvents: w.manifest.logs.ot?.events,
      itDisclosed: w.manifest.logs.it.events,
      itWithheld: w.manifest.logs.it.withheld,
    },
  };
}

async function readBaseline(dir: string): Promise<StepResult> {
  const ot = sqliteAuditChain(
    openDatabase({ path: join(dir, 'ot.db'), migrations: AUDIT_MIGRATIONS, readonly: true }),
    new Uint8Array(32),
  );
  const t0 = performance.now();
  let n = 0;
  for await (const x of chainEventTexts(ot, 0, ot.head().seq)) n += x.event.seq > 0 ? 1 : 0;
  return {
    ms: performance.now() - t0,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    cpuMs: cpuMs(),
    info: { events: n },
  };
}

async function verifyStep(dir: string): Promise<StepResult> {
  const t0 = performance.now();
  const v = await verifyBundle(
    createReadStream(join(dir, 'bundle.tar.gz'), { highWaterMark: 1 << 20 }),
    { expectedPublicKey: publicKeyOf(readSecretFile(join(dir, 'it.key'), 64)) },
  );
  if (!v.ok)
    throw new Error(`the bundle did not verify: ${v.findings.map((f) => f.message).join('; ')}`);
  return {
    ms: performance.now() - t0,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    cpuMs: cpuMs(),
    info: { otInRange: v.logs.ot?.inRange, itInRange: v.logs.it?.inRange },
  };
}

async function gunzipBaseline(dir: string): Promise<StepResult> {
  const t0 = performance.now();
  await pipeline(
    createReadStream(join(dir, 'bundle.tar.gz')),
    createGunzip(),
    new Writable({ write: (_c, _e, cb) => cb() }),
  );
  return {
    ms: performance.now() - t0,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    cpuMs: cpuMs(),
  };
}

const STEPS: Record<string, (dir: string) => Promise<StepResult>> = {
  export: exportStep,
  read: readBaseline,
  verify: verifyStep,
  gunzip: gunzipBaseline,
};

function runStep(step: string, dir: string): StepResult {
  const r = spawnSync(process.execPath, [self, step, dir], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`${step} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as StepResult;
}

const [mode, dirArg] = process.argv.slice(2);
await initCrypto();
if (mode !== undefined && dirArg !== undefined) {
  const step = STEPS[mode];
  if (step === undefined) throw new Error(`unknown step ${mode}`);
  process.stdout.write(`${JSON.stringify(await step(dirArg))}\n`);
} else {
  const events = Number(process.env.EVENTS ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
  try {
    const g0 = performance.now();
    await generate(dir, events);
    process.stdout.write(
      `generated ${events} OT events + 20000 IT events in ${((performance.now() - g0) / 1000).toFixed(1)} s (OT db ${(statSync(join(dir, 'ot.db')).size / 1048576).toFixed(0)} MiB)\n`,
    );
    const read = runStep('read', dir);
    const exp = runStep('export', dir);
    const gunzip = runStep('gunzip', dir);
    const verify = runStep('verify', dir);
    const line = (name: string, r: StepResult, base?: StepResult): string =>
      `${name.padEnd(34)} ${(r.ms / 1000).toFixed(2).padStart(7)} s  CPU ${(r.cpuMs / 1000).toFixed(2).padStart(6)} s${base === undefined ? '' : ` (${(r.cpuMs / base.cpuMs).toFixed(2)}x)`}  max RSS ${r.maxRssMiB.toFixed(0).padStart(4)} MiB${base === undefined ? '' : `  ${(r.ms / base.ms).toFixed(2)}x baseline`}${r.info === undefined ? '' : `  ${JSON.stringify(r.info)}`}`;
    process.stdout.write(
      `${line('baseline: read all OT rows (paged)', read)}\n${line('export (site plant-1, whole range)', exp, read)}\n${line('baseline: gunzip the bundle', gunzip)}\n${line('verify-export (offline)', verify, gunzip)}\n`,
    );
    process.stdout.write(
      `export target <= 10 s: ${exp.ms <= 10_000 ? 'met' : 'NOT met'} (${(exp.ms / 1000).toFixed(2)} s wall, ${(exp.cpuMs / 1000).toFixed(2)} s CPU on 2 cores; load average ${loadavg()[0]?.toFixed(1) ?? '?'})\n`,
    );
    process.stdout.write(
      `verify target <= 10 s: ${verify.ms <= 10_000 ? 'met' : 'NOT met'} (${(verify.ms / 1000).toFixed(2)} s for ${events} events)\n`,
    );
  } finally {
    if (process.env.BENCH_KEEP === '1') process.stdout.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
