/**
 * OPC UA on the operator's real path (issue 22): `ssh -N -L` (OpenSSH client, key + one-time code)
 * into the IT gateway's SSH endpoint, the link, and the OT gateway's OPC UA broker in a process of
 * its own, to the simulated plant's OPC UA server; against the path users would otherwise take,
 * `ssh -N -L` through two OpenSSH hops (ProxyJump over two sshd on loopback) to the same server, and
 * the server directly. Figures: median and p99 of 1,000 single-value reads (Line1.Temperature,
 * Value attribute) on each path, interleaved one for one, with the operator's client over
 * SecurityMode None and over SignAndEncrypt (Basic256Sha256), each compared with the direct read
 * of the same mode (like for like). Then CPU per read on the Airlock path (None): the OT gateway
 * process, this process (the IT gateway, the client and the plant server) and the OpenSSH client.
 *
 * A tunnel does not terminate OPC UA; the broker must (it is an OPC UA server to the operator and
 * a client to the plant, which it reads over SignAndEncrypt), so an Airlock read is at least one
 * direct read in the operator's mode plus one direct SignAndEncrypt read: the bench prints that
 * floor beside the target (reads <= 2x direct).
 *
 *   npm run bench -- opcua-ssh-path        (or node dist/test/bench/opcua-ssh-path.bench.js [reads])
 */
import { join } from 'node:path';
import { connect } from 'node:net';
import { AttributeIds, MessageSecurityMode } from 'node-opcua';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { PLANT_NAMESPACE_URI } from '../../image/demo/plant/opcua-server.js';
import { benchContext, interleave, latencyRow, quantile } from '../helpers/latency-bench.js';
import { openTunnel, startJumpHostChain } from '../helpers/jump-host-chain.js';
import { keyLogin } from '../helpers/ssh-chain.js';
import { cpuMsOf, cpuPerOperation, ownCpuMs } from '../helpers/process-cpu.js';
import {
  createTestClient,
  fetchServerCertificateSha256,
  loginOperator,
} from '../helpers/opcua-broker-harness.js';
import {
  openBenchSession,
  PLANT_LOGIN,
  startBenchPlant,
  timedReader,
} from '../helpers/opcua-bench.js';

const bench = benchContext();
const t = bench.t;

const READS = Number(process.argv[2] ?? 1000);
const WARMUP = 50;
const CPU_READS = Number(process.env['AIRLOCK_BENCH_CPU_READS'] ?? 3000);

