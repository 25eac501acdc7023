/**
 * Keystroke echo through Airlock against direct OpenSSH, in one run (`npm run bench`): the real
 * OpenSSH client with a remote pty (`ssh -tt`, its stdin a pipe), one byte written, the time until
 * the pty's echo of it comes back on the client's stdout. The remote side runs `cat` in the pty's
 * cooked mode, so the echo is the kernel's, as in a shell prompt; every other cost is the path.
 *  - idle: one session, echo p50/p99 direct and through both gateways (IT endpoint -> link -> OT
 *    broker -> sshd), the added latency being the difference;
 *  - load: the same probe while N other interactive sessions each echo a line a second on the same
 *    path (N = 100, then 500; `--sessions N` for one count of your own); their own echo p99,
 *    errors, and the gateways' CPU and RSS per session;
 *  - logins: the probe through Airlock while other users log in with a password and a one-time code
 *    (argon2id on the password pool): the longest echo and how many exceeded 20 ms.
 * Every probe session first echoes WARMUP_KEYS keys that are not counted, the same number on every
 * path (direct and Airlock): the first keys of a session otherwise meet work that is not the
 * path's steady cost, unequally (on the Airlock path, the tail of session start: the OT gateway's
 * session-start audit events shipped to and committed by the IT gateway, and the first pty relay
 * of the run through each gateway's code still being compiled; on the direct path, sshd's and
 * cat's first pages).
 * For each Airlock phase the longest event-loop delay of each gateway is printed beside it (IT: this
 * process; OT: its process, asked by SIGUSR2), over the window in which the probe keys were
 * measured (after the warm-up, until the last key), so a slow echo is traced to the loop that
 * stalled; session set-up and teardown (key exchange with the target, the recording's closing
 * fsync and audit) fall outside it.
 * The clients run in a driver process of their own (test/helpers/ssh-echo-driver.ts): this process
 * hosts the IT gateway, whose event loop must carry only gateway work.
 * Targets (issue 22): added p99 <= 2 ms idle, <= 4 ms under 100 sessions; no echo stall > 20 ms
 * while others log in; 500 sessions with 0 errors (both load phases run in `npm run bench`).
 *
 *   node dist/test/bench/ssh-echo.bench.js [--sessions N]
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { generateSync } from 'otplib';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { startSshChain } from '../helpers/ssh-chain.js';
import { operatorSshEnv } from '../helpers/operator-ssh.js';
import type { EchoPlan, EchoResult } from '../helpers/ssh-echo-driver.js';
import { loopDelayOf, type LoopDelay } from '../helpers/ot-ssh-process.js';
import { waitFor } from '../helpers/wait-for.js';
import { startSshd } from '../peers/sshd.js';

// 1,000 keys: the p99 is then the 10th slowest, not the 3rd of 300 (two quiet runs of 300 read +2.07
// and +3.93 ms added for the same build: a few keys decided it).
const PROBES = 1000;
const PROBE_GAP_MS = 10;
const WARMUP_KEYS = 20;
const OPEN_BATCH = 8;
const LINE_EVERY_MS = 1000;
const LOGINS = 8;
const STALL_MS = 20;
const sessionsArg = process.argv.indexOf('--sessions');
/** The load phases: 100 sessions (the p99 target's), then 500 (the many-sessions target's). */
const LOADS = sessionsArg > 0 ? [Number(process.argv[sessionsArg + 1])] : [100, 500];
/** The p99 added under load has a target at 100 sessions; other counts are measured for errors. */
const LOAD_P99_TARGET: Readonly<Record<number, number>> = { 100: 4 };
const DRIVER = fileURLToPath(new URL('../helpers/ssh-echo-driver.js', import.meta.url));

const cleanups: (() => unknown)[] = [];
const t = { after: (fn: () => unknown) => void cleanups.push(fn) };
const MiB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? NaN;
};

/** CPU seconds (user + system) and RSS of a process, from /proc. */
function usageOf(pid: number): { cpu: number; rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpu: ticks / 100, rss: Number(m?.[1] ?? 0) * 1024 };
}

/** Runs the driver with a plan; `onOpened` runs when its sessions are up, `onResult` before it closes them. */
function drive(plan: EchoPlan, onOpened: () => void, onResult: () => void): Promise<EchoResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DRIVER, JSON.stringify(plan)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => void child.kill('SIGKILL'));
    let out = '';
    let err = '';
    let result: EchoResult | undefined;
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line === 'opened') onOpened();
        else if (line.startsWith('result ')) {
          onResult();
          result = JSON.parse(line.slice(7)) as EchoResult;
        }
      }
    });
    // 'close', not 'exit': the result line may still be in the pipe when the process exits.
    child.once('close', (code) =>
      result !== undefined && code === 0
        ? resolve(result)
        : reject(new Error(`echo driver exited ${String(code)}: ${err}`)),
    );
  });
}

