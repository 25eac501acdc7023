/**
 * OT memory over many OPC UA sessions (issue 17 item 10): sessions through the OT broker (a
 * loopback forwarder hands each connection to a standalone broker, as the link layer would), each
 * one a client that connects, logs in, reads a value and leaves; every fifth one ends by its signal
 * instead (grant end), and every fifth sends a malformed frame. A heap census (objects counted per
 * constructor after a full GC) is taken after a warm-up and again after the run, and the objects
 * that grew by at least one per ten sessions are printed with heap and RSS. Fails when a constructor
 * grew by half the number of sessions or more (something kept per session): counts, not RSS.
 *
 *   node --expose-gc dist/test/bench/opcua-memory.bench.js [sessions] [warm-up]
 *   (npm run bench -- opcua-memory runs 200 after 20, without --expose-gc: counts are then noisier)
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { AttributeIds, MessageSecurityMode, type OPCUAClient } from 'node-opcua';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { createOpcuaBroker } from '../../gateway-ot/src/protocols/opcua/opcua-broker.js';
import { opcuaAssetSchema } from '../../gateway-ot/src/protocols/opcua/opcua-policy.js';
import { PLANT_NAMESPACE_URI } from '../../image/demo/plant/opcua-server.js';
import { startBenchPlant } from '../helpers/opcua-bench.js';
import { benchContext } from '../helpers/latency-bench.js';
import { growth, takeCensus } from '../helpers/heap-census.js';
import {
  createTestClient,
  loginOperator,
  fetchServerCertificateSha256,
  openTestVault,
  startForwarder,
  type Forwarder,
} from '../helpers/opcua-broker-harness.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';

const SESSIONS = Number(process.argv[2] ?? 200);
const WARMUP = Number(process.argv[3] ?? 20);

const bench = benchContext();
const t = bench.t;

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

function memory(): string {
  const m = process.memoryUsage();
  return `heapUsed ${mib(m.heapUsed)}, rss ${mib(m.rss)}, external ${mib(m.external)}`;
}

/** One session, then the harness forgets it (the forwarder's list and the client's PKI are not the gateway's). */
async function oneSession(dir: string, forwarder: Forwarder, i: number): Promise<void> {
  await runSession(dir, forwarder, i);
  forwarder.sessions.length = 0;
}

async function runSession(dir: string, forwarder: Forwarder, i: number): Promise<void> {
  const index = forwarder.sessions.length;
  if (i % 5 === 4) {
    // A malformed frame: not an OPC UA Hello.
    const socket = connect(forwarder.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    socket.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await new Promise((r) => socket.once('close', r));
    await forwarder.sessions[index]?.end;
    return;
  }
  const client = createTestClient(join(dir, 'client-pki'), MessageSecurityMode.None);
  try {
    await clientSession(forwarder, index, i, client);
  } finally {
    await client.disconnect();
    const cm = client.clientCertificateManager;
    if ('dispose' in cm) await cm.dispose();
  }
}

async function clientSession(
  forwarder: Forwarder,
  index: number,
  i: number,
  client: OPCUAClient,
): Promise<void> {
  const { session, id } = await loginOperator(client, forwarder.endpointUrl);
  const dv = await session.read({
    nodeId: id('Line1.Temperature'),
    attributeId: AttributeIds.Value,
  });
  if (!dv.statusCode.isGood()) throw new Error(`read failed: ${dv.statusCode.name}`);
  if (i % 5 === 2) {
    // Ended from the gateway's side (grant end), the client still connected.
    forwarder.sessions[index]?.controller.abort('the grant has ended');
    await forwarder.sessions[index]?.end;
    return;
  }
  await session.close();
  await client.disconnect();
  await forwarder.sessions[index]?.end;
}

async function main(): Promise<void> {
  await initCrypto();
  const dir = makeTempDir(t, 'airlock-opcua-memory-');
  const plant = await startBenchPlant(t, dir);
  const asset = opcuaAssetSchema.parse({
    protocol: 'opcua',
    address: '127.0.0.1',
    port: plant.port,
    serverCertificateSha256: await fetchServerCertificateSha256(plant.endpointUrl, dir),
    profiles: {
      bench: { namespaceUri: PLANT_NAMESPACE_URI, nodes: [{ node: 's=Line1.*', access: 'read' }] },
    },
  });
  const vault = await openTestVault([]);
  t.after(() => vault.close());
  const broker = createOpcuaBroker({ pkiDir: join(dir, 'ot-pki'), credentials: vault.vault });
  t.after(() => broker.close());
  const forwarder = await startForwarder({
    broker,
    assetName: 'opc-1',
    asset,
    profileName: 'bench',
    user: 'alice',
  });
  t.after(() => forwarder.close());

  for (let i = 0; i < WARMUP; i++) await oneSession(dir, forwarder, i);
  const before = await takeCensus();
  const memBefore = memory();
  const start = Date.now();
  for (let i = 0; i < SESSIONS; i++) await oneSession(dir, forwarder, i);
  const seconds = (Date.now() - start) / 1000;
  const after = await takeCensus();
  // Retained per session: a constructor whose count grew by half the sessions or more.
  const leaks = growth(before, after, Math.max(1, Math.floor(SESSIONS / 2)));
  process.stdout.write(
    [
      `${SESSIONS} OPC UA sessions after ${WARMUP} warm-up sessions (${seconds.toFixed(0)} s; ${broker.activeSessions()} active at the end)`,
      `before: ${memBefore}`,
      `after:  ${memory()}`,
      'objects retained, by constructor (grew by at least one per ten sessions):',
      ...growth(before, after, Math.max(1, Math.floor(SESSIONS / 10))).map(
        (g) => `  ${g.name}: ${g.before} -> ${g.after} (+${g.after - g.before})`,
      ),
    ].join('\n') + '\n',
  );
  if (leaks.length > 0) {
    process.stderr.write(
      `opcua-memory: FAILED: retained per session: ${leaks.map((l) => l.name).join(', ')}\n`,
    );
    process.exitCode = 1;
  }
}

main()
  .catch((e: unknown) => {
    process.stderr.write(
      `opcua-memory: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(() => bench.cleanup());
