/**
 * Modbus broker latency and throughput, measured in one run against the same PLC so the figures
 * are comparable: 1,000 sequential reads (FC 3, 10 registers) directly to the PLC and through the
 * broker, interleaved in blocks; the median and p99 the broker adds; then requests per second with
 * 50 pipelined requests per window, directly and through the broker (maxInFlight 1 and 8).
 *
 * The PLC is the raw recording stub (sub-0.1 ms answers), so the broker's own cost is not hidden
 * behind a slow device; the simulated PLC (modbus-serial, about 1 ms per request) is measured too.
 * Client, broker and PLC share this process and its event loop: the figures include that.
 */
import { FakeClock } from '../../shared/src/clock.js';
import { startBrokerListener } from '../peers/modbus-broker-listener.js';
import { plc1Asset, PLC1_PROFILES } from '../peers/plc-1-policy.js';
import { connectRaw, mbap, pdu, type RawModbusClient } from '../peers/raw-modbus-client.js';
import { startRecordingPlc } from '../peers/recording-plc.js';
import { startModbusPlc } from '../sim/modbus-plc.js';

const cleanups: (() => unknown)[] = [];
const t = { after: (fn: () => unknown) => void cleanups.push(fn) };

const SEQUENTIAL = 1000;
const WARMUP = 200;
const BLOCK = 100;
const PIPELINE_WINDOW = 50;
const PIPELINED = 10_000;
const READ = pdu(3, [0, 10]);

async function roundTrip(c: RawModbusClient, tid: number): Promise<number> {
  const start = process.hrtime.bigint();
  c.write(mbap(tid & 0xffff, 1, READ));
  await c.frames(1);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

async function sequential(direct: RawModbusClient, brokered: RawModbusClient): Promise<{ direct: number[]; brokered: number[] }> {
  for (let i = 0; i < WARMUP; i++) {
    await roundTrip(direct, i);
    await roundTrip(brokered, i);
  }
  const out = { direct: [] as number[], brokered: [] as number[] };
  for (let done = 0; done < SEQUENTIAL; done += BLOCK) {
    for (let i = 0; i < BLOCK; i++) out.direct.push(await roundTrip(direct, done + i));
    for (let i = 0; i < BLOCK; i++) out.brokered.push(await roundTrip(brokered, done + i));
  }
  return out;
}

async function pipelined(c: RawModbusClient): Promise<number> {
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < PIPELINED; sent += PIPELINE_WINDOW) {
    c.write(Buffer.concat(Array.from({ length: PIPELINE_WINDOW }, (_, i) => mbap((sent + i) & 0xffff, 1, READ))));
    await c.frames(PIPELINE_WINDOW);
  }
  return PIPELINED / (Number(process.hrtime.bigint() - start) / 1e9);
}

const fmt = (ms: number): string => `${ms.toFixed(3)} ms`;

async function main(): Promise<void> {
  // A rate limit far above what is measured: the bench measures the broker, not its limiter.
  const profiles = { ...PLC1_PROFILES, maintenance: { ...PLC1_PROFILES.maintenance, rateLimit: { requestsPerSecond: 100_000, burst: 100_000 } } };
  const stub = await startRecordingPlc(t);
  stub.received.length = 0;
  const clock = new FakeClock();
  const gw1 = await startBrokerListener(t, { asset: plc1Asset(stub.port, { profiles }), profile: 'maintenance', clock });
  const gw8 = await startBrokerListener(t, { asset: plc1Asset(stub.port, { profiles, maxInFlight: 8 }), profile: 'maintenance', clock });
  const sim = await startModbusPlc({ driftIntervalMs: 0 });
  cleanups.push(() => sim.close());
  const gwSim = await startBrokerListener(t, { asset: plc1Asset(sim.port, { profiles }), profile: 'maintenance', clock });

  const lines: string[] = [];
  for (const [name, plcPort, gwPort] of [['raw PLC stub', stub.port, gw1.port], ['simulated PLC (modbus-serial)', sim.port, gwSim.port]] as const) {
    const s = await sequential(await connectRaw(t, plcPort), await connectRaw(t, gwPort));
    const dMed = quantile(s.direct, 0.5);
    const bMed = quantile(s.brokered, 0.5);
    const dP99 = quantile(s.direct, 0.99);
    const bP99 = quantile(s.brokered, 0.99);
    lines.push(
      `${SEQUENTIAL} sequential reads, ${name}:`,
      `  direct   median ${fmt(dMed)}  p99 ${fmt(dP99)}`,
      `  broker   median ${fmt(bMed)}  p99 ${fmt(bP99)}`,
      `  added    median ${fmt(bMed - dMed)}  p99 ${fmt(bP99 - dP99)}   ratio broker/direct median ${(bMed / dMed).toFixed(2)}x${name === 'raw PLC stub' ? `   (target <= 0.3 ms median added: ${bMed - dMed <= 0.3 ? 'met' : 'NOT met'})` : ''}`,
    );
    stub.received.length = 0;
  }
  const direct = await pipelined(await connectRaw(t, stub.port));
  stub.received.length = 0;
  const through1 = await pipelined(await connectRaw(t, gw1.port));
  stub.received.length = 0;
  const through8 = await pipelined(await connectRaw(t, gw8.port));
  lines.push(
    `${PIPELINED} reads pipelined ${PIPELINE_WINDOW} at a time, raw PLC stub:`,
    `  direct                 ${Math.round(direct)} req/s`,
    `  broker maxInFlight 1   ${Math.round(through1)} req/s   ratio ${(through1 / direct).toFixed(2)}x`,
    `  broker maxInFlight 8   ${Math.round(through8)} req/s   ratio ${(through8 / direct).toFixed(2)}x`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`modbus-latency: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const c of cleanups.reverse()) await c();
  });
