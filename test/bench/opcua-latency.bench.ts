/**
 * OPC UA read latency, measured in one run against the same simulated plant server so the figures
 * compare: 1,000 single-value reads (Line1.Temperature, Value attribute) straight to the plant,
 * 1,000 through the OT broker alone (a loopback forwarder hands each connection to a standalone
 * broker, as the link layer would), and 1,000 through both gateways (a TCP forward on the IT side,
 * the IT<->OT link, the OT gateway's own broker: everything of `ssh -L` but SSH itself),
 * interleaved one for one so all paths see the same machine load. Prints median and p99 of each,
 * and what each path adds to the direct baseline of the same run (milliseconds and ratio).
 *
 * The operator's client speaks SecurityMode None on every path (the baseline). The brokers log in
 * to the plant with their application certificate (the asset has no user name) and, because the
 * simulated plant offers it, over SignAndEncrypt (Basic256Sha256): that hop's cost is part of what
 * the brokers add, so a fourth path, direct over SignAndEncrypt, is measured alongside to show it.
 * Client, gateways and plant server share this process and its event loop: the figures include
 * that. Measured figures and what they say: docs/opcua.md, "Figures".
 *
 *   npm run bench -- opcua-latency        (or node dist/test/bench/opcua-latency.bench.js [reads])
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  AttributeIds,
  MessageSecurityMode,
  UserTokenType,
  type ClientSession,
  type ReadValueIdOptions,
} from 'node-opcua';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { createOpcuaBroker } from '../../gateway-ot/src/protocols/opcua/opcua-broker.js';
import { opcuaAssetSchema } from '../../gateway-ot/src/protocols/opcua/opcua-policy.js';
import { PLANT_NAMESPACE_URI, startOpcuaServer } from '../../image/demo/plant/opcua-server.js';
import { benchContext, interleave, latencyRow, type Sampler } from '../helpers/latency-bench.js';
import { SITE, startIt, startOt } from '../helpers/link-fixture.js';
import {
  createTestClient,
  fetchServerCertificateSha256,
  openTestVault,
  startForwarder,
} from '../helpers/opcua-broker-harness.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { startLinkForward } from '../peers/link-forward.js';

const READS = Number(process.argv[2] ?? 1000);
const WARMUP = 50;

const bench = benchContext();
const t = bench.t;

/** A logged-in operator session on `endpointUrl`, closed (session, then connection) at the end. */
async function open(
  dir: string,
  endpointUrl: string,
  identity: { userName: string; password: string },
  mode = MessageSecurityMode.None,
): Promise<ClientSession> {
  const client = createTestClient(join(dir, 'bench-client-pki'), mode);
  await client.connect(endpointUrl);
  t.after(() => client.disconnect());
  const session = await client.createSession({ type: UserTokenType.UserName, ...identity });
  t.after(() => session.close().catch(() => undefined));
  return session;
}

/** Times one read; a read that does not answer Good fails the run rather than skewing it. */
function reader(session: ClientSession, node: ReadValueIdOptions): Sampler {
  return async () => {
    const t0 = performance.now();
    const dv = await session.read(node);
    const elapsed = performance.now() - t0;
    if (!dv.statusCode.isGood())
      throw new Error(`read of ${String(node.nodeId)} failed: ${dv.statusCode.name}`);
    return elapsed;
  };
}

/** Reads Line1.Temperature as the broker's view names it (its namespace index is the broker's). */
async function brokeredReader(session: ClientSession): Promise<Sampler> {
  const ns = (await session.readNamespaceArray()).indexOf(PLANT_NAMESPACE_URI);
  if (ns < 0) throw new Error('the broker does not expose the plant namespace');
  return reader(session, {
    nodeId: `ns=${ns};s=Line1.Temperature`,
    attributeId: AttributeIds.Value,
  });
}

async function main(): Promise<void> {
  await initCrypto();
  const dir = makeTempDir(t, 'airlock-opcua-bench-');
  const plant = await startOpcuaServer({
    dataDir: join(dir, 'plant'),
    users: { 'gw-opc': 'pw' },
    updateIntervalMs: 0,
  });
  t.after(() => plant.close());
  // No user name: the brokers log in with their certificate, the vaults stay empty.
  const assetJson = {
    protocol: 'opcua',
    address: '127.0.0.1',
    port: plant.port,
    serverCertificateSha256: await fetchServerCertificateSha256(plant.endpointUrl, dir),
    profiles: {
      bench: { namespaceUri: PLANT_NAMESPACE_URI, nodes: [{ node: 's=Line1.*', access: 'read' }] },
    },
  };

  // The OT broker alone.
  const vault = await openTestVault([]);
  t.after(() => vault.close());
  const broker = createOpcuaBroker({ pkiDir: join(dir, 'ot-pki'), credentials: vault.vault });
  t.after(() => broker.close());
  const forwarder = await startForwarder({
    broker,
    assetName: 'opc-1',
    asset: opcuaAssetSchema.parse(assetJson),
    profileName: 'bench',
    user: 'alice',
  });
  t.after(() => forwarder.close());

  // Both gateways: the OT gateway builds its own OPC UA broker from the policy.
  const it = await startIt(t);
  await startOt(t, {
    enrollWith: it,
    policy: {
      limits: { maxSessionMinutes: 60, maxConcurrentSessions: 4 },
      assets: { 'opc-1': assetJson },
    },
  });
  await waitFor('the site online', () => it.gw.services.links.get(SITE).state === 'online');
  const chain = await startLinkForward(t, it, {
    asset: 'opc-1',
    protocol: 'opcua',
    profile: 'bench',
  });

  const direct = await open(dir, plant.endpointUrl, { userName: 'gw-opc', password: 'pw' });
  const directSecure = await open(
    dir,
    plant.endpointUrl,
    { userName: 'gw-opc', password: 'pw' },
    MessageSecurityMode.SignAndEncrypt,
  );
  const viaBroker = await open(dir, forwarder.endpointUrl, { userName: 'alice', password: '' });
  const viaChain = await open(dir, `opc.tcp://127.0.0.1:${chain.port}`, {
    userName: 'alice',
    password: '',
  });
  const plantNode = { nodeId: plant.nodeId('temperature'), attributeId: AttributeIds.Value };
  const paths = [
    reader(direct, plantNode),
    reader(directSecure, plantNode),
    await brokeredReader(viaBroker),
    await brokeredReader(viaChain),
  ];
  const [d = [], s = [], b = [], c = []] = await interleave(paths, {
    warmup: WARMUP,
    count: READS,
    block: 1,
  });
  process.stdout.write(
    [
      `OPC UA read latency, ${READS} reads on each path, interleaved one for one:`,
      latencyRow('direct', d),
      latencyRow('direct, SignAndEncrypt', s, d),
      latencyRow('OT broker alone', b, d),
      latencyRow('both gateways', c, d),
    ].join('\n') + '\n',
  );
}

main()
  .catch((e: unknown) => {
    process.stderr.write(
      `opcua-latency: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(() => bench.cleanup());
