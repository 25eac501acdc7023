/** Debian's mbpoll as an independent Modbus TCP client: one poll (`-1`), output and exit code. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface MbpollResult {
  readonly code: number | null;
  readonly output: string;
}

/**
 * Runs `mbpoll -m tcp -1 -p PORT ... 127.0.0.1 [values]`; `args` are the options between. The
 * response timeout is mbpoll's largest (10 s), a safety net: the first request through the link
 * opens a session, which on a loaded machine can take seconds.
 */
export async function runMbpoll(
  port: number,
  args: readonly string[],
  values: readonly string[] = [],
): Promise<MbpollResult> {
  const child = spawn(
    'mbpoll',
    ['-m', 'tcp', '-1', '-o', '10', '-p', String(port), ...args, '127.0.0.1', ...values],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(kill);
  return { code, output };
}

/** The values mbpoll printed, by reference: `[1]: 1450` gives { 1: '1450' }. */
export function mbpollValues(output: string): Record<number, string> {
  const out: Record<number, string> = {};
  for (const m of output.matchAll(/^\[(\d+)\]:\s+(\S+)/gm)) out[Number(m[1])] = m[2] ?? '';
  return out;
}
