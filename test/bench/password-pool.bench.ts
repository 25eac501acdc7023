/**
 * What the password pool buys (issue 17 item 9): the event loop's stall while a burst of argon2id
 * verifications runs, inline on the loop (how every login was checked) against on the pool's
 * threads. A 1 ms heartbeat stands for the keystrokes of live sessions: its worst lateness is what
 * an operator feels. Prints both and their ratio; the suite asserts the property, not a time.
 *   npm run bench -- password-pool
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { hashPassword, verifyPassword } from '../../shared/src/crypto/password-hash.js';
import {
  createPasswordPool,
  defaultPasswordWorkers,
} from '../../shared/src/crypto/password-pool.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';

const CHECKS = 16;

interface Stall {
  readonly wallMs: number;
  readonly maxDelayMs: number;
  readonly p99DelayMs: number;
  readonly worstBeatMs: number;
}

/** Runs `burst` while a heartbeat ticks every millisecond; reports the loop's worst stalls. */
async function measure(burst: () => Promise<unknown>): Promise<Stall> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let worstBeatMs = 0;
  const beat = setInterval(() => {
    const now = performance.now();
    worstBeatMs = Math.max(worstBeatMs, now - last);
    last = now;
  }, 1);
  delay.enable();
  const t0 = performance.now();
  await burst();
  const wallMs = performance.now() - t0;
  delay.disable();
  clearInterval(beat);
  return {
    wallMs,
    maxDelayMs: delay.max / 1e6,
    p99DelayMs: delay.percentile(99) / 1e6,
    worstBeatMs,
  };
}

const line = (name: string, s: Stall): string =>
  `${name.padEnd(22)} wall ${s.wallMs.toFixed(0).padStart(6)} ms  loop stall max ${s.maxDelayMs
    .toFixed(1)
    .padStart(
      7,
    )} ms  p99 ${s.p99DelayMs.toFixed(1).padStart(7)} ms  heartbeat worst gap ${s.worstBeatMs
    .toFixed(1)
    .padStart(7)} ms\n`;

await initCrypto();
const encoded = hashPassword('the account password');
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

// Inline: each check runs on the loop; the loop turns between checks as it would between requests.
const inline = await measure(async () => {
  for (let i = 0; i < CHECKS; i++) {
    verifyPassword(encoded, `wrong password ${i}`);
    await yieldToLoop();
  }
});

const workers = defaultPasswordWorkers();
const pool = createPasswordPool({ workers, maxQueued: CHECKS });
await pool.verify(encoded, 'warm-up (threads started, libsodium loaded)');
const pooled = await measure(() =>
  Promise.all(
    Array.from({ length: CHECKS }, (_, i) => pool.verify(encoded, `wrong password ${i}`)),
  ),
);
await pool.close();

process.stdout.write(
  `${CHECKS} argon2id verifications (interactive limits), pool of ${workers} thread(s)\n`,
);
process.stdout.write(line('inline on the loop', inline));
process.stdout.write(line('password pool', pooled));
process.stdout.write(
  `ratio inline/pool: loop stall max ${(inline.maxDelayMs / pooled.maxDelayMs).toFixed(1)}x, heartbeat worst gap ${(inline.worstBeatMs / pooled.worstBeatMs).toFixed(1)}x, wall ${(inline.wallMs / pooled.wallMs).toFixed(2)}x\n`,
);
