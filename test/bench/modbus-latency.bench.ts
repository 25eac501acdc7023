/**
 * Modbus latency and throughput, measured in one run against the same PLC so the figures compare:
 * 1,000 sequential reads (FC 3, 10 registers) directly to the PLC, through the OT broker alone, and
 * through both gateways (a TCP forward on the IT side, the link, the OT broker: everything of
 * `ssh -L` but SSH itself), interleaved in blocks; median and p99 added; then requests per second
 * with 50 pipelined requests per window.
 *
 * The PLC is the raw recording stub (sub-0.1 ms answers) so the gateways' cost is not hidden behind
 * a slow device; the simulated PLC (modbus-serial, about 1 ms per request) is measured too. Client,
 * gateways and PLC share this process and its event loop: the figures include that.
 */
import { systemClock } from '../../shared/src/clock.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { benchContext, interleave, latencyRow, quantile } from '../helpers/latency-bench.js';
import { SITE, startIt, startOt } from '../helpers/link-fixture.js';
import { waitFor } from '../helpers/wait-for.js';
import { startLinkForward } from '../peers/link-forward.js';
import { startBrokerListener } from '../peers/modbus-broker-listener.js';
import { plc1Asset, PLC1_PROFILES } from '../../image/demo/plant/plc-1-policy.js';
import { connectRaw, mbap, pdu, type RawModbusClient } from '../peers/raw-modbus-client.js';
import { startRecordingPlc } from '../peers/recording-plc.js';
import { startModbusPlc } from '../../image/demo/plant/modbus-plc.js';

const bench = benchContext();
const t = bench.t;

const SEQUENTIAL = 1000;
const WARMUP = 200;
const BLOCK = 100;
const PIPELINE_WINDOW = 50;
const PIPELINED = 10_000;
const READ = pdu(3, [0, 10]);
// A rate limit far above what is measured: the bench measures the broker, not its limiter.
const PROFILES = {
  ...PLC1_PROFILES,
  maintenance: {
    ...PLC1_PROFILES.maintenance,
    rateLimit: { requestsPerSecond: 100_000, burst: 100_000 },
  },
};

async function roundTrip(c: RawModbusClient, tid: number): Promise<number> {
  const start = process.hrtime.bigint();
  c.write(mbap(tid & 0xffff, 1, READ));
  await c.frames(1);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Sequential round trips on each path, interleaved in blocks so drift hits every path alike. */
const sequential = (paths: readonly RawModbusClient[]): Promise<number[][]> =>
  interleave(
    paths.map((p) => (i: number) => roundTrip(p, i)),
    { warmup: WARMUP, count: SEQUENTIAL, block: BLOCK },
  );

async function pipelined(c: RawModbusClient): Promise<number> {
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < PIPELINED; sent += PIPELINE_WINDOW) {
    c.write(
      Buffer.concat(
        Array.from({ length: PIPELINE_WINDOW }, (_, i) => mbap((sent + i) & 0xffff, 1, READ)),
      ),
    );
    await c.frames(PIPELINE_WINDOW);
  }
  return PIPELINED / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function main(): Promise<void> {
  await initCrypto();
  const stub = await startRecordingPlc(t);
  const sim = await startModbusPlc({ driftIntervalMs: 0 });
  t.after(() => sim.close());
  const brokerOnStub = await startBrokerListener(t, {
    asset: plc1Asset(stub.port, { profiles: PROFILES }),
    profile: 'maintenance',
    clock: systemClock,
  });
  const brokerOnStub8 = await startBrokerListener(t, {
    asset: plc1Asset(stub.port, { profiles: PROFILES, maxInFlight: 8 }),
    profile: 'maintenance',
    clock: systemClock,
  });
  const brokerOnSim = await startBrokerListener(t, {
    asset: plc1Asset(sim.port, { profiles: PROFILES }),
    profile: 'maintenance',
    clock: systemClock,
  });
  const it = await startIt(t);
  await startOt(t, {
    enrollWith: it,
    policy: {
      assets: {
        'plc-1': plc1Asset(stub.port, { profiles: PROFILES }),
        'plc-2': plc1Asset(sim.port, { profiles: PROFILES }),
      },
    },
  });
  await waitFor('the site online', () => it.gw.services.links.get(SITE).state === 'online');
  const chainOnStub = await startLinkForward(t, it, { asset: 'plc-1', profile: 'maintenance' });
  const chainOnSim = await startLinkForward(t, it, { asset: 'plc-2', profile: 'maintenance' });

  const lines: string[] = [];
  const plcs = [
    ['raw PLC stub', stub.port, brokerOnStub.port, chainOnStub.port],
    ['simulated PLC (modbus-serial)', sim.port, brokerOnSim.port, chainOnSim.port],
  ] as const;
  for (const [name, direct, broker, chain] of plcs) {
    const [d = [], b = [], c = []] = await sequential([
      await connectRaw(t, direct),
      await connectRaw(t, broker),
      await connectRaw(t, chain),
    ]);
    lines.push(
      `${SEQUENTIAL} sequential reads, ${name}:`,
      latencyRow('direct', d),
      latencyRow('OT broker alone', b, d),
      latencyRow('both gateways', c, d),
    );
    if (name === 'raw PLC stub')
      lines.push(
        `  target <= 0.3 ms median added: broker ${quantile(b, 0.5) - quantile(d, 0.5) <= 0.3 ? 'met' : 'NOT met'}, both gateways ${quantile(c, 0.5) - quantile(d, 0.5) <= 0.3 ? 'met' : 'NOT met'}`,
      );
  }
  const direct = await pipelined(await connectRaw(t, stub.port));
  const rate = async (port: number): Promise<string> => {
    const r = await pipelined(await connectRaw(t, port));
    return `${Math.round(r)} req/s   ratio ${(r / direct).toFixed(2)}x`;
  };
  lines.push(
    `${PIPELINED} reads pipelined ${PIPELINE_WINDOW} at a time, raw PLC stub:`,
    `  direct                            ${Math.round(direct)} req/s`,
    `  OT broker, maxInFlight 1          ${await rate(brokerOnStub.port)}`,
    `  OT broker, maxInFlight 8          ${await rate(brokerOnStub8.port)}`,
    `  both gateways, maxInFlight 1      ${await rate(chainOnStub.port)}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main()
  .catch((e: unknown) => {
    process.stderr.write(
      `modbus-latency: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(() => bench.cleanup());