async function main(): Promise<void> {
  await initCrypto();
  const target = await startSshd(t, {
    extraConfig: ['MaxStartups 100:30:200', 'MaxSessions 10'],
  });
  const tu = target.users[0];
  if (tu === undefined) throw new Error('sshd user missing');
  const chain = await startSshChain(t, {
    otProcess: true,
    target,
    maxConcurrentSessions: Math.max(...LOADS) + 16,
    extraPasswords: [{ match: `${tu.name}@`, password: tu.password }],
  });
  const { alice, bob } = chain.users;
  const kh = join(chain.dir, 'bench_known_hosts');
  writeFileSync(
    kh,
    `[127.0.0.1]:${target.port} ${target.hostKey}\n${readFileSync(join(chain.dir, 'known_hosts'), 'utf8')}`,
  );
  const cfg = join(chain.dir, 'bench_ssh_config');
  writeFileSync(
    cfg,
    [
      'Host direct',
      `  HostName 127.0.0.1\n  Port ${target.port}\n  User ${tu.name}\n  PubkeyAuthentication no`,
      'Host airlock',
      `  HostName 127.0.0.1\n  Port ${chain.sshPort}\n  User alice:hmi-1\n  IdentityFile ${alice.keyFile ?? ''}\n  IdentitiesOnly yes\n  PreferredAuthentications publickey,keyboard-interactive`,
      'Host bob',
      `  HostName 127.0.0.1\n  Port ${chain.sshPort}\n  User bob:hmi-1\n  PubkeyAuthentication no\n  PreferredAuthentications password,keyboard-interactive`,
      'Host *',
      `  UserKnownHostsFile ${kh}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  NumberOfPasswordPrompts 1',
      '  ConnectTimeout 60',
      '  LogLevel ERROR',
      '',
    ].join('\n'),
  );
  // The first key login takes a code and marks the key fresh; every later one is key only.
  chain.answers(alice);
  const first = await chain.run('ssh', ['-F', cfg, 'airlock', 'true']);
  if (first.code !== 0) throw new Error(`first key login failed: ${first.stderr}`);

  const env = operatorSshEnv(chain);
  const plan = (host: string, sessions: number): EchoPlan => ({
    cfg,
    host,
    env,
    sessions,
    openBatch: OPEN_BATCH,
    lineEveryMs: LINE_EVERY_MS,
    probes: PROBES,
    probeGapMs: PROBE_GAP_MS,
    warmupKeys: WARMUP_KEYS,
  });
  const fmt = (n: number, d = 2): string => n.toFixed(d);
  // Event-loop delay of both gateways over a phase: `mark` starts the phase, `loops` reads it.
  const ot = chain.otProcess;
  if (ot === undefined) throw new Error('no OT process');
  const itLoop = monitorEventLoopDelay({ resolution: 1 });
  itLoop.enable();
  let otSeq = 0;
  const mark = (): void => {
    itLoop.reset();
    otSeq++;
    ot.child.kill('SIGUSR2');
  };
  const loopStats = async (): Promise<{ it: LoopDelay; ot: LoopDelay }> => {
    const it = loopDelayOf(itLoop);
    itLoop.reset();
    const seq = ++otSeq;
    ot.child.kill('SIGUSR2');
    const o = await ot.waitForEvent((e) => e.event === 'loop-delay' && e.seq === seq);
    return { it, ot: { maxMs: Number(o.maxMs), p99Ms: Number(o.p99Ms) } };
  };
  const loops = async (): Promise<string> => {
    const l = await loopStats();
    return `event-loop delay max IT ${fmt(l.it.maxMs, 1)} ms, OT ${fmt(l.ot.maxMs, 1)} ms (p99 ${fmt(l.it.p99Ms, 1)} / ${fmt(l.ot.p99Ms, 1)})`;
  };
  const signed = (n: number): string => `${n >= 0 ? '+' : ''}${fmt(n)}`;
  const row = (label: string, d: number[], a: number[], target: number | undefined): string => {
    const [d50, d99, a50, a99] = [pct(d, 50), pct(d, 99), pct(a, 50), pct(a, 99)];
    const verdict =
      target === undefined
        ? ''
        : ` (target p99 added <= ${target} ms: ${a99 - d99 <= target ? 'met' : 'MISSED'})`;
    return `${label}: direct p50 ${fmt(d50)} p99 ${fmt(d99)}   airlock p50 ${fmt(a50)} p99 ${fmt(a99)} ms   added p50 ${signed(a50 - d50)} p99 ${signed(a99 - d99)} ms${verdict}`;
  };
  const none = (): void => undefined;

  // ---- idle: one session each way
  const idle: Record<string, number[]> = {};
  idle.direct = (await drive(plan('direct', 0), none, none)).probe;
  let idleLoops: Promise<string> = Promise.resolve('');
  idle.airlock = (
    await drive(plan('airlock', 0), mark, () => {
      idleLoops = loops();
    })
  ).probe;
  process.stdout.write(
    `keystroke echo, ${PROBES} keys (after ${WARMUP_KEYS} not counted), pty round trip through OpenSSH (ms)\n${row('  idle', idle.direct, idle.airlock, 2)}\n    ${await idleLoops}\n`,
  );

  // ---- under load: loadSessions interactive sessions, each echoing a line a second
  const otPid = ot.child.pid;
  if (otPid === undefined) throw new Error('no OT process');
  for (const loadSessions of LOADS) {
    const loaded: Record<string, number[]> = {};
    for (const host of ['direct', 'airlock']) {
      const before = { it: usageOf(process.pid), ot: usageOf(otPid) };
      let opened = { ...before, at: 0 };
      let ended = { ...before, at: 0 };
      let loopLine: Promise<string> = Promise.resolve('');
      const r = await drive(
        plan(host, loadSessions),
        () => {
          opened = { it: usageOf(process.pid), ot: usageOf(otPid), at: performance.now() };
          mark();
        },
        () => {
          ended = { it: usageOf(process.pid), ot: usageOf(otPid), at: performance.now() };
          loopLine = loops();
        },
      );
      const loopText = await loopLine;
      loaded[host] = r.probe;
      const secs = (ended.at - opened.at) / 1000;
      const itCpu = (100 * (ended.it.cpu - opened.it.cpu)) / secs;
      const otCpu = (100 * (ended.ot.cpu - opened.ot.cpu)) / secs;
      const rss =
        (opened.it.rss - before.it.rss + opened.ot.rss - before.ot.rss) / loadSessions / MiB;
      const gw =
        host === 'airlock'
          ? `; gateways: CPU ${fmt((itCpu + otCpu) / loadSessions, 3)}% of a core per session (IT ${fmt(itCpu, 1)}% + OT ${fmt(otCpu, 1)}% in all), RSS ${signed(rss)} MiB per session (IT + OT)`
          : '';
      process.stdout.write(
        `  ${loadSessions} sessions via ${host}: ${r.lineEchoes.length} line echoes, p50 ${fmt(pct(r.lineEchoes, 50))} p99 ${fmt(pct(r.lineEchoes, 99))} ms, errors ${r.errors}${gw}\n${host === 'airlock' ? `    ${loopText}\n` : ''}`,
      );
      if (r.errors > 0) process.exitCode = 1;
      // The next phase starts when every session of this one has ended on both sides: ending 500
      // sessions is work of its own (each closes and audits its recording) that would otherwise be
      // counted as stalls of the next phase.
      await waitFor(
        'the sessions of the load phase to end',
        () => chain.it.gw.services.sessions.live.size === 0,
        300_000,
        100,
      );
      // ...and both gateways have finished the work that follows (the OT side closes and audits
      // each recording, then ships it; the IT side stores each shipped chunk): both loops quiet
      // (max delay < 20 ms) for half a second, or a minute has passed.
      await loopStats();
      for (let i = 0; i < 120; i++) {
        await sleep(500);
        const l = await loopStats();
        if (l.it.maxMs < STALL_MS && l.ot.maxMs < STALL_MS) break;
      }
    }
    process.stdout.write(
      `${row(`  probe with ${loadSessions} sessions`, loaded.direct ?? [], loaded.airlock ?? [], LOAD_P99_TARGET[loadSessions])}\n`,
    );
  }

  // ---- logins: the probe through Airlock while bob logs in (password + code), one after another
  chain.answers(bob);
  const codes = [
    ...[0, 1].map((k) =>
      generateSync({ secret: bob.totpSecret, epoch: Math.floor(Date.now() / 1000) + 30 * k }),
    ),
    ...bob.recoveryCodes,
  ].slice(0, LOGINS);
  mark();
  const l = await drive(
    {
      ...plan('airlock', 0),
      probes: 100,
      logins: { host: 'bob', codes, codeFile: join(chain.dir, 'answer-code') },
    },
    none,
    none,
  );
  const stalls = l.probe.filter((x) => x > STALL_MS).length;
  process.stdout.write(
    `  airlock probe while ${l.logins} password + code logins ran: max ${fmt(Math.max(...l.probe))} ms, p99 ${fmt(pct(l.probe, 99))} ms, ${stalls} of ${l.probe.length} echoes > ${STALL_MS} ms (quiet before: max ${fmt(Math.max(...l.quiet))}, p99 ${fmt(pct(l.quiet, 99))}) (target no stall > ${STALL_MS} ms: ${stalls === 0 ? 'met' : 'MISSED'})\n    ${await loops()}\n`,
  );
  if (l.logins < codes.length)
    throw new Error(
      `only ${l.logins} of ${codes.length} password logins succeeded: ${l.loginErrors.join(' | ')}`,
    );
}
main()
  .then(async () => {
    for (const fn of cleanups.reverse()) await fn();
    process.exit(process.exitCode ?? 0);
  })
  .catch(async (e: unknown) => {
    process.stderr.write(
      `ssh-echo benchmark failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch {
        /* keep cleaning */
      }
    }
    process.exit(1);
  });
