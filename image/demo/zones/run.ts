/** Runs a command to completion (no shell), for the zone set-up: ip, nft, useradd. */
import { spawn } from 'node:child_process';

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(command: string, args: readonly string[], input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => resolve({ code: 127, stdout, stderr: `${stderr}${e.message}` }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** `run`, throwing with the command and its stderr when it fails. */
export async function mustRun(
  command: string,
  args: readonly string[],
  input?: string,
): Promise<string> {
  const r = await run(command, args, input);
  if (r.code !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${String(r.code)}): ${r.stderr.trim()}`,
    );
  return r.stdout;
}
