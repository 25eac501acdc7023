/**
 * The client side of the keystroke echo benchmark (test/bench/ssh-echo.bench.ts), in a process of
 * its own so that the OpenSSH clients' pipes and the logins' spawns never run on the event loop of
 * the IT gateway being measured (the benchmark hosts the IT gateway in its own process).
 *
 *   node ssh-echo-driver.js '<json Plan>'
 *
 * Prints `opened` once the background sessions and the probe session are up and the probe
 * session is warmed up (`warmupKeys` echoed and not counted), then `result <json Result>`, then
 * closes everything and exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';

export interface EchoPlan {
  readonly cfg: string;
  readonly host: string;
  readonly env: Readonly<Record<string, string>>;
  /** Background sessions, each echoing a line every `lineEveryMs`. */
  readonly sessions: number;
  readonly openBatch: number;
  readonly lineEveryMs: number;
  readonly probes: number;
  readonly probeGapMs: number;
  /** Keys echoed on the probe session before measuring (not counted), the same on every path. */
  readonly warmupKeys: number;
  /** Password logins (`host` of the login) run one after another while probing, each with its own code. */
  readonly logins?: {
    readonly host: string;
    readonly codes: readonly string[];
    readonly codeFile: string;
  };
}

export interface EchoResult {
  readonly probe: number[];
  /** Probe samples before the logins started (logins plan only). */
  readonly quiet: number[];
  readonly lineEchoes: number[];
  readonly errors: number;
  readonly logins: number;
  readonly loginErrors: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One interactive session: `ssh -tt host 'exec cat'`, stdin and stdout pipes. */
class EchoSession {
  private out = '';
  private waiter: { text: string; resolve: () => void } | undefined;
  exited = false;
  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => {
      this.out += d.toString('latin1');
      const w = this.waiter;
      if (w !== undefined && this.out.includes(w.text)) {
        this.waiter = undefined;
        this.out = '';
        w.resolve();
      } else if (this.out.length > 65_536) this.out = this.out.slice(-1024);
    });
    child.once('exit', () => (this.exited = true));
  }

  /** Writes `text` and resolves with the milliseconds until `expect` came back. */
  roundTrip(text: string, expect: string, timeoutMs = 10_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const timer = setTimeout(
        () => reject(new Error(`no echo within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.out = '';
      this.waiter = {
        text: expect,
        resolve: () => {
          clearTimeout(timer);
          resolve(performance.now() - started);
        },
      };
      this.child.stdin?.write(text);
    });
  }
}

const children: ChildProcess[] = [];

function open(plan: EchoPlan): Promise<EchoSession> {
  const child = spawn(
    '/usr/bin/ssh',
    ['-tt', '-F', plan.cfg, plan.host, 'stty -echoctl; echo READY; exec cat'],
    { env: plan.env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  children.push(child);
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const s = new EchoSession(child);
  return new Promise<EchoSession>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      if (d.toString().includes('READY')) {
        child.stdout.off('data', onData);
        resolve(s);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`${plan.host} session exited (${String(code)}): ${err}`)),
    );
  });
}

async function probe(s: EchoSession, n: number, gapMs: number): Promise<number[]> {
  const xs: number[] = [];
  let line = '';
  for (let i = 0; i < n; i++) {
    const ch = String.fromCharCode(97 + (i % 26));
    xs.push(await s.roundTrip(ch, ch));
    line += ch;
    // Ends the line now and then so the pty's line buffer never fills; waits for cat's copy of
    // it, so no late byte of it can answer the next probe.
    if (line.length === 50 || i === n - 1) {
      await s.roundTrip('\n', `${line}\r\n`);
      line = '';
    }
    await sleep(gapMs);
  }
  return xs;
}

function login(plan: EchoPlan, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const c = spawn('/usr/bin/ssh', ['-F', plan.cfg, host, 'true'], {
      env: plan.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.once('exit', () =>
      resolve(/Permission denied|unexpected prompt|Connection/.test(err) ? err.trim() : undefined),
    );
  });
}

async function run(plan: EchoPlan): Promise<EchoResult> {
  const sessions: EchoSession[] = [];
  for (let i = 0; i < plan.sessions; i += plan.openBatch)
    sessions.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(plan.openBatch, plan.sessions - i) }, () => open(plan)),
      )),
    );
  const p = await open(plan);
  if (plan.warmupKeys > 0) await probe(p, plan.warmupKeys, plan.probeGapMs);
  process.stdout.write('opened\n');
  const lineEchoes: number[] = [];
  let errors = 0;
  let running = true;
  const talkers = sessions.map(async (s, i) => {
    await sleep((i * plan.lineEveryMs) / Math.max(1, plan.sessions));
    while (running) {
      const started = performance.now();
      try {
        lineEchoes.push(await s.roundTrip(`line ${i}\n`, `line ${i}\r\n`));
      } catch {
        errors++;
      }
      await sleep(Math.max(0, plan.lineEveryMs - (performance.now() - started)));
    }
  });
  let quiet: number[] = [];
  const probed: number[] = [];
  let logins = 0;
  const loginErrors: string[] = [];
  if (plan.logins === undefined) probed.push(...(await probe(p, plan.probes, plan.probeGapMs)));
  else {
    const l = plan.logins;
    quiet = await probe(p, plan.probes, plan.probeGapMs);
    let loggingIn = true;
    const loop = (async () => {
      for (const code of l.codes) {
        writeFileSync(l.codeFile, `${code}\n`, { mode: 0o600 });
        const e = await login(plan, l.host);
        if (e === undefined) logins++;
        else loginErrors.push(e);
      }
      loggingIn = false;
    })();
    while (loggingIn) probed.push(...(await probe(p, 10, plan.probeGapMs)));
    await loop;
  }
  running = false;
  await Promise.all(talkers);
  errors += sessions.filter((s) => s.exited).length;
  return { probe: probed, quiet, lineEchoes, errors, logins, loginErrors };
}

run(JSON.parse(process.argv[2] ?? '{}') as EchoPlan)
  .then((r) => {
    process.stdout.write(`result ${JSON.stringify(r)}\n`);
    for (const c of children) c.kill('SIGTERM');
    process.exit(0);
  })
  .catch((e: unknown) => {
    process.stderr.write(`echo driver failed: ${e instanceof Error ? e.message : String(e)}\n`);
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  });
