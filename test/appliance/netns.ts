/**
 * Network namespaces joined by veth pairs, for tests that place machines on their own networks
 * (the appliance test here; the zone network of corp / it-dmz / ot / plant later). Each link is a
 * point-to-point veth pair with one address at each end; nothing is routed between links, so a
 * namespace reaches only its direct neighbours. Only the namespaces made here get addresses; the
 * host's own network is never touched. All names start with a prefix so a later run can remove
 * what a killed run left behind (`removeNamespaces`).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { mustRun, runCommand, type RunResult } from '../../image/build/run-command.js';

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

/** Removes every namespace whose name starts with `<prefix>-` (what a killed run left). */
export async function removeNamespaces(prefix: string): Promise<void> {
  const list = await runCommand('ip', ['netns', 'list']);
  for (const line of list.stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (!name.startsWith(`${prefix}-`)) continue;
    await runCommand('ip', ['netns', 'delete', name]);
    rmSync(join('/etc/netns', name), { recursive: true, force: true });
  }
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
    for (const n of made.reverse()) {
      await runCommand('ip', ['netns', 'delete', n]);
      rmSync(join('/etc/netns', n), { recursive: true, force: true });
    }
    made.length = 0;
  };
  try {
    for (const ns of names) {
      await mustRun('ip', ['netns', 'add', full(ns)]);
      made.push(full(ns));
      await mustRun('ip', ['-n', full(ns), 'link', 'set', 'lo', 'up']);
    }
    for (const [i, l] of links.entries()) {
      // Interface names are at most 15 characters: the prefix, the link's number, a or b.
      const ifA = `${prefix}${i}a`;
      const ifB = `${prefix}${i}b`;
      await mustRun('ip', [
        'link',
        'add',
        ifA,
        'netns',
        full(l.a),
        'type',
        'veth',
        'peer',
        'name',
        ifB,
        'netns',
        full(l.b),
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
      runCommand('ip', ['netns', 'exec', full(ns), command, ...args], {
        ...(input === undefined ? {} : { input }),
      }),
    teardown,
  };
}
