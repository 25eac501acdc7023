/**
 * An OPC UA site through both gateways for integration tests: the simulated plant server (Line1),
 * an in-process IT gateway and an OT gateway enrolled with it whose policy has `opc-1` (profile
 * `maintenance`: Line1.Setpoint writable as a Double within 10..90, Line1.Temperature readable,
 * nothing else), the plant password in the OT vault, and the site online. Everything stops when
 * the test ends. `connectOverLink` adds an operator: a node-opcua client whose TCP connection is
 * carried as one link session per connection (what the IT gateway's `ssh -L` does).
 */
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { ClientSession, OPCUAClient } from 'node-opcua';
import type { SessionStream } from '../../shared/src/link/session-channel.js';
import {
  PLANT_NAMESPACE_URI,
  startOpcuaServer,
  type OpcuaSimServer,
} from '../../image/demo/plant/opcua-server.js';
import {
  makeTicket,
  SITE,
  startIt,
  startOt,
  waitForSiteConnected,
  type ItFixture,
  type OtFixture,
} from './link-fixture.js';
import {
  createTestClient,
  fetchServerCertificateSha256,
  loginOperator,
} from './opcua-broker-harness.js';
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

export interface OperatorOverLink {
  readonly client: OPCUAClient;
  /** Signed in as `alice` with an empty password (the broker takes the plant password from the vault). */
  readonly session: ClientSession;
  /** The plant node id in the session's namespace numbering: `id('Line1.Setpoint')`. */
  readonly id: (s: string) => string;
  /** The link sessions opened so far, one per TCP connection, in order. */
  readonly opened: readonly SessionStream[];
}

/**
 * Stands in for the IT gateway's `ssh -L` on `opc-1`, profile `maintenance`: each TCP connection
 * to a loopback forwarder becomes one session over the link, and a test client connects through
 * it. The forwarder and the client close when the test ends.
 */
export async function connectOverLink(
  t: Pick<TestContext, 'after'>,
  site: OpcuaSite,
): Promise<OperatorOverLink> {
  const { dir, it } = site;
  const opened: SessionStream[] = [];
  const forwarder = createServer((socket: Socket) => {
    socket.on('error', () => undefined);
    const ticket = makeTicket(it, Date.now(), {
      asset: 'opc-1',
      protocol: 'opcua',
      profile: 'maintenance',
      channel: 'tcp-forward',
    });
    it.gw.services.siteCommands.openSession(SITE, ticket).then(
      (s) => {
        opened.push(s);
        socket.pipe(s.stream);
        s.stream.pipe(socket);
        s.onClose(() => socket.destroy());
        socket.on('close', () => s.close('operator disconnected'));
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => forwarder.close(() => resolve())));
  const address = forwarder.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  const client = createTestClient(join(dir, 'operator-pki'));
  t.after(() => client.disconnect());
  const { session, id } = await loginOperator(client, `opc.tcp://127.0.0.1:${port}`);
  return { client, session, id, opened };
}
