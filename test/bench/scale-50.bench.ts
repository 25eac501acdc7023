/**
 * Scale (issue 22): one IT gateway with N enrolled OT gateways (default 50), each its own process
 * (`airlock-ot run`, the product's main, enrolled through `airlock-ot enroll` with a token the IT
 * gateway issued), all on 127.0.0.1, and S Modbus sessions per site (default 10) through both
 * gateways: IT link -> OT gateway's real Modbus broker -> a PLC stub. Figures:
 *  - link set-up: from spawning an OT gateway to the IT side showing its site online, p50/p99;
 *  - session set-up: from asking the IT gateway to open a session to the first Modbus answer, p50/p99
 *    (sessions opened CONCURRENCY at a time across all sites);
 *  - IT RSS: this process (the IT gateway, the PLC stub and the driver), before the IT gateway
 *    started, with every site linked, and after the sessions; the OT gateways' RSS beside it (the
 *    garbage collector runs when it likes, so a difference of a few MiB between them means little);
 *  - nothing lost: every session's `session.start` and `session.end`, recorded by its OT gateway,
 *    present in the IT gateway's ingested copy of that site's chain (and the time that took).
 * The IT gateway runs in this process (as in modbus-ssh-path and ssh-echo): its RSS includes the
 * driver's few MiB, which the "before" figure shows. Baseline for set-up: the same sessions'
 * first read straight to the PLC stub (what the wire costs here). No target beyond "nothing lost"
 * (the issue asks for the figures).
 *
 *   node dist/test/bench/scale-50.bench.js [--gateways N] [--sessions S]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { toBase64Url } from '../../shared/src/crypto/encoding.js';
import { signTicket } from '../../shared/src/model/session-ticket.js';
import { testTicket } from '../../shared/src/testing/test-ticket.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { OT_MAIN, runNode, startNode, type Started } from '../../shared/src/testing/processes.js';
import { chainEvents } from '../../gateway-it/src/audit/audit-chain.js';
import { startIt } from '../helpers/link-fixture.js';
import { waitFor } from '../helpers/wait-for.js';
import { mbap, pdu } from '../peers/raw-modbus-client.js';
import { startRecordingPlc } from '../peers/recording-plc.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  const v = i > 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} wants a positive integer`);
  return v;
};
const GATEWAYS = arg('--gateways', 50);
const SESSIONS = arg('--sessions', 10);
/** Sessions being opened at once, across all sites. */
const CONCURRENCY = 50;
/** OT gateways spawned (and enrolled) at once. */
const SPAWN_BATCH = 5;
const READS = 5;
/** Heap cap per OT gateway process: 50 of them share the machine. */
const OT_HEAP_MIB = 96;
const READ = pdu(3, [0, 10]);
const MiB = 1024 * 1024;

const cleanups: (() => unknown)[] = [];
const t = { after: (fn: () => unknown) => void cleanups.push(fn) };

const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? NaN;
};
const ms = (x: number): string => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(m?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Resolves with the next `n` complete MBAP frames read from `s`. */
function frames(s: Duplex | Socket, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let got = 0;
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 6 && buf.length >= 6 + buf.readUInt16BE(4)) {
        buf = buf.subarray(6 + buf.readUInt16BE(4));
        if (++got === n) {
          s.off('data', onData);
          s.off('error', reject);
          resolve();
          return;
        }
      }
    };
    s.on('data', onData);
    s.once('error', reject);
  });
}

async function directFirstRead(port: number): Promise<number> {
  const t0 = performance.now();
  const sock = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  const answered = frames(sock, 1);
  sock.write(mbap(1, 1, READ));
  await answered;
  const took = performance.now() - t0;
  sock.destroy();
  return took;
}

