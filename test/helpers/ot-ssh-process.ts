/**
 * An OT gateway as its own process with the real SSH broker and an echo broker for Modbus
 * (standing in for the Modbus proxy behind `ssh -L`), for tests and benchmarks that need the OT
 * side in another process: to kill it with SIGKILL mid-session, or to give it its own core and
 * measure its memory. The target account's password comes from a file and is stored in the
 * gateway's vault before it starts. The gateway must already be enrolled (its data dir holds the
 * enrollment). Prints `{"event":"ready"}` once started; stops on SIGTERM/SIGINT. On SIGUSR2 it
 * prints its event-loop delay since the last report (`{"event":"loop-delay","seq":n,"maxMs",
 * "p99Ms","majorGcs"}`, the last: full collections since start), so a benchmark can say which gateway's
 * loop stalled and how often its heap was marked. The sampler wakes the loop every
 * millisecond, work the product does not do: AIRLOCK_TEST_LOOP_DELAY=off leaves it out (the Modbus
 * latency benchmark, which measures the OT process's per-request cost; SIGUSR2 then reports zeros).
 *
 *   node dist/test/helpers/ot-ssh-process.js <ot-config.json> <password-file>
 */
import { readFileSync } from 'node:fs';
import {
  constants,
  monitorEventLoopDelay,
  PerformanceObserver,
  type IntervalHistogram,
} from 'node:perf_hooks';
import { systemClock } from '../../shared/src/clock.js';
import { randomIds } from '../../shared/src/ids.js';
import { createLogger } from '../../shared/src/log.js';
import { createOtGateway, type OtGateway } from '../../gateway-ot/src/app.js';
import { otConfigSchema } from '../../gateway-ot/src/config/ot-config.js';
import { isSshAsset } from '../../gateway-ot/src/protocols/ssh/ssh-policy.js';
import { echoBroker } from './test-brokers.js';

/** Stores `password` in the gateway's vault for the account of every SSH asset of its policy. */
export function storeTargetPassword(gw: OtGateway, password: string): void {
  for (const [asset, a] of Object.entries(gw.services.policy.assets)) {
    if (isSshAsset(a))
      gw.services.vault.set({
        asset,
        account: a.username,
        kind: 'password',
        secret: Buffer.from(password),
        actor: 'local:test',
      });
  }
}

export interface LoopDelay {
  readonly maxMs: number;
  readonly p99Ms: number;
}

/** Max and p99 of an event-loop delay histogram, in ms (a resolution-1 histogram reads ~1 ms when idle). */
export function loopDelayOf(h: IntervalHistogram): LoopDelay {
  return { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6 };
}

async function main(): Promise<void> {
  const [configFile, passwordFile] = process.argv.slice(2);
  if (configFile === undefined || passwordFile === undefined) {
    process.stderr.write('usage: ot-ssh-process <ot-config.json> <password-file>\n');
    process.exit(2);
  }
  const config = otConfigSchema.parse(JSON.parse(readFileSync(configFile, 'utf8')));
  const password = readFileSync(passwordFile, 'utf8').trim();
  const log = createLogger({ name: 'airlock-ot', level: 'warn' });
  const gw = await createOtGateway(config, {
    clock: systemClock,
    ids: randomIds,
    log,
    // AIRLOCK_TEST_REAL_MODBUS=1 keeps the real Modbus broker (the benchmark of the `ssh -L` path).
    brokers: process.env.AIRLOCK_TEST_REAL_MODBUS === '1' ? [] : [echoBroker('modbus')],
  });
  storeTargetPassword(gw, password);
  await gw.start();
  process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid })}\n`);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  if (process.env.AIRLOCK_TEST_LOOP_DELAY !== 'off') loop.enable();
  let majorGcs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (
        (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR
      )
        majorGcs++;
  }).observe({ entryTypes: ['gc'] });
  let seq = 0;
  process.on('SIGUSR2', () => {
    const report = { event: 'loop-delay', seq: ++seq, ...loopDelayOf(loop), majorGcs };
    loop.reset();
    process.stdout.write(`${JSON.stringify(report)}\n`);
  });
  const stop = (): void => void gw.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1]?.endsWith('ot-ssh-process.js')) void main();
