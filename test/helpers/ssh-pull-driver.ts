/**
 * The client side of the SSH throughput benchmark (test/bench/ssh-throughput.bench.ts), in a
 * process of its own: the benchmark hosts the IT gateway in its own process, and draining 500 MiB
 * of the client's stdout there would put the sink on the same event loop as the relay it measures.
 *
 *   node ssh-pull-driver.js '<json PullPlan>'   prints one line: JSON PullResult
 */
import { spawn } from 'node:child_process';

export interface PullPlan {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

export interface PullResult {
  readonly code: number | null;
  readonly bytes: number;
  /** Milliseconds from spawning the client to its first byte of output (undefined: none). */
  readonly firstByteMs: number | undefined;
  readonly totalMs: number;
  readonly stderr: string;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as PullPlan;
const started = performance.now();
const child = spawn('/usr/bin/ssh', [...plan.args], {
  env: plan.env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let bytes = 0;
let firstByteMs: number | undefined;
let stderr = '';
child.stdout.on('data', (d: Buffer) => {
  firstByteMs ??= performance.now() - started;
  bytes += d.length;
});
child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
child.once('close', (code) => {
  const r: PullResult = { code, bytes, firstByteMs, totalMs: performance.now() - started, stderr };
  process.stdout.write(`${JSON.stringify(r)}\n`);
});
