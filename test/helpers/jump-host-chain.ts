/**
 * What the SSH path benches start to compare Airlock with a classic jump-host path: two OpenSSH
 * jump hosts (jump2 reached through jump1) beside the gateway chain (ssh-chain.ts), a known_hosts
 * file pinning all of them, and an ssh_config naming `jump1` and `jump2`, then the bench's own
 * hosts, then the defaults every connection takes (`Host *` last: ssh_config keeps the first value
 * it finds for each option). The jump users' passwords are answered by the chain's askpass script.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from '../../image/demo/plant/free-port.js';
import { startSshd, type SshdPeer } from '../peers/sshd.js';
import { spawnOperatorSsh } from './operator-ssh.js';
import { startSshChain, type SshChain, type SshChainOptions } from './ssh-chain.js';
import { waitFor } from './wait-for.js';

export interface JumpHostChain {
  readonly chain: SshChain;
  readonly jump1: SshdPeer;
  readonly jump2: SshdPeer;
  /** The ssh_config file (`ssh -F`). */
  readonly config: string;
}

export async function startJumpHostChain(
  t: Pick<TestContext, 'after'>,
  o: {
    /** The chain's options; the jump users' passwords go before its own `extraPasswords`. */
    readonly chain: SshChainOptions;
    /** Further known_hosts lines (before the jump hosts'). */
    readonly knownHosts?: readonly string[];
    /** The bench's own `Host` blocks, after jump1 and jump2. */
    readonly hosts: (chain: SshChain) => readonly string[];
    /** Lines added to the `Host *` defaults. */
    readonly defaults?: readonly string[];
  },
): Promise<JumpHostChain> {
  const jump1 = await startSshd(t);
  const jump2 = await startSshd(t);
  const [j1, j2] = [jump1.users[0], jump2.users[0]];
  if (j1 === undefined || j2 === undefined) throw new Error('sshd users missing');
  const chain = await startSshChain(t, {
    ...o.chain,
    extraPasswords: [
      { match: `${j1.name}@`, password: j1.password },
      { match: `${j2.name}@`, password: j2.password },
      ...(o.chain.extraPasswords ?? []),
    ],
  });
  const kh = join(chain.dir, 'bench_known_hosts');
  writeFileSync(
    kh,
    [
      ...(o.knownHosts ?? []),
      `[127.0.0.1]:${jump1.port} ${jump1.hostKey}`,
      `[127.0.0.1]:${jump2.port} ${jump2.hostKey}`,
      readFileSync(join(chain.dir, 'known_hosts'), 'utf8').trim(),
      '',
    ].join('\n'),
  );
  const config = join(chain.dir, 'bench_ssh_config');
  writeFileSync(
    config,
    [
      'Host jump1',
      `  HostName 127.0.0.1\n  Port ${jump1.port}\n  User ${j1.name}`,
      'Host jump2',
      `  HostName 127.0.0.1\n  Port ${jump2.port}\n  User ${j2.name}\n  ProxyJump jump1`,
      ...o.hosts(chain),
      'Host *',
      `  UserKnownHostsFile ${kh}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  NumberOfPasswordPrompts 1',
      '  LogLevel ERROR',
      ...(o.defaults ?? []),
      '',
    ].join('\n'),
  );
  return { chain, jump1, jump2, config };
}

/** An `ssh -N -L` tunnel a bench opened: its local port on 127.0.0.1 and the ssh client's pid. */
export interface Tunnel {
  readonly port: number;
  readonly pid: number | undefined;
}

/**
 * Starts `ssh -F <config> -N <args>` (each `PORT` in the arguments becomes a free local port) and
 * waits until `isReady(port)` says the tunnel carries what the bench needs; fails with ssh's own
 * words if it exits first. The client is stopped (SIGTERM) when the bench ends.
 */
export async function openTunnel(
  t: Pick<TestContext, 'after'>,
  jump: JumpHostChain,
  args: readonly string[],
  isReady: (port: number) => Promise<boolean>,
): Promise<Tunnel> {
  const port = await freePort();
  const child = spawnOperatorSsh(
    t,
    jump.chain,
    ['-F', jump.config, '-N', ...args.map((a) => a.replace('PORT', String(port)))],
    { stdio: ['ignore', 'ignore', 'pipe'], killSignal: 'SIGTERM' },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(
    `the ssh -L tunnel (${args.join(' ')})`,
    async () => {
      if (child.exitCode !== null) throw new Error(`ssh exited: ${stderr}`);
      return isReady(port);
    },
    60_000,
    100,
  );
  return { port, pid: child.pid };
}
