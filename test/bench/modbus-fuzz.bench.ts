/**
 * The bigger fuzz run (the test suite runs 8,000 frames): 100,000 generated and mutated frames
 * against the Modbus broker, judged by the independent oracle; fails if anything outside policy
 * reached the PLC or the broker stopped serving. Prints frames per second as the figure.
 *   AIRLOCK_FUZZ_SEED=n AIRLOCK_FUZZ_FRAMES=n npm run bench -- fuzz
 */
import { describeFuzzRun, runFuzz } from '../peers/modbus-fuzz.js';

const cleanups: (() => unknown)[] = [];
const t = { after: (fn: () => unknown) => void cleanups.push(fn) };

async function main(): Promise<void> {
  const frames = Number(process.env.AIRLOCK_FUZZ_FRAMES ?? 100_000);
  const seed = Number(process.env.AIRLOCK_FUZZ_SEED ?? Date.now() % 1_000_000);
  const start = process.hrtime.bigint();
  const r = await runFuzz(t, frames, seed);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(`${describeFuzzRun(r)}\n${Math.round(r.sent / seconds)} fuzz frames/s\n`);
  if (
    r.outside.length > 0 ||
    !r.isStillServing ||
    !r.isAuditChainValid ||
    r.framingErrorsAtPlc > 0
  ) {
    process.stderr.write(
      `modbus-fuzz: FAILED (seed ${seed}): ${JSON.stringify(r.outside.slice(0, 5))}\n`,
    );
    process.exitCode = 1;
  }
}

main()
  .catch((e: unknown) => {
    process.stderr.write(
      `modbus-fuzz: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const c of cleanups.reverse()) await c();
  });
