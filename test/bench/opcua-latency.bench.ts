/**
 * OPC UA read latency added by the broker: 1,000 single-value reads straight to the simulated
 * plant server and 1,000 through the broker (forwarded connection → broker's server → plant
 * session), interleaved one for one so both see the same machine load. Prints medians, p99 and the
 * added latency, and the ratios against the direct baseline measured in the same run.
 * (Through both gateways is measured once the chain is wired.)
 *
 *   node dist/test/bench/opcua-latency.bench.js [reads]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AttributeIds, UserTokenType, type ClientSession, type OPCUAClient } from 'node-opcua';
import { createOpcuaBroker } from '../../gateway-ot/src/protocols/opcua/opcua-broker.js';
import { opcuaAssetSchema } from '../../gateway-ot/src/protocols/opcua/opcua-policy.js';
import { PLANT_NAMESPACE_URI, startOpcuaServer } from '../sim/opcua-server.js';
import { createTestClient, fetchServerCertificateSha256, startForwarder } from '../helpers/opcua-broker-harness.js';

const READS = Number(process.argv[2] ?? 1000);
const WARMUP = 50;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function open(dir: string, endpointUrl: string, identity: { userName: string; password: string }): Promise<{ client: OPCUAClient; session: ClientSession }> {
  const client = createTestClient(join(dir, 'bench-client-pki'));
  await client.connect(endpointUrl);
  const session = await client.createSession({ type: UserTokenType.UserName, ...identity });
  return { client, session };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-opcua-bench-'));
  const plant = await startOpcuaServer({ dataDir: join(dir, 'plant'), users: { 'gw-opc': 'pw' }, updateIntervalMs: 0 });
  const asset = opcuaAssetSchema.parse({
    protocol: 'opcua',
    address: '127.0.0.1',
    port: plant.port,
    serverCertificateSha256: await fetchServerCertificateSha256(plant.endpointUrl, dir),
    profiles: { bench: { namespaceUri: PLANT_NAMESPACE_URI, nodes: [{ node: 's=Line1.*', access: 'read' }] } },
  });
  const broker = createOpcuaBroker({ pkiDir: join(dir, 'ot-pki'), getCredential: async () => ({ username: 'gw-opc', password: 'pw' }) });
  const forwarder = await startForwarder({ broker, assetName: 'opc-1', asset, profileName: 'bench', user: 'alice' });
  const direct = await open(dir, plant.endpointUrl, { userName: 'gw-opc', password: 'pw' });
  const brokered = await open(dir, forwarder.endpointUrl, { userName: 'alice', password: '' });
  try {
    const ns = (await brokered.session.readNamespaceArray()).indexOf(PLANT_NAMESPACE_URI);
    const directNode = { nodeId: plant.nodeId('temperature'), attributeId: AttributeIds.Value };
    const brokerNode = { nodeId: `ns=${ns};s=Line1.Temperature`, attributeId: AttributeIds.Value };
    const time = async (session: ClientSession, node: typeof directNode): Promise<number> => {
      const t0 = performance.now();
      const dv = await session.read(node);
      const t = performance.now() - t0;
      if (!dv.statusCode.isGood()) throw new Error(`read failed: ${dv.statusCode.name}`);
      return t;
    };
    for (let i = 0; i < WARMUP; i++) {
      await time(direct.session, directNode);
      await time(brokered.session, brokerNode);
    }
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < READS; i++) {
      a.push(await time(direct.session, directNode));
      b.push(await time(brokered.session, brokerNode));
    }
    a.sort((x, y) => x - y);
    b.sort((x, y) => x - y);
    const row = (name: string, s: number[]): string => `${name.padEnd(16)} median ${percentile(s, 50).toFixed(2)} ms   p99 ${percentile(s, 99).toFixed(2)} ms`;
    process.stdout.write(`OPC UA read latency, ${READS} reads each, interleaved\n`);
    process.stdout.write(`${row('direct', a)}\n${row('through broker', b)}\n`);
    process.stdout.write(`added            median ${(percentile(b, 50) - percentile(a, 50)).toFixed(2)} ms   p99 ${(percentile(b, 99) - percentile(a, 99)).toFixed(2)} ms\n`);
    process.stdout.write(`ratio (broker / direct)  median ${(percentile(b, 50) / percentile(a, 50)).toFixed(2)}x   p99 ${(percentile(b, 99) / percentile(a, 99)).toFixed(2)}x\n`);
  } finally {
    await brokered.session.close().catch(() => undefined);
    await brokered.client.disconnect();
    await direct.session.close().catch(() => undefined);
    await direct.client.disconnect();
    await forwarder.close();
    await broker.close();
    await plant.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
