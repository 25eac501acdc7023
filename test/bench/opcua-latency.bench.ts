/**
 * OPC UA read latency, measured in one run against the same simulated plant server so the figures
 * compare: single-value reads (Line1.Temperature, Value attribute) straight to the plant, through
 * the OT broker alone (a loopback forwarder hands each connection to a standalone broker, as the
 * link layer would), and through both gateways (a TCP forward on the IT side, the IT<->OT link, the
 * OT gateway's own broker: everything of `ssh -L` but SSH itself), each with the operator's client
 * over SecurityMode None and over SignAndEncrypt (Basic256Sha256), interleaved one for one so all
 * paths see the same machine load. Each brokered row is compared with the direct row of the same
 * security mode (like for like). Prints median and p99 of each, and what each path adds.
 *
 * The brokers log in to the plant with their application certificate (the asset has no user name)
 * and, because the simulated plant offers it, over SignAndEncrypt: a terminating broker is an OPC UA
 * server to the operator and a client to the plant, so a brokered read is at least one direct read
 * in the operator's mode plus one direct SignAndEncrypt read. The bench prints that floor and splits
 * what is added above it: the broker's own work (broker alone minus the floor) and the IT forward
 * plus the link (both gateways minus the broker alone).
 * Client, gateways and plant server share this process and its event loop: the figures include
 * that. Measured figures and what they say: docs/opcua.md, "Figures".
 *
 *   npm run bench -- opcua-latency        (or node dist/test/bench/opcua-latency.bench.js [reads])
 */
import { join } from 'node:path';
import { AttributeIds, MessageSecurityMode, type ClientSession } from 'node-opcua';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { createOpcuaBroker } from '../../gateway-ot/src/protocols/opcua/opcua-broker.js';
import { opcuaAssetSchema } from '../../gateway-ot/src/protocols/opcua/opcua-policy.js';
import { PLANT_NAMESPACE_URI } from '../../image/demo/plant/opcua-server.js';
import {
  openBenchSession,
  PLANT_LOGIN,
  startBenchPlant,
  timedReader,
} from '../helpers/opcua-bench.js';
import {
  benchContext,
  interleave,
  latencyRow,
  quantile,
  type Sampler,
} from '../helpers/latency-bench.js';
import { SITE, startIt, startOt } from '../helpers/link-fixture.js';
import {
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

/** Reads Line1.Temperature as the broker's view names it (its namespace index is the broker's). */
async function brokeredReader(session: ClientSession): Promise<Sampler> {
  const ns = (await session.readNamespaceArray()).indexOf(PLANT_NAMESPACE_URI);
  if (ns < 0) throw new Error('the broker does not expose the plant namespace');
  return timedReader(session, {
    nodeId: `ns=${ns};s=Line1.Temperature`,
    attributeId: AttributeIds.Value,
  });
}

async function main(): Promise<void> {
  await initCrypto();
  const dir = makeTempDir(t, 'airlock-opcua-bench-');
  const plant = await startBenchPlant(t, dir);
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

  const operator = { userName: 'alice', password: '' };
  const chainUrl = `opc.tcp://127.0.0.1:${chain.port}`;
  const secure = MessageSecurityMode.SignAndEncrypt;
  const plantNode = { nodeId: plant.nodeId('temperature'), attributeId: AttributeIds.Value };
  const pki = join(dir, 'bench-client-pki');
  const open = (
    url: string,
    who: { userName: string; password: string },
    mode?: MessageSecurityMode,
  ) => openBenchSession(t, pki, url, who, mode);
  const paths = [
    timedReader(await open(plant.endpointUrl, PLANT_LOGIN), plantNode),
    timedReader(await open(plant.endpointUrl, PLANT_LOGIN, secure), plantNode),
    await brokeredReader(await open(forwarder.endpointUrl, operator)),
    await brokeredReader(await open(forwarder.endpointUrl, operator, secure)),
    await brokeredReader(await open(chainUrl, operator)),
    await brokeredReader(await open(chainUrl, operator, secure)),
  ];
  const [d = [], s = [], b = [], bs = [], c = [], cs = []] = await interleave(paths, {
    warmup: WARMUP,
    count: READS,
    block: 1,
  });
  const med = (xs: readonly number[]): number => quantile(xs, 0.5);
  const ms = (x: number): string => `${x.toFixed(3)} ms`;
  /** Where a brokered median goes: the two OPC UA stacks in series, the broker's own work, the link. */
  const split = (label: string, direct: number[], broker: number[], both: number[]): string => {
    const floor = med(direct) + med(s);
    return (
      `  ${label}: floor (direct ${label} + direct SignAndEncrypt) ${ms(floor)} = ` +
      `${(floor / med(direct)).toFixed(2)}x direct; broker alone adds ${ms(med(broker) - floor)} ` +
      `above it, the IT forward and the link ${ms(med(both) - med(broker))} more`
    );
  };
  process.stdout.write(
    [
      `OPC UA read latency, ${READS} reads on each path, interleaved one for one:`,
      latencyRow('direct', d),
      latencyRow('direct, SignAndEncrypt', s, d),
      'operator over None (against direct None):',
      latencyRow('OT broker alone', b, d),
      latencyRow('both gateways', c, d),
      'operator over SignAndEncrypt (against direct SignAndEncrypt):',
      latencyRow('OT broker alone', bs, s),
      latencyRow('both gateways', cs, s),
      'where the median goes (the broker reads the plant over SignAndEncrypt):',
      split('None', d, b, c),
      split('SignAndEncrypt', s, bs, cs),
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
