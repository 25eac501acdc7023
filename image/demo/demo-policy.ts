/**
 * The demo site's OT local policy: the three simulated assets with the access profiles the demo
 * walks through, plc-1's `job` profile that can learn (docs/policy.md, "Learn, review, enforce"),
 * and, when given, the discovery scope the OT owner lets the gateway probe. A real site writes this
 * file by hand (see docs/); here it is generated because the simulated targets' ports and host key
 * are only known once they run.
 */
import { PLC1_PROFILES } from './plant/plc-1-policy.js';
import type { Plant } from './plant/plant.js';

/** What the policy needs of each simulator: where it listens and what pins it. */
export interface PlantView {
  readonly ssh?: { readonly host: string; readonly port: number; readonly hostKey: string };
  readonly modbus?: { readonly host: string; readonly port: number; readonly unitId: number };
  readonly opcua?: {
    readonly host: string;
    readonly port: number;
    readonly certificateSha256: string;
    readonly namespaceUri: string;
  };
}

/** The view of a plant started in this process. */
export function viewOfPlant(plant: Plant): PlantView {
  return {
    ...(plant.ssh === undefined
      ? {}
      : {
          ssh: { host: plant.ssh.host, port: plant.ssh.port, hostKey: plant.ssh.hostKey.publicKey },
        }),
    ...(plant.modbus === undefined ? {} : { modbus: plant.modbus }),
    ...(plant.opcua === undefined ? {} : { opcua: plant.opcua }),
  };
}

/** What the demo lets the OT gateway probe: one host and its simulators' ports (docs/policy.md). */
export interface DemoScope {
  readonly host: string;
  readonly ports: { readonly ssh: number[]; readonly modbus: number[]; readonly opcua: number[] };
}

/** plc-1's learnable profile: it enforces reads only; while it learns, writes up to the ceiling. */
function jobProfile(unitId: number): Record<string, unknown> {
  const reads = { read: [{ from: 0, to: 19 }] };
  return {
    description: 'a Line 1 job: learn what it does, review, then enforce just that',
    unitIds: [unitId],
    functions: ['read'],
    tables: { holdingRegisters: reads },
    learnCeiling: {
      unitIds: [unitId],
      functions: ['read', 'write'],
      tables: { holdingRegisters: { ...reads, write: [{ from: 0, to: 19, min: 0, max: 1800 }] } },
    },
  };
}

export function demoPolicy(plant: PlantView, scope?: DemoScope): Record<string, unknown> {
  const assets: Record<string, unknown> = {};
  if (plant.ssh !== undefined) {
    assets['hmi-1'] = {
      protocol: 'ssh',
      description: 'Line 1 operator HMI (simulated)',
      address: plant.ssh.host,
      port: plant.ssh.port,
      hostKey: plant.ssh.hostKey,
      username: 'operator',
      profiles: {
        'read-only': {
          description: 'status commands only',
          mode: 'exec-only',
          exec: [
            ['status'],
            ['uptime'],
            ['uname', '**'],
            ['systemctl', 'status', '**'],
            ['cat', '/etc/*-release'],
          ],
        },
        maintenance: {
          description: 'interactive shell, filtered and recorded',
          mode: 'interactive',
          defaultAction: 'deny',
          uncertain: 'review',
          reviewTimeoutSeconds: 120,
          // Ordered: the first match decides (docs/ssh-command-filter.md).
          rules: [
            { pattern: '^sudo\\b', action: 'deny', reason: 'no privilege escalation on the HMI' },
            {
              pattern: '^systemctl (restart|stop|start)\\b',
              action: 'review',
              reason: 'restarting HMI services needs an OT owner',
            },
            { pattern: '^cat /etc/shadow', action: 'alert' },
            {
              pattern:
                '^(help|whoami|id|hostname|uname|uptime|date|echo|pwd|cd|ls|cat|status|systemctl status|stty|tty|exit)\\b',
              action: 'allow',
            },
          ],
        },
      },
    };
  }
  if (plant.modbus !== undefined) {
    assets['plc-1'] = {
      protocol: 'modbus',
      description: 'Line 1 PLC (simulated)',
      address: plant.modbus.host,
      port: plant.modbus.port,
      profiles: {
        // The rules of docs/modbus.md's example, for the simulated PLC's register map.
        'read-only': { ...PLC1_PROFILES['read-only'], unitIds: [plant.modbus.unitId] },
        maintenance: { ...PLC1_PROFILES.maintenance, unitIds: [plant.modbus.unitId] },
        job: jobProfile(plant.modbus.unitId),
      },
    };
  }
  if (plant.opcua !== undefined) {
    assets['opc-1'] = {
      protocol: 'opcua',
      description: 'Line 1 OPC UA server (simulated)',
      address: plant.opcua.host,
      port: plant.opcua.port,
      username: 'operator',
      serverCertificateSha256: plant.opcua.certificateSha256,
      profiles: {
        'read-only': {
          description: 'browse and read Line 1',
          namespaceUri: plant.opcua.namespaceUri,
          nodes: [{ node: 's=Line1.*', access: 'read' }],
        },
        maintenance: {
          description: 'read Line 1, write the setpoint within bounds',
          namespaceUri: plant.opcua.namespaceUri,
          nodes: [
            { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 10, max: 90 },
            { node: 's=Line1.ResetCounter', access: 'call' },
            { node: 's=Line1.*', access: 'read' },
          ],
        },
      },
    };
  }
  return {
    limits: { maxSessionMinutes: 480, maxConcurrentSessions: 64 },
    assets,
    ...(scope === undefined
      ? {}
      : {
          discovery: {
            subnets: [`${scope.host}/32`],
            ports: scope.ports,
            modbus: { unitIds: [1], deviceIdentification: true },
            rate: { probesPerSecond: 20, concurrency: 4, timeoutMs: 2000 },
          },
        }),
  };
}
