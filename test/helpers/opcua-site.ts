/**
 * An OPC UA site through both gateways for integration tests: the simulated plant server (Line1),
 * an in-process IT gateway and an OT gateway enrolled with it whose policy has `opc-1` (profile
 * `maintenance`: Line1.Setpoint writable as a Double within 10..90, Line1.Temperature readable,
 * nothing else), the plant password in the OT vault, and the site online. Everything stops when
 * the test ends.
 */
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  PLANT_NAMESPACE_URI,
  startOpcuaServer,
  type OpcuaSimServer,
} from '../../image/demo/plant/opcua-server.js';
import {
  startIt,
  startOt,
  waitForSiteConnected,
  type ItFixture,
  type OtFixture,
} from './link-fixture.js';
import { fetchServerCertificateSha256 } from './opcua-broker-harness.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';

export interface OpcuaSite {
  readonly dir: string;
  readonly plant: OpcuaSimServer;
  readonly it: ItFixture;
  readonly ot: OtFixture;
}

export interface OpcuaSiteOptions {
  /** Added to the `maintenance` profile as its learn ceiling (docs/policy.md); default none. */
  readonly learnCeiling?: { readonly nodes: readonly unknown[] };
}

export async function startOpcuaSite(
  t: Pick<TestContext, 'after'>,
  options: OpcuaSiteOptions = {},
): Promise<OpcuaSite> {
  const dir = makeTempDir(t, 'airlock-opcua-site-');
  const plant = await startOpcuaServer({
    dataDir: join(dir, 'plant'),
    users: { 'gw-opc': 'plant-pw' },
    updateIntervalMs: 0,
  });
  t.after(() => plant.close());
  const policy = {
    limits: { maxSessionMinutes: 60, maxConcurrentSessions: 4 },
    assets: {
      'opc-1': {
        protocol: 'opcua',
        address: '127.0.0.1',
        port: plant.port,
        username: 'gw-opc',
        serverCertificateSha256: await fetchServerCertificateSha256(plant.endpointUrl, dir),
        profiles: {
          maintenance: {
            namespaceUri: PLANT_NAMESPACE_URI,
            nodes: [
              { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 10, max: 90 },
              { node: 's=Line1.Temperature', access: 'read' },
            ],
            ...(options.learnCeiling === undefined ? {} : { learnCeiling: options.learnCeiling }),
          },
        },
      },
    },
  };
  // The fixture's link timings tolerate an OPC UA server start blocking the event loop for a while.
  const it = await startIt(t, { link: { heartbeatSeconds: 1 } });
  const ot = await startOt(t, { enrollWith: it, policy });
  // The plant password as an operator would store it (airlock-ot vault-set); the broker checks it out.
  ot.gw.services.vault.set({
    asset: 'opc-1',
    account: 'gw-opc',
    kind: 'password',
    secret: Buffer.from('plant-pw'),
    actor: 'local:root',
  });
  await waitForSiteConnected(it);
  return { dir, plant, it, ot };
}
