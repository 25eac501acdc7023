/**
 * The zoned demo's placement (`npm run demo` as root, or `--zones`): the four zones of
 * zones/zones.ts, the simulated plant in `plant` (one device per address, on their usual ports),
 * the IT gateway in `it-dmz` under the shipped IT ruleset, the OT gateway in `ot` under the ruleset
 * its policy gives, running as an unprivileged user so `meta skuid` tells its connections apart,
 * and the host as an operator's desk in `corp` (corp-relay.ts). Only the IT gateway's two ports are
 * on the host's 127.0.0.1; nothing of the plant is.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { startDaemon, type Daemon } from './demo-process.js';
import type { PlantView } from './demo-policy.js';
import { relayHostPort } from './zones/corp-relay.js';
import {
  itRuleset,
  PLANT_HOSTS,
  startZones,
  ZONE_ADDRESSES,
  type Zone,
  type ZoneNetwork,
} from './zones/zones.js';

export interface ZonedDemo {
  readonly zones: ZoneNetwork;
  readonly plant: PlantView;
  /** The OT gateway's user. */
  readonly otUid: number;
  readonly otGid: number;
  /** Put in front of node: run in a zone (as root), or in `ot` as the OT gateway's user. */
  inZone(zone: Zone): string[];
  asOtUser(zone?: Zone): string[];
  /** Starts the host half of the corp relay for the IT gateway's ports. */
  relayFromHost(ports: { https: number; ssh: number }): Promise<void>;
  stop(): Promise<void>;
}

export interface ZonedDemoOptions {
  readonly demoDir: string;
  readonly otUser: string;
  readonly distRoot: string;
  readonly itPorts: { https: number; ssh: number };
  readonly onExit: (name: string, code: number | null) => void;
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory())
    for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}

export async function startZonedDemo(o: ZonedDemoOptions): Promise<ZonedDemo> {
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, o.otUser], { encoding: 'utf8' }).trim());
  const otUid = id('-u');
  const otGid = id('-g');
  const zones = await startZones();
  const daemons: Daemon[] = [];
  const servers: Server[] = [];
  const inZone = (zone: Zone): string[] => ['ip', 'netns', 'exec', zones.nameOf(zone)];
  const asOtUser = (zone?: Zone): string[] => [
    ...(zone === undefined ? [] : inZone(zone)),
    ...['setpriv', '--reuid', String(otUid), '--regid', String(otGid), '--clear-groups', '--'],
    ...['env', `HOME=${join(o.demoDir, 'ot')}`],
  ];
  const stop = async (): Promise<void> => {
    for (const s of servers) s.close();
    for (const d of [...daemons].reverse()) await d.stop();
    await zones.teardown();
  };
  try {
    // The OT gateway's files are its user's; the demo dir above them only traversable.
    chmodSync(o.demoDir, 0o711);
    mkdirSync(join(o.demoDir, 'ot', 'data'), { recursive: true });
    chownTree(join(o.demoDir, 'ot'), otUid, otGid);

    await zones.loadRuleset(
      'it-dmz',
      itRuleset({ PORTAL_PORT: o.itPorts.https, SSH_PORT: o.itPorts.ssh }),
    );
    const plantMain = join(o.distRoot, 'image', 'demo', 'plant', 'plant.js');
    const plant: Record<string, Record<string, unknown>> = {};
    for (const [kind, host, port] of [
      ['ssh', PLANT_HOSTS.hmi, 22],
      ['modbus', PLANT_HOSTS.plc, 502],
      ['opcua', PLANT_HOSTS.opc, 4840],
    ] as const) {
      const d = await startDaemon(
        `plant-${kind}`,
        [plantMain, kind, '--host', host, '--port', String(port)],
        join(o.demoDir, 'logs', `plant-${kind}.log`),
        o.onExit,
        {
          wrap: inZone('plant'),
          isReady: (e) => e.kind === kind,
          env: { ...process.env, HOME: join(o.demoDir, 'plant') },
        },
      );
      daemons.push(d);
      plant[kind] = d.ready;
    }
    const relayMain = join(o.distRoot, 'image', 'demo', 'zones', 'corp-relay.js');
    const sockets = {
      https: join(o.demoDir, 'relay-https.sock'),
      ssh: join(o.demoDir, 'relay-ssh.sock'),
    };
    daemons.push(
      await startDaemon(
        'corp-relay',
        [
          relayMain,
          `${sockets.https}=${ZONE_ADDRESSES.itFromCorp}:${o.itPorts.https}`,
          `${sockets.ssh}=${ZONE_ADDRESSES.itFromCorp}:${o.itPorts.ssh}`,
        ],
        join(o.demoDir, 'logs', 'corp-relay.log'),
        o.onExit,
        { wrap: inZone('corp') },
      ),
    );
    const str = (v: unknown): string => String(v);
    return {
      zones,
      plant: {
        ssh: {
          host: str(plant.ssh?.host),
          port: Number(plant.ssh?.port),
          hostKey: str(plant.ssh?.hostKey),
        },
        modbus: {
          host: str(plant.modbus?.host),
          port: Number(plant.modbus?.port),
          unitId: Number(plant.modbus?.unitId),
        },
        opcua: {
          host: str(plant.opcua?.host),
          port: Number(plant.opcua?.port),
          certificateSha256: str(plant.opcua?.certificateSha256),
          namespaceUri: str(plant.opcua?.namespaceUri),
        },
      },
      otUid,
      otGid,
      inZone,
      asOtUser,
      async relayFromHost(ports) {
        servers.push(await relayHostPort(ports.https, sockets.https));
        servers.push(await relayHostPort(ports.ssh, sockets.ssh));
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
