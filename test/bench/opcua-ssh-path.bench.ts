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
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import {
  AttributeIds,
  MessageSecurityMode,
  UserTokenType,
  type ClientSession,
  type ReadValueIdOptions,
} from 'node-opcua';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { freePort } from '../../image/demo/plant/free-port.js';
import { PLANT_NAMESPACE_URI, startOpcuaServer } from '../../image/demo/plant/opcua-server.js';
import { benchContext, interleave, latencyRow, quantile } from '../helpers/latency-bench.js';
import { startJumpHostChain } from '../helpers/jump-host-chain.js';
import { keyLogin } from '../helpers/ssh-chain.js';
import { spawnOperatorSsh } from '../helpers/operator-ssh.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import {
  createTestClient,
  fetchServerCertificateSha256,
  loginOperator,
} from '../helpers/opcua-broker-harness.js';

const bench = benchContext();
const t = bench.t;

const READS = Number(process.argv[2] ?? 1000);
const WARMUP = 50;
const CPU_READS = Number(process.env['AIRLOCK_BENCH_CPU_READS'] ?? 3000);

/** CPU milliseconds [user, system] a process has used, from /proc. */
function cpuMsOf(pid: number | undefined): [number, number] {
  if (pid === undefined) return [Number.NaN, Number.NaN];
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]) * 10, Number(f[12]) * 10];
}

const ownCpuMs = (): [number, number] => {
  const u = process.cpuUsage();
  return [u.user / 1000, u.system / 1000];
};

function perRead(a: [number, number], b: [number, number], n: number): string {
  const us = (i: 0 | 1): number => ((b[i] - a[i]) / n) * 1000;
  return `${(us(0) + us(1)).toFixed(1)} us (${us(0).toFixed(1)} user + ${us(1).toFixed(1)} sys)`;
}

/** One timed read; a read that does not answer Good fails the run rather than skewing it. */
function reader(session: ClientSession, node: ReadValueIdOptions): () => Promise<number> {
  return async () => {
    const t0 = performance.now();
    const dv = await session.read(node);
    const elapsed = performance.now() - t0;
    if (!dv.statusCode.isGood())
      throw new Error(`read of ${String(node.nodeId)} failed: ${dv.statusCode.name}`);
    return elapsed;
  };
}

async function main(): Promise<void> {
  process.env['AIRLOCK_TEST_LOOP_DELAY'] ??= 'off';
  await initCrypto();
  const dir = makeTempDir(t, 'airlock-opcua-ssh-bench-');
  const plant = await startOpcuaServer({
    dataDir: join(dir, 'plant'),
    users: { 'gw-opc': 'pw' },
    updateIntervalMs: 0,
  });
  t.after(() => plant.close());
  const { chain, config: cfg } = await startJumpHostChain(t, {
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
  const { alice } = chain.users;
  const sshPids = new Map<number, number | undefined>();
  const tunnel = async (args: readonly string[]): Promise<number> => {
    const port = await freePort();
    const child = spawnOperatorSsh(
      t,
      chain,
      ['-F', cfg, '-N', ...args.map((a) => a.replace('PORT', String(port)))],
      { stdio: ['ignore', 'ignore', 'pipe'], killSignal: 'SIGTERM' },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // ssh listens once it has logged in; what a forwarded connection then reaches is the session's test.
    await waitFor(
      `the ssh -L tunnel (${args.join(' ')})`,
      async () => {
        if (child.exitCode !== null) throw new Error(`ssh exited: ${stderr}`);
        return new Promise<boolean>((resolve) => {
          const s = connect(port, '127.0.0.1', () => {
            s.destroy();
            resolve(true);
          });
          s.on('error', () => resolve(false));
        });
      },
      60_000,
      100,
    );
    sshPids.set(port, child.pid);
    return port;
  };
  chain.answers(alice);
  const viaAirlock = await tunnel([
    ...keyLogin(alice),
    '-L',
    '127.0.0.1:PORT:opc-1:4840',
    'airlock',
  ]);
  const viaJump = await tunnel([
    '-o',
    'PubkeyAuthentication=no',
    '-L',
    `127.0.0.1:PORT:127.0.0.1:${plant.port}`,
    'jump2',
  ]);

  const plantNode = { nodeId: plant.nodeId('temperature'), attributeId: AttributeIds.Value };
  const plantLogin = { userName: 'gw-opc', password: 'pw' };
  const secure = MessageSecurityMode.SignAndEncrypt;
  let clients = 0;
  const plantSession = async (port: number, mode: MessageSecurityMode): Promise<ClientSession> => {
    const client = createTestClient(join(dir, `client-${++clients}`), mode);
    await client.connect(`opc.tcp://127.0.0.1:${port}`);
    t.after(() => client.disconnect());
    const session = await client.createSession({ type: UserTokenType.UserName, ...plantLogin });
    t.after(() => session.close().catch(() => undefined));
    return session;
  };
  const airlockReader = async (mode: MessageSecurityMode): Promise<() => Promise<number>> => {
    const client = createTestClient(join(dir, `client-${++clients}`), mode);
    const login = await loginOperator(client, `opc.tcp://127.0.0.1:${viaAirlock}`);
    t.after(() => client.disconnect());
    t.after(() => login.session.close().catch(() => undefined));
    if (login.ns < 0) throw new Error('the broker does not expose the plant namespace');
    return reader(login.session, {
      nodeId: login.id('Line1.Temperature'),
      attributeId: AttributeIds.Value,
    });
  };
  const paths = [
    reader(await plantSession(plant.port, MessageSecurityMode.None), plantNode),
    reader(await plantSession(viaJump, MessageSecurityMode.None), plantNode),
    await airlockReader(MessageSecurityMode.None),
    reader(await plantSession(plant.port, secure), plantNode),
    reader(await plantSession(viaJump, secure), plantNode),
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
  const sshPid = sshPids.get(viaAirlock);
  const cpu0 = [cpuMsOf(otPid), ownCpuMs(), cpuMsOf(sshPid)] as const;
  for (let i = 0; i < CPU_READS; i++) await cpuRead();
  const cpu1 = [cpuMsOf(otPid), ownCpuMs(), cpuMsOf(sshPid)] as const;
  const [otCpu, itCpu, sshCpu] = cpu1.map((b, i) => perRead(cpu0[i] ?? b, b, CPU_READS));

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