/** Runs `fn` over `items`, at most `limit` at once. */
async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (x: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

async function main(): Promise<void> {
  await initCrypto();
  const dir = makeTempDir(t, 'airlock-bench-scale-');
  const plc = await startRecordingPlc(t);
  const rssBefore = process.memoryUsage().rss;
  const it = await startIt(t, {
    site: false,
    // Generous: 50 gateways and their logins share two loaded cores with this process.
    link: { heartbeatSeconds: 5, offlineAfterSeconds: 120 },
  });
  const s = it.gw.services;
  const sites = Array.from(
    { length: GATEWAYS },
    (_, i) => `site-${String(i + 1).padStart(2, '0')}`,
  );
  for (const site of sites)
    s.auth.userAdmin.createSite({ id: site, timezone: 'Europe/Berlin' }, 'bench');

  // Enrollment, through the OT CLI as an installer runs it.
  const configs = new Map<string, string>();
  const e0 = performance.now();
  await pool(sites, SPAWN_BATCH, async (site) => {
    const d = join(dir, site);
    mkdirSync(d);
    writeFileSync(
      join(d, 'policy.json'),
      JSON.stringify({
        limits: { maxSessionMinutes: 60, maxConcurrentSessions: SESSIONS + 10 },
        assets: {
          'plc-1': {
            protocol: 'modbus',
            address: '127.0.0.1',
            port: plc.port,
            profiles: { 'read-only': { unitIds: [1] } },
          },
        },
      }),
    );
    const cfg = join(d, 'ot.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        site,
        dataDir: join(d, 'data'),
        policyFile: join(d, 'policy.json'),
        link: { reconnectMinSeconds: 0.2, reconnectMaxSeconds: 2 },
      }),
    );
    const issued = s.sites.enrollment.issueToken(site, 'bench');
    const r = await runNode([
      OT_MAIN,
      'enroll',
      '--config',
      cfg,
      '--it-url',
      it.running.url,
      '--token',
      issued.token,
      '--fingerprint',
      issued.itFingerprint,
      '--json',
    ]);
    if (r.code !== 0) throw new Error(`enrolling ${site} failed: ${r.stderr}`);
    configs.set(site, cfg);
  });
  const enrollS = (performance.now() - e0) / 1000;

  // Link set-up: spawn to online on the IT side.
  const linkMs = new Map<string, number>();
  const spawnedAt = new Map<string, number>();
  /** Spawn to the gateway's `ready` line (process start-up, database, policy): not the link's cost. */
  const readyMs: number[] = [];
  const procs: Started[] = [];
  let watching = true;
  const watcher = (async (): Promise<void> => {
    while (watching) {
      const now = performance.now();
      for (const [site, at] of spawnedAt)
        if (!linkMs.has(site) && s.links.get(site).state === 'online') linkMs.set(site, now - at);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const l0 = performance.now();
  await pool(sites, SPAWN_BATCH, async (site) => {
    spawnedAt.set(site, performance.now());
    const cfg = configs.get(site) ?? '';
    const at = performance.now();
    procs.push(
      await startNode(t, [OT_MAIN, 'run', '--config', cfg], {
        env: { ...process.env, NODE_OPTIONS: `--max-old-space-size=${OT_HEAP_MIB}` },
        readyTimeoutMs: 120_000,
      }),
    );
    readyMs.push(performance.now() - at);
  });
  await waitFor('every site online', () => linkMs.size === GATEWAYS, 300_000, 50);
  watching = false;
  await watcher;
  const allLinkedS = (performance.now() - l0) / 1000;
  const rssLinked = process.memoryUsage().rss;
  const otRssLinked = procs.map((p) => rssOf(p.child.pid ?? 0));

  // Sessions: S per site, CONCURRENCY at a time; each opens, reads READS times, closes.
  const direct: number[] = [];
  for (let i = 0; i < 20; i++) direct.push(await directFirstRead(plc.port));
  const grantKey = s.store.keys.grant.secretKey;
  const plan = sites.flatMap((site) =>
    Array.from({ length: SESSIONS }, (_, i) => ({ site, sessionId: `ses_${site}_${i}` })),
  );
  let errors = 0;
  const errorSamples: string[] = [];
  const s0 = performance.now();
  const setupMs = await pool(plan, CONCURRENCY, async ({ site, sessionId }) => {
    const now = Date.now();
    const ticket = signTicket(
      testTicket(
        {
          sessionId,
          site,
          asset: 'plc-1',
          protocol: 'modbus',
          profile: 'read-only',
          channel: 'tcp-forward',
          nonce: toBase64Url(randomBytes(16)),
        },
        now,
      ),
      grantKey,
    );
    const t0 = performance.now();
    try {
      const session = await s.siteCommands.openSession(site, ticket);
      const first = frames(session.stream, 1);
      session.stream.write(mbap(1, 1, READ));
      await first;
      const took = performance.now() - t0;
      for (let i = 2; i <= READS; i++) {
        const next = frames(session.stream, 1);
        session.stream.write(mbap(i, 1, READ));
        await next;
      }
      session.close('bench done');
      return took;
    } catch (e) {
      errors++;
      if (errorSamples.length < 5) errorSamples.push(`${sessionId}: ${String(e)}`);
      return NaN;
    }
  });
  const sessionsS = (performance.now() - s0) / 1000;
  const rssSessions = process.memoryUsage().rss;
  const otRssSessions = procs.map((p) => rssOf(p.child.pid ?? 0));

  // Nothing lost: every session's start and end in the IT gateway's copy of its site's chain.
  const i0 = performance.now();
  const missing = async (): Promise<string[]> => {
    const lost: string[] = [];
    for (const site of sites) {
      const chain = s.audit.siteEvents.otChain(site);
      const seen = new Set<string>();
      if (chain !== undefined)
        for await (const e of chainEvents(chain, 0, chain.head().seq)) {
          const id = e.details.sessionId;
          if (
            typeof id === 'string' &&
            (e.action === 'session.start' || e.action === 'session.end')
          )
            seen.add(`${e.action}:${id}`);
        }
      for (const p of plan.filter((x) => x.site === site))
        for (const a of ['session.start', 'session.end'])
          if (!seen.has(`${a}:${p.sessionId}`)) lost.push(`${a}:${p.sessionId}`);
    }
    return lost;
  };
  let lost: string[] = [];
  try {
    await waitFor(
      'every session audited on IT',
      async () => (lost = await missing()).length === 0,
      120_000,
      500,
    );
  } catch {
    // reported below
  }
  const ingestS = (performance.now() - i0) / 1000;

  const ok = setupMs.filter((x) => !Number.isNaN(x));
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const links = [...linkMs.values()];
  process.stdout.write(
    `${GATEWAYS} OT gateways (processes, heap cap ${OT_HEAP_MIB} MiB), ${SESSIONS} Modbus sessions each; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n` +
      `enrollment (airlock-ot enroll, ${SPAWN_BATCH} at once): ${enrollS.toFixed(1)} s for ${GATEWAYS}\n` +
      `link set-up, spawn to online on IT (${SPAWN_BATCH} spawned at once): p50 ${ms(pct(links, 50))}, p99 ${ms(pct(links, 99))}, max ${ms(Math.max(...links))}; all ${GATEWAYS} online after ${allLinkedS.toFixed(1)} s; of which process start to its ready line p50 ${ms(pct(readyMs, 50))}\n` +
      `session set-up, open to first Modbus answer (${CONCURRENCY} at once): p50 ${ms(pct(ok, 50))}, p99 ${ms(pct(ok, 99))}; baseline: connect + first read straight to the PLC stub p50 ${ms(pct(direct, 50))}\n` +
      `sessions: ${plan.length} opened, ${READS} reads each, in ${sessionsS.toFixed(1)} s; errors ${errors}${errorSamples.length > 0 ? ` (${errorSamples.join('; ')})` : ''}\n` +
      `IT process RSS: ${(rssBefore / MiB).toFixed(0)} MiB before the IT gateway, ${(rssLinked / MiB).toFixed(0)} MiB with ${GATEWAYS} linked, ${(rssSessions / MiB).toFixed(0)} MiB after the sessions\n` +
      `OT gateways RSS: mean ${(sum(otRssLinked) / GATEWAYS / MiB).toFixed(0)} MiB linked, ${(sum(otRssSessions) / GATEWAYS / MiB).toFixed(0)} MiB after the sessions (total ${(sum(otRssSessions) / MiB).toFixed(0)} MiB)\n` +
      `nothing lost: ${lost.length === 0 ? `met, all ${plan.length * 2} session.start/end events on IT ${ingestS.toFixed(1)} s after the last session` : `NOT met, ${lost.length} missing (e.g. ${lost.slice(0, 3).join(', ')})`}\n`,
  );
  if (lost.length > 0 || errors > 0) process.exitCode = 1;
  // All at once: one by one (as the cleanups would) takes seconds each on a loaded machine.
  await Promise.all(procs.map((p) => p.stop()));
}

try {
  await main();
} finally {
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch {
      // best effort: every process and temp dir registered is cleaned up
    }
  }
}
