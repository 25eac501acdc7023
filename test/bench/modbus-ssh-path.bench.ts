/**
 * Modbus on the operator's real path (issue 22): `ssh -N -L` (OpenSSH client, key + one-time code)
 * into the IT gateway's SSH endpoint, the link, and the real Modbus broker in an OT gateway running
 * as its own process, to the raw PLC stub; against the path users would otherwise take: `ssh -N -L`
 * through two OpenSSH hops (ProxyJump over two sshd on loopback) to the same stub, and the stub
 * directly. Figures: median and p99 of 1,000 sequential reads (FC 3, 10 registers, interleaved in
 * blocks) with the added median over direct, and reads per second with 50 requests in flight.
 * The IT gateway runs in this benchmark's process (its client is a few sockets; the SSH clients and
 * the OT gateway are processes of their own). Targets: added median <= 0.3 ms, added median <=
 * ProxyJump's, pipelined throughput >= 1.0x ProxyJump's. Then CPU per read on the Airlock path
 * alone (sequential, AIRLOCK_BENCH_CPU_READS reads, default 5,000): the OT gateway process, this
 * process (the IT gateway and the client) and the OpenSSH client, from /proc and
 * process.cpuUsage, which a shared machine's load disturbs far less than wall-clock latency.
 *   npm run bench -- modbus-ssh-path
 */
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { benchContext, interleave, latencyRow, quantile } from '../helpers/latency-bench.js';
import { openTunnel, startJumpHostChain } from '../helpers/jump-host-chain.js';
import { cpuMsOf, cpuPerOperation, ownCpuMs } from '../helpers/process-cpu.js';
import { keyLogin } from '../helpers/ssh-chain.js';
import { connectRaw, mbap, pdu, type RawModbusClient } from '../peers/raw-modbus-client.js';
import { startRecordingPlc } from '../peers/recording-plc.js';
import { PLC1_PROFILES } from '../../image/demo/plant/plc-1-policy.js';

const bench = benchContext();
const t = bench.t;

const SEQUENTIAL = 1000;
const WARMUP = 200;
const BLOCK = 100;
const WINDOW = 50;
const PIPELINED = 10_000;
const READ = pdu(3, [0, 10]);
const CPU_READS = Number(process.env['AIRLOCK_BENCH_CPU_READS'] ?? 5000);

