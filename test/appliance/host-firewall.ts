/**
 * The host firewall as the appliance test sees it: TCP probes (the zone test's probe.js) run from a
 * namespace, or inside a booted machine as a given user; listeners that stand for ports the
 * firewall must keep closed (a real socket, so `refused` can never pass for filtered); and the
 * figures of a loaded nft table (its rules, the packets each counter counted).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../image/build/build-image.js';
import type { Machine } from './machine.js';
import type { Namespaces } from './netns.js';
import { waitFor } from '../helpers/wait-for.js';
import { parseJson } from './outputs.js';

/** open: connected; refused: the peer answered RST; blocked: this host's firewall (EPERM); silent: dropped on the way. */
export type Outcome = 'open' | 'refused' | 'blocked' | 'silent' | 'unreachable';

const PROBE = join(REPO_ROOT, 'dist', 'test', 'integration', 'zones', 'probe.js');
/** Where the probe lives inside a machine: readable by every user (not /root, which is 0700). */
const PROBE_IN_MACHINE = '/usr/local/lib/airlock-test/probe.mjs';
const PROBE_TIMEOUT_MS = 1500;
/** In the command line of every listener started here, so a later run can kill a killed run's. */
export const LISTENER_MARK = 'airlock-appliance-listener';

export function installProbe(machineDir: string): void {
  const dir = join(machineDir, 'usr', 'local', 'lib', 'airlock-test');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  copyFileSync(PROBE, join(machineDir, PROBE_IN_MACHINE));
}

/** Probes from inside a machine with its own Node.js runtime, as root or as `user`. */
export async function probeInMachine(
  m: Machine,
  role: 'it' | 'ot',
  user: string | undefined,
  targets: readonly string[],
): Promise<Record<string, Outcome>> {
  const as = user === undefined ? '' : `setpriv --reuid=${user} --regid=${user} --clear-groups -- `;
  const out = await m.mustSh(
    `${as}/usr/lib/airlock-${role}/bin/node ${PROBE_IN_MACHINE} ${PROBE_TIMEOUT_MS} ${targets.join(' ')}`,
  );
  return parseJson<Record<string, Outcome>>(out.trim(), `probe on ${m.name}`);
}

/** Probes from a namespace the test made (as root, the host's Node.js). */
export async function probeFromNamespace(
  ns: Namespaces,
  zone: string,
  targets: readonly string[],
): Promise<Record<string, Outcome>> {
  const r = await ns.exec(zone, process.execPath, [PROBE, String(PROBE_TIMEOUT_MS), ...targets]);
  if (r.code !== 0) throw new Error(`probe from ${zone}: exit ${String(r.code)}: ${r.stderr}`);
  return parseJson<Record<string, Outcome>>(r.stdout.trim(), `probe from ${zone}`);
}

const listenerScript = (address: string, ports: readonly number[]): string =>
  `/* ${LISTENER_MARK} */ const net = require('node:net');
let left = ${ports.length};
for (const port of ${JSON.stringify(ports)})
  net.createServer((s) => s.end()).listen(port, ${JSON.stringify(address)}, () => {
    if (--left === 0) process.stdout.write('listening\\n');
  });`;

export interface Listener {
  stop(): Promise<void>;
}

/** TCP listeners on `address:ports` in a namespace, up when this resolves. */
export async function listenInNamespace(
  nsName: string,
  address: string,
  ports: readonly number[],
): Promise<Listener> {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      nsName,
      process.execPath,
      '--input-type=commonjs',
      '-e',
      listenerScript(address, ports),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = once(child, 'exit');
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening\n')) resolve();
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    void exited.then(() => reject(new Error(`listener in ${nsName} exited: ${out}`)));
  });
  return {
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** TCP listeners on every address of a machine, as a transient unit; up when this resolves. */
export async function listenInMachine(
  m: Machine,
  role: 'it' | 'ot',
  unit: string,
  ports: readonly number[],
): Promise<Listener> {
  await m.mustSh(
    `systemd-run --quiet --collect --unit=${unit} /usr/lib/airlock-${role}/bin/node --input-type=commonjs -e "$(cat <<'EOF'
${listenerScript('0.0.0.0', ports)}
EOF
)"
systemctl is-active --quiet ${unit}`,
  );
  await waitFor(
    `${unit} listening on ${m.name}`,
    async () => {
      const ss = await m.mustSh('ss -Htln');
      return ports.every((p) => new RegExp(`\\b0\\.0\\.0\\.0:${p}\\s`).test(ss));
    },
    20_000,
    100,
  );
  return {
    async stop() {
      await m.sh(`systemctl stop ${unit}`);
    },
  };
}

export interface TableFigures {
  /** Rules in the table's chains (every line of a chain but its `type ... hook` header). */
  readonly rules: number;
  /** Packets per counter comment (`input dropped`, `asset hmi-1`, ...). */
  readonly counted: ReadonlyMap<string, number>;
}

/** The figures of `nft list table ...` output. */
export function tableFigures(listing: string): TableFigures {
  let rules = 0;
  let inChain = false;
  const counted = new Map<string, number>();
  for (const raw of listing.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('chain ')) inChain = true;
    else if (line === '}') inChain = false;
    else if (inChain && line !== '' && !line.startsWith('type ')) {
      rules++;
      const m = /counter packets (\d+) bytes \d+(?: .*comment "([^"]*)")?/.exec(line);
      if (m !== null) {
        const name = m[2] ?? line.replace(/ counter packets.*/, '');
        counted.set(name, (counted.get(name) ?? 0) + Number(m[1]));
      }
    }
  }
  return { rules, counted };
}
