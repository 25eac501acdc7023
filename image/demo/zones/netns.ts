/**
 * Network namespaces joined by veth pairs, for the zones (and any test that places machines on
 * networks of their own; the appliance test's helper has this same shape). Each link is a veth pair
 * with one address at each end. Only the namespaces made here get addresses or routes; the host's
 * own network is never touched. All names start with a prefix that carries the process id of the
 * run that made them, so concurrent runs never share a name and a later run removes what a killed
 * run left behind (`removeStaleNamespaces`) without touching a live run's.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { mustRun, run, type RunResult } from './run.js';

export interface NamespaceLink {
  readonly a: string;
  /** Address with prefix length at a's end, e.g. 10.77.1.1/24. */
  readonly aAddress: string;
  readonly b: string;
  readonly bAddress: string;
}

export interface Namespaces {
  /** The namespace's name as `ip netns` knows it (`<prefix>-<name>`). */
  nameOf(ns: string): string;
  /** Its path, for `systemd-nspawn --network-namespace-path`. */
  pathOf(ns: string): string;
  /** Runs a command inside the namespace (as root, host file system). */
  exec(ns: string, command: string, args: readonly string[], input?: string): Promise<RunResult>;
  /** Deletes the namespaces (and with them their veth ends) and their /etc/netns files. */
  teardown(): Promise<void>;
}

async function deleteNamespace(name: string): Promise<void> {
  await run('ip', ['netns', 'delete', name]);
  rmSync(join('/etc/netns', name), { recursive: true, force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes every namespace named `<family><pid>-...` whose pid is no longer running. */
export async function removeStaleNamespaces(family: string): Promise<string[]> {
  const list = await run('ip', ['netns', 'list']);
  const removed: string[] = [];
  const pattern = new RegExp(`^${family}(\\d+)-`);
  for (const line of list.stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = pattern.exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    await deleteNamespace(name);
    removed.push(name);
  }
  return removed;
}

export async function makeNamespaces(
  prefix: string,
  names: readonly string[],
  links: readonly NamespaceLink[],
): Promise<Namespaces> {
  const full = (ns: string): string => {
    if (!names.includes(ns)) throw new Error(`no namespace ${ns} in this set`);
    return `${prefix}-${ns}`;
  };
  const made: string[] = [];
  const teardown = async (): Promise<void> => {
    for (const n of made.reverse()) await deleteNamespace(n);
    made.length = 0;
  };
  try {
    for (const ns of names) {
      await mustRun('ip', ['netns', 'add', full(ns)]);
      made.push(full(ns));
      await mustRun('ip', ['-n', full(ns), 'link', 'set', 'lo', 'up']);
    }
    for (const [i, l] of links.entries()) {
      // Created inside the namespaces, so the names cannot clash with the host's or another run's.
      const ifA = `veth${i}a`;
      const ifB = `veth${i}b`;
      await mustRun('ip', [
        ...['-n', full(l.a), 'link', 'add', ifA, 'type', 'veth'],
        ...['peer', 'name', ifB, 'netns', full(l.b)],
      ]);
      for (const [ns, ifName, address] of [
        [l.a, ifA, l.aAddress],
        [l.b, ifB, l.bAddress],
      ] as const) {
        await mustRun('ip', ['-n', full(ns), 'addr', 'add', address, 'dev', ifName]);
        await mustRun('ip', ['-n', full(ns), 'link', 'set', ifName, 'up']);
      }
    }
  } catch (e) {
    await teardown();
    throw e;
  }
  return {
    nameOf: full,
    pathOf: (ns) => `/run/netns/${full(ns)}`,
    exec: (ns, command, args, input) =>
      run('ip', ['netns', 'exec', full(ns), command, ...args], input),
    teardown,
  };
}