async function main(): Promise<void> {
  process.env['AIRLOCK_TEST_LOOP_DELAY'] ??= 'off';
  await initCrypto();
  const dir = makeTempDir(t, 'airlock-opcua-ssh-bench-');
  const plant = await startBenchPlant(t, dir);
  const jump = await startJumpHostChain(t, {
    chain: {
      otProcess: true,
      opcua: {
        port: plant.port,
        serverCertificateSha256: await fetchServerCertificateSha256(plant.endpointUrl, dir),
        profile: {
          namespaceUri: PLANT_NAMESPACE_URI,
          nodes: [{ node: 's=Line1.*', access: 'read' }],
        },
      },
    },
    hosts: (c) => ['Host airlock', `  HostName 127.0.0.1\n  Port ${c.sshPort}\n  User alice+hmi-1`],
  });
  const { chain } = jump;
  const { alice } = chain.users;
  // ssh listens once it has logged in; what a forwarded connection then reaches is the sessions' test.
  const accepts = (port: number): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
  chain.answers(alice);
  const airlockTunnel = await openTunnel(
    t,
    jump,
    [...keyLogin(alice), '-L', '127.0.0.1:PORT:opc-1:4840', 'airlock'],
    accepts,
  );
  const viaAirlock = airlockTunnel.port;
  const { port: viaJump } = await openTunnel(
    t,
    jump,
    ['-o', 'PubkeyAuthentication=no', '-L', `127.0.0.1:PORT:127.0.0.1:${plant.port}`, 'jump2'],
    accepts,
  );

  const plantNode = { nodeId: plant.nodeId('temperature'), attributeId: AttributeIds.Value };
  const secure = MessageSecurityMode.SignAndEncrypt;
  let clients = 0;
  const plantSession = (port: number, mode: MessageSecurityMode) =>
    openBenchSession(
      t,
      join(dir, `client-${++clients}`),
      `opc.tcp://127.0.0.1:${port}`,
      PLANT_LOGIN,
      mode,
    );
  const airlockReader = async (mode: MessageSecurityMode): Promise<() => Promise<number>> => {
    const client = createTestClient(join(dir, `client-${++clients}`), mode);
    const login = await loginOperator(client, `opc.tcp://127.0.0.1:${viaAirlock}`);
    t.after(() => client.disconnect());
    t.after(() => login.session.close().catch(() => undefined));
    if (login.ns < 0) throw new Error('the broker does not expose the plant namespace');
    return timedReader(login.session, {
      nodeId: login.id('Line1.Temperature'),
      attributeId: AttributeIds.Value,
    });
  };
  const paths = [
    timedReader(await plantSession(plant.port, MessageSecurityMode.None), plantNode),
    timedReader(await plantSession(viaJump, MessageSecurityMode.None), plantNode),
    await airlockReader(MessageSecurityMode.None),
    timedReader(await plantSession(plant.port, secure), plantNode),
    timedReader(await plantSession(viaJump, secure), plantNode),
    await airlockReader(secure),
  ];
  const [d = [], j = [], a = [], ds = [], js = [], as = []] = await interleave(paths, {
    warmup: WARMUP,
    count: READS,
    block: 1,
  });

  // The None session of the run above: a new session would count its broker's start-up as reads.
  const cpuRead = paths[2];
  if (cpuRead === undefined) throw new Error('no Airlock reader');
  const otPid = chain.otProcess?.child.pid;
  const sshPid = airlockTunnel.pid;
  const cpu0 = [cpuMsOf(otPid), ownCpuMs(), cpuMsOf(sshPid)] as const;
  for (let i = 0; i < CPU_READS; i++) await cpuRead();
  const cpu1 = [cpuMsOf(otPid), ownCpuMs(), cpuMsOf(sshPid)] as const;
  const [otCpu, itCpu, sshCpu] = cpu1.map((b, i) => cpuPerOperation(cpu0[i] ?? b, b, CPU_READS));

  const med = (xs: readonly number[]): number => quantile(xs, 0.5);
  const verdict = (label: string, direct: number[], airlock: number[], jump: number[]): string => {
    const ratio = med(airlock) / med(direct);
    const floor = (med(direct) + med(ds)) / med(direct);
    return (
      `  ${label}: Airlock ${ratio.toFixed(2)}x direct (ProxyJump ${(med(jump) / med(direct)).toFixed(2)}x; ` +
      `floor of two stacks in series ${floor.toFixed(2)}x); target <= 2x direct: ${ratio <= 2 ? 'met' : 'NOT met'}`
    );
  };
  const lines = [
    `OPC UA reads over ssh -N -L, ${READS} on each path, interleaved one for one:`,
    'operator over None:',
    latencyRow('direct', d),
    latencyRow('ProxyJump, 2 sshd hops', j, d),
    latencyRow('Airlock (IT + OT process)', a, d),
    'operator over SignAndEncrypt:',
    latencyRow('direct', ds),
    latencyRow('ProxyJump, 2 sshd hops', js, ds),
    latencyRow('Airlock (IT + OT process)', as, ds),
    verdict('None', d, a, j),
    verdict('SignAndEncrypt', ds, as, js),
    `CPU per read on the Airlock path, None (${CPU_READS} reads; /proc ticks are 10 ms):`,
    `  OT gateway process                   ${otCpu}`,
    `  IT gateway + client + plant (here)   ${itCpu}`,
    `  ssh -L client                        ${sshCpu}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main()
  .catch((e: unknown) => {
    process.stderr.write(
      `opcua-ssh-path: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(() => bench.cleanup());
