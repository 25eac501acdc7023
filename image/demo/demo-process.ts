/**
 * Child processes of the demo: run a CLI command to completion, or keep a gateway running with its
 * output in a log file, noticing when it dies. `wrap` puts a command in front of node (the zoned
 * demo's `ip netns exec <zone>` and `setpriv` to the OT gateway's user).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** Runs a CLI command; `input` goes to its stdin (a secret for `vault-set`, never on its command line). */
export async function runCommand(
  args: readonly string[],
  input?: string,
  wrap: readonly string[] = [],
): Promise<string> {
  const [command, ...argv] = [...wrap, process.execPath, ...args] as [string, ...string[]];
  const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  let out = '';
  let errText = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (errText += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0)
    throw new Error(`${args.slice(1).join(' ')} failed (exit ${String(code)}): ${errText.trim()}`);
  return out;
}

export interface Daemon {
  readonly name: string;
  readonly child: ChildProcess;
  readonly ready: Record<string, unknown>;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  /** Put in front of node (default none). */
  readonly wrap?: readonly string[];
  /** Which JSON line on stdout means ready (default `{"event":"ready"}`). */
  readonly isReady?: (line: Record<string, unknown>) => boolean;
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts a gateway, waits for its JSON `ready` line, and sends everything it prints to `logFile`. */
export async function startDaemon(
  name: string,
  args: readonly string[],
  logFile: string,
  onExit: (name: string, code: number | null) => void,
  options: DaemonOptions = {},
): Promise<Daemon> {
  const log = createWriteStream(logFile, { flags: 'a' });
  const isReady = options.isReady ?? ((e) => e.event === 'ready');
  const [command, ...argv] = [
    ...(options.wrap ?? []),
    process.execPath,
    '--enable-source-maps',
    ...args,
  ] as [string, ...string[]];
  const child = spawn(command, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  child.stderr.pipe(log, { end: false });
  let stopping = false;
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      log.write(d);
      buf += d.toString();
      for (const line of buf.split('\n')) {
        try {
          const e = JSON.parse(line) as Record<string, unknown>;
          if (isReady(e)) {
            child.stdout.off('data', onData);
            child.stdout.pipe(log, { end: false });
            resolve(e);
            return;
          }
        } catch {
          // not JSON yet
        }
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`${name} exited (${String(code)}) before it was ready; see ${logFile}`)),
    );
  });
  child.once('exit', (code) => {
    log.end();
    if (!stopping) onExit(name, code);
  });
  return {
    name,
    child,
    ready,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
}
