/**
 * Runs the demo launcher (`image/demo/demo.ts`, compiled) for end-to-end tests: on ports shifted by
 * an offset derived from the test process id, with its state in a temp dir, until it prints that it
 * is running; its whole process group is killed with SIGKILL at the end of the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { distRoot } from '../../shared/src/testing/processes.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';

export const DEMO = join(distRoot, 'image', 'demo', 'demo.js');

export interface DemoCredentials {
  readonly site: string;
  readonly users: readonly {
    name: string;
    password: string;
    totpSecret: string;
    recoveryCodes: readonly string[];
  }[];
}

export interface DemoRun {
  readonly dir: string;
  readonly offset: number;
  readonly child: ChildProcess;
  /** Everything the launcher printed so far (stdout and stderr). */
  output(): string;
  readonly credentials: DemoCredentials;
  /** The IT gateway's certificate SHA-256, as printed (hex, lower case, no colons). */
  readonly fingerprint: string;
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** The local ports the portal suggests for `ssh -L`: no demo port may land on them. */
const HINT_PORTS = [15020, 14840];
const DEMO_BASE_PORTS = [8443, 2222, 12022, 16502, 16503, 16840];

/**
 * Starts the launcher with `--state-dir` and `--port-offset` and waits until it says it is running.
 * `mode`: `loopback` (the default: every part on 127.0.0.1, whoever runs the test) or `zones` (root
 * only; extra arguments such as `--ot-user` follow).
 */
export async function startDemo(
  t: Pick<TestContext, 'after'>,
  offsetBase: number,
  timeoutMs = 150_000,
  mode: readonly string[] = ['--loopback'],
): Promise<DemoRun> {
  const dir = makeTempDir(t, 'airlock-demo-');
  let offset = offsetBase + (process.pid % 5_000);
  while (DEMO_BASE_PORTS.some((p) => HINT_PORTS.includes(p + offset))) offset++;
  // Its own process group, so a test that fails half-way also kills the gateways the launcher started
  // (killing the launcher alone would leave them holding the demo's ports).
  const child = spawn(
    process.execPath,
    [DEMO, '--state-dir', dir, '--port-offset', String(offset), ...mode],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  t.after(() => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // ESRCH: the launcher and everything it started are already gone.
    }
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not come up:\n${out}`)), timeoutMs);
    child.stdout.on('data', () => {
      if (out.includes('Airlock demo is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited (${String(code)}):\n${out}`));
    });
  });
  const fingerprint = /certificate SHA-256 ([0-9A-F:]{95})/
    .exec(out)?.[1]
    ?.replace(/:/g, '')
    .toLowerCase();
  if (fingerprint === undefined)
    throw new Error(`the demo printed no certificate fingerprint:\n${out}`);
  const credentials = JSON.parse(
    readFileSync(join(dir, 'credentials.json'), 'utf8'),
  ) as DemoCredentials;
  return { dir, offset, child, output: () => out, credentials, fingerprint };
}
