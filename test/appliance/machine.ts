/**
 * Booting a root file system as a machine with systemd as PID 1 (systemd-nspawn), in a network
 * namespace the test made, and running commands in it (`nsenter` into all its namespaces, as root,
 * with the machine's own file system and PATH). The host here runs no systemd: nspawn needs
 * /run/systemd to be a tmpfs (mounted here when it is not, and unmounted when the last machine is
 * gone) and is started with --register=no --keep-unit. A machine stops with an orderly poweroff
 * (SIGTERM to nspawn), killed if it takes too long. Machine names start with a prefix so a later
 * run can kill what a killed run left behind (`killMachines`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mustRun, runCommand, type RunResult } from '../../image/build/run-command.js';
import { waitFor } from '../helpers/wait-for.js';

export interface Machine {
  readonly name: string;
  readonly dir: string;
  /** Runs a shell script inside as root (`sh -e -c`), in /root, with the machine's PATH. */
  sh(script: string, options?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** Like sh, but throws with the output unless it exits 0. */
  mustSh(script: string, options?: { input?: string; timeoutMs?: number }): Promise<string>;
  /** Everything the machine wrote to its console so far. */
  console(): string;
  /** Orderly poweroff; resolves when nspawn has exited. */
  stop(): Promise<void>;
}

const MACHINE_ENV = [
  '/usr/bin/env',
  '-i',
  'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
  'HOME=/root',
  'LANG=C.UTF-8',
];

let machinesUp = 0;
/** Set while this process has machines up: whether it mounted the tmpfs (one check, even for boots at once). */
let runSystemd: Promise<boolean> | undefined;

async function isMountPoint(path: string): Promise<boolean> {
  return (await runCommand('mountpoint', ['-q', path])).code === 0;
}

/** Marks the tmpfs as this helper's, so a later run can unmount one a killed run left. */
const OURS = '/run/systemd/.airlock-appliance-test';

async function mountRunSystemd(): Promise<boolean> {
  if (await isMountPoint('/run/systemd')) return false;
  await mustRun('mkdir', ['-p', '/run/systemd']);
  await mustRun('mount', ['-t', 'tmpfs', 'tmpfs', '/run/systemd']);
  writeFileSync(OURS, '');
  return true;
}

async function releaseRunSystemd(): Promise<void> {
  if (machinesUp > 0 || runSystemd === undefined) return;
  const mounted = await runSystemd;
  runSystemd = undefined;
  if (mounted) await runCommand('umount', ['/run/systemd']);
}

/**
 * Kills every nspawn whose machine name starts with `<prefix>-` (what a killed run left), and
 * unmounts the /run/systemd tmpfs such a run mounted.
 */
export async function killMachines(prefix: string): Promise<void> {
  const r = await runCommand('pgrep', ['-f', `systemd-nspawn .*--machine=${prefix}-`]);
  for (const pid of r.stdout.split('\n').filter((p) => p !== ''))
    await runCommand('kill', ['-KILL', pid]);
  if (r.stdout.trim() !== '')
    await waitFor(
      'leftover machines to exit',
      async () =>
        (await runCommand('pgrep', ['-f', `systemd-nspawn .*--machine=${prefix}-`])).code !== 0,
      20_000,
      100,
    );
  for (let i = 0; i < 3 && existsSync(OURS) && (await isMountPoint('/run/systemd')); i++)
    await runCommand('umount', ['/run/systemd']);
}

function initPidOf(nspawnPid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${nspawnPid}/task/${nspawnPid}/children`, 'utf8').trim();
    const first = Number(children.split(' ')[0]);
    return Number.isInteger(first) && first > 0 ? first : undefined;
  } catch {
    return undefined;
  }
}

export interface BootOptions {
  readonly name: string;
  readonly dir: string;
  readonly netnsPath: string;
  /** Where the console output is written (also kept in memory). */
  readonly logFile: string;
  readonly bootTimeoutMs?: number;
}

export async function bootMachine(o: BootOptions): Promise<Machine> {
  machinesUp++;
  runSystemd ??= mountRunSystemd();
  await runSystemd;
  const child: ChildProcess = spawn(
    'systemd-nspawn',
    [
      `--directory=${o.dir}`,
      `--machine=${o.name}`,
      '--boot',
      '--register=no',
      '--keep-unit',
      // The console's output (the set-up code goes there) is nspawn's output, kept in the log file.
      '--console=read-only',
      `--network-namespace-path=${o.netnsPath}`,
      // A machine loads its own host firewall, as a VM would: nspawn keeps CAP_NET_ADMIN only
      // with --private-network, not for a namespace it is given.
      '--capability=CAP_NET_ADMIN',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const log = createWriteStream(o.logFile);
  const collect = (d: Buffer): void => {
    out += d.toString();
    log.write(d);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit');
  let stopped = false;
  const pid = child.pid ?? 0;

  const init = async (): Promise<number> =>
    waitFor(`${o.name}'s init`, () => (child.exitCode === null ? initPidOf(pid) : false), 20_000);
  const sh: Machine['sh'] = async (script, options = {}) => {
    const target = await init();
    return runCommand(
      '/usr/bin/nsenter',
      ['-t', String(target), '-a', ...MACHINE_ENV, 'sh', '-e', '-c', `cd /root\n${script}`],
      { ...options, env: {} },
    );
  };
  const machine: Machine = {
    name: o.name,
    dir: o.dir,
    sh,
    async mustSh(script, options) {
      const r = await sh(script, options);
      if (r.code !== 0)
        throw new Error(
          `on ${o.name}, exit ${String(r.code)}:\n${script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
        );
      return r.stdout;
    },
    console: () => out,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(killer);
      }
      log.end();
      machinesUp--;
      await releaseRunSystemd();
    },
  };
  try {
    await waitFor(
      `${o.name} to boot (systemctl is-system-running)`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${o.name} exited while booting:\n${out}`);
        if (initPidOf(pid) === undefined) return false;
        const r = await sh('systemctl is-system-running || true');
        const state = r.stdout.trim();
        return state === 'running' || state === 'degraded' ? state : false;
      },
      o.bootTimeoutMs ?? 90_000,
      250,
    );
  } catch (e) {
    await machine.stop();
    throw e;
  }
  return machine;
}

/** The journal of one unit inside a machine, message text only. */
export async function journalOf(m: Machine, unit: string): Promise<string> {
  return (await m.sh(`journalctl -u ${unit} -o cat --no-pager`)).stdout;
}

export function consoleLog(dir: string, name: string): string {
  return join(dir, `${name}.console.log`);
}
