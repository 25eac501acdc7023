/**
 * Starting the compiled gateways (and other commands) as real processes in tests: wait for a JSON
 * `ready` line on stdout, keep stderr for failure messages, and make sure the process is gone when
 * the test ends (SIGTERM, then SIGKILL after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export const repoRoot = process.env.AIRLOCK_REPO_ROOT ?? process.cwd();
export const distRoot = join(repoRoot, 'dist');

export const IT_MAIN = join(distRoot, 'gateway-it', 'src', 'main.js');
export const OT_MAIN = join(distRoot, 'gateway-ot', 'src', 'main.js');

export interface Started {
  readonly child: ChildProcess;
  /** The parsed `ready` line. */
  readonly ready: Record<string, unknown>;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Every JSON line from stdout so far. */
  events(): Record<string, unknown>[];
  /** Resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves when a stdout JSON line satisfies `predicate`. */
  waitForEvent(
    predicate: (e: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (for CLI subcommands). */
export async function runNode(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const child = spawn(process.execPath, ['--enable-source-maps', ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Starts a long-running node program and waits for its `{"event":"ready",...}` line. */
export async function startNode(
  t: Pick<TestContext, 'after'>,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; readyTimeoutMs?: number } = {},
): Promise<Started> {
  const child = spawn(process.execPath, ['--enable-source-maps', ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let lineBuf = '';
  const events: Record<string, unknown>[] = [];
  const waiters = new Set<{
    predicate: (e: Record<string, unknown>) => boolean;
    resolve: (e: Record<string, unknown>) => void;
  }>();
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    lineBuf += d.toString();
    let nl: number;
    while ((nl = lineBuf.indexOf('\n')) >= 0) {
      const line = lineBuf.slice(0, nl);
      lineBuf = lineBuf.slice(nl + 1);
      try {
        const e = JSON.parse(line) as Record<string, unknown>;
        events.push(e);
        for (const w of [...waiters]) {
          if (w.predicate(e)) {
            waiters.delete(w);
            w.resolve(e);
          }
        }
      } catch {
        // not a JSON line
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));

  const waitForEvent = (
    predicate: (e: Record<string, unknown>) => boolean,
    timeoutMs = 20_000,
  ): Promise<Record<string, unknown>> => {
    const seen = events.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = {
        predicate,
        resolve: (e: Record<string, unknown>) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(w);
        reject(
          new Error(
            `timed out waiting for an event from ${args.join(' ')}; output so far:\n${out}`,
          ),
        );
      }, timeoutMs);
      waiters.add(w);
      void exited.then((code) => {
        if (waiters.delete(w)) {
          clearTimeout(timer);
          reject(
            new Error(
              `process exited (${String(code)}) before the expected event; output:\n${out}`,
            ),
          );
        }
      });
    });
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill(signal);
    const grace = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(grace);
    return code;
  };
  t.after(async () => {
    await stop();
  });
  const ready = await waitForEvent((e) => e.event === 'ready', options.readyTimeoutMs ?? 30_000);
  return { child, ready, output: () => out, events: () => [...events], stop, waitForEvent };
}