async function roundTrip(c: RawModbusClient, tid: number): Promise<number> {
  const start = process.hrtime.bigint();
  c.write(mbap(tid & 0xffff, 1, READ));
  await c.frames(1);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function pipelined(c: RawModbusClient): Promise<number> {
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < PIPELINED; sent += WINDOW) {
    c.write(
      Buffer.concat(Array.from({ length: WINDOW }, (_, i) => mbap((sent + i) & 0xffff, 1, READ))),
    );
    await c.frames(WINDOW);
  }
  return PIPELINED / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function main(): Promise<void> {
  // The OT process's 1 ms event-loop-delay sampler (test/helpers/ot-ssh-process.ts) wakes its loop
  // 1,000 times a second, a cost the product does not have and this benchmark would measure.
  process.env['AIRLOCK_TEST_LOOP_DELAY'] ??= 'off';
  await initCrypto();
  const stub = await startRecordingPlc(t);
  const jump = await startJumpHostChain(t, {
    chain: {
      otProcess: true,
      // A rate limit far above what is measured: the bench measures the path, not its limiter.
      modbus: {
        port: stub.port,
        profile: {
          ...PLC1_PROFILES['read-only'],
          rateLimit: { requestsPerSecond: 100_000, burst: 100_000 },
        },
      },
    },
    hosts: (c) => ['Host airlock', `  HostName 127.0.0.1\n  Port ${c.sshPort}\n  User alice+hmi-1`],
  });
  const { chain } = jump;
  const { alice } = chain.users;
  // Ready once a read through the tunnel is answered by the PLC (FC 3), not refused: the benchmark
  // must measure reads that reach the PLC.
  const readsThrough = async (port: number): Promise<boolean> => {
    const c = await connectRaw(t, port).catch(() => undefined);
    if (c === undefined) return false;
    c.write(mbap(1, 1, READ));
    const ok = await c.frames(1, 2000).then(
      ([f]) => {
        if (f !== undefined && f.pdu[0] !== 3)
          throw new Error(`the read was refused: ${f.pdu.toString('hex')}`);
        return f !== undefined;
      },
      () => false,
    );
    c.socket.destroy();
    return ok;
  };
  chain.answers(alice);
  const airlockTunnel = await openTunnel(
    t,
    jump,
    [...keyLogin(alice), '-L', '127.0.0.1:PORT:plc-1:502', 'airlock'],
    readsThrough,
  );
  const viaAirlock = airlockTunnel.port;
  const { port: viaJump } = await openTunnel(
    t,
    jump,
    ['-o', 'PubkeyAuthentication=no', '-L', `127.0.0.1:PORT:127.0.0.1:${stub.port}`, 'jump2'],
    readsThrough,
  );

  const paths = [
    await connectRaw(t, stub.port),
    await connectRaw(t, viaJump),
    await connectRaw(t, viaAirlock),
  ];
  const before = stub.received.length;
  const [d = [], j = [], a = []] = await interleave(
    paths.map((p) => (i: number) => roundTrip(p, i)),
    { warmup: WARMUP, count: SEQUENTIAL, block: BLOCK },
  );
  const expected = 3 * (WARMUP + SEQUENTIAL);
  if (stub.received.length - before !== expected)
    throw new Error(`the PLC saw ${stub.received.length - before} reads, not ${expected}`);
  const addedA = quantile(a, 0.5) - quantile(d, 0.5);
  const addedJ = quantile(j, 0.5) - quantile(d, 0.5);
  const rDirect = await pipelined(await connectRaw(t, stub.port));
  const rJump = await pipelined(await connectRaw(t, viaJump));
  const rAirlock = await pipelined(await connectRaw(t, viaAirlock));
  const cpuPath = await connectRaw(t, viaAirlock);
  const otPid = chain.otProcess?.child.pid;
  const sshPid = airlockTunnel.pid;
  const cpu0 = [cpuMsOf(otPid), ownCpuMs(), cpuMsOf(sshPid)] as const;
  for (let i = 0; i < CPU_READS; i++) await roundTrip(cpuPath, i);
  const cpu1 = [cpuMsOf(otPid), ownCpuMs(), cpuMsOf(sshPid)] as const;
  const [otCpu, itCpu, sshCpu] = cpu1.map((b, i) => cpuPerOperation(cpu0[i] ?? b, b, CPU_READS));
  const lines = [
    `${SEQUENTIAL} sequential reads, raw PLC stub, over ssh -N -L:`,
    latencyRow('direct', d),
    latencyRow('ProxyJump, 2 sshd hops', j, d),
    latencyRow('Airlock (IT + OT process)', a, d),
    `  added median: Airlock ${addedA.toFixed(3)} ms, ProxyJump ${addedJ.toFixed(3)} ms; target <= 0.3 ms: ${addedA <= 0.3 ? 'met' : 'NOT met'}; <= ProxyJump's: ${addedA <= addedJ ? 'met' : 'NOT met'}`,
    `${PIPELINED} reads pipelined ${WINDOW} at a time (req/s):`,
    `  direct                     ${Math.round(rDirect)}`,
    `  ProxyJump, 2 sshd hops     ${Math.round(rJump)}   ${(rJump / rDirect).toFixed(2)}x direct`,
    `  Airlock (maxInFlight 1)    ${Math.round(rAirlock)}   ${(rAirlock / rDirect).toFixed(2)}x direct, ${(rAirlock / rJump).toFixed(2)}x ProxyJump; target >= 1.0x ProxyJump: ${rAirlock >= rJump ? 'met' : 'NOT met'}`,
    `CPU per sequential read on the Airlock path (${CPU_READS} reads; /proc ticks are 10 ms):`,
    `  OT gateway process         ${otCpu}`,
    `  IT gateway + client (here) ${itCpu}`,
    `  ssh -L client              ${sshCpu}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main()
  .catch((e: unknown) => {
    process.stderr.write(
      `modbus-ssh-path: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(() => bench.cleanup());
