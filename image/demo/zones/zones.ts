/**
 * The four network zones of a plant, as network namespaces (docs/install.md, "Zones"): `corp`
 * (operators' machines), `it-dmz` (the IT gateway), `ot` (the OT gateway), `plant` (PLCs, HMIs,
 * OPC UA servers), joined in a line by veth pairs and routed end to end, 10.77.0.0/16 inside the
 * namespaces only:
 *
 *   corp 10.77.0.2 -- 10.77.0.1 it-dmz 10.77.1.1 -- 10.77.1.2 ot 10.77.2.1 -- 10.77.2.x plant
 *
 * The two gateway zones forward packets (as the routers between zones of a plant network would),
 * so what keeps corp out of the plant is the gateways' own rulesets (default drop, no forwarding),
 * loaded with `loadRuleset`: the shipped IT ruleset in it-dmz, the OT ruleset the OT gateway's
 * local policy gives in ot. Without them every zone reaches every other.
 *
 * Names carry the process id of the run (`alz<pid>-corp`), so concurrent runs never clash, and
 * `startZones` first removes the zones of runs that are no longer alive.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeNamespaces, removeStaleNamespaces, type Namespaces } from './netns.js';
import { mustRun } from './run.js';

export const ZONES = ['corp', 'it-dmz', 'ot', 'plant'] as const;
export type Zone = (typeof ZONES)[number];

/** Every name the zones use starts with this, then the pid of the run. */
export const ZONE_FAMILY = 'alz';

export const ZONE_ADDRESSES = {
  corp: '10.77.0.2',
  /** The IT gateway as corp sees it. */
  itFromCorp: '10.77.0.1',
  /** The IT gateway as the OT gateway sees it (what the OT link dials). */
  itFromOt: '10.77.1.1',
  ot: '10.77.1.2',
  /** The OT gateway's leg in the plant. */
  otInPlant: '10.77.2.1',
  plantSubnet: '10.77.2.0/24',
} as const;

/** The plant's devices: one address each, all in plantSubnet. */
export const PLANT_HOSTS = {
  hmi: '10.77.2.10',
  plc: '10.77.2.11',
  opc: '10.77.2.12',
  /** Free for a device the policy does not list (tests add and remove it). */
  spare: '10.77.2.20',
} as const;

export interface ZoneNetwork extends Namespaces {
  /** Loads an nft ruleset inside a zone (one transaction). */
  loadRuleset(zone: Zone, text: string): Promise<void>;
  /** `nft list table ...` inside a zone, with its counters. */
  listTable(zone: Zone, family: string, table: string): Promise<string>;
}

export async function startZones(): Promise<ZoneNetwork> {
  await removeStaleNamespaces(ZONE_FAMILY);
  const prefix = `${ZONE_FAMILY}${process.pid}`;
  const ns = await makeNamespaces(prefix, ZONES, [
    { a: 'corp', aAddress: '10.77.0.2/24', b: 'it-dmz', bAddress: '10.77.0.1/24' },
    { a: 'it-dmz', aAddress: '10.77.1.1/24', b: 'ot', bAddress: '10.77.1.2/24' },
    { a: 'ot', aAddress: '10.77.2.1/24', b: 'plant', bAddress: `${PLANT_HOSTS.hmi}/24` },
  ]);
  try {
    const ip = (zone: Zone, ...args: string[]): Promise<string> =>
      mustRun('ip', ['-n', ns.nameOf(zone), ...args]);
    for (const host of [PLANT_HOSTS.plc, PLANT_HOSTS.opc, PLANT_HOSTS.spare])
      await ip('plant', 'addr', 'add', `${host}/24`, 'dev', 'veth2b');
    await ip('corp', 'route', 'add', 'default', 'via', ZONE_ADDRESSES.itFromCorp);
    await ip('it-dmz', 'route', 'add', ZONE_ADDRESSES.plantSubnet, 'via', ZONE_ADDRESSES.ot);
    await ip('ot', 'route', 'add', '10.77.0.0/24', 'via', ZONE_ADDRESSES.itFromOt);
    await ip('plant', 'route', 'add', 'default', 'via', ZONE_ADDRESSES.otInPlant);
    for (const zone of ['it-dmz', 'ot'] as const)
      await mustRun('ip', [
        ...['netns', 'exec', ns.nameOf(zone)],
        ...['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'],
      ]);
  } catch (e) {
    await ns.teardown();
    throw e;
  }
  return {
    ...ns,
    async loadRuleset(zone, text) {
      await mustRun('ip', ['netns', 'exec', ns.nameOf(zone), 'nft', '-f', '-'], text);
    },
    listTable: (zone, family, table) =>
      mustRun('ip', ['netns', 'exec', ns.nameOf(zone), 'nft', 'list', 'table', family, table]),
  };
}

const IT_RULESET = fileURLToPath(
  new URL('../../../../image/nftables/airlock-it.nft', import.meta.url),
);

/** The shipped IT ruleset with its `define` lines set (ports, management networks and ports). */
export function itRuleset(defines: Readonly<Record<string, string | number>>): string {
  let text = readFileSync(IT_RULESET, 'utf8');
  for (const [name, value] of Object.entries(defines)) {
    const line = new RegExp(`^define ${name} = .*$`, 'm');
    if (!line.test(text)) throw new Error(`${IT_RULESET} defines no ${name}`);
    text = text.replace(line, `define ${name} = ${String(value)}`);
  }
  return text;
}
