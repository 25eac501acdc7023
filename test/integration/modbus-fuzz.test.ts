/**
 * Fuzzing the Modbus broker: thousands of random, mutated and well-formed frames over many
 * connections, against a recording PLC stub. The broker must stay up (every batch's connection is
 * answered or closed, and a clean request works at the end) and nothing outside the maintenance
 * profile may reach the PLC, as judged by an independent oracle. A bigger run: npm run bench.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFuzzRun, runFuzz } from '../peers/modbus-fuzz.js';

const FRAMES = 8000;

test(
  `${FRAMES} fuzzed frames: the broker stays up and nothing outside policy reaches the PLC`,
  { timeout: 120_000 },
  async (t) => {
    const r = await runFuzz(t, FRAMES, Number(process.env.AIRLOCK_FUZZ_SEED ?? 20261124));
    assert.deepEqual(r.outside, [], `seed ${r.seed}: frames outside policy reached the PLC`);
    assert.equal(r.framingErrorsAtPlc, 0);
    assert.ok(
      r.refusedByOracle > FRAMES / 3,
      `the oracle refuses most fuzz frames (${r.refusedByOracle}), so its silence above means something`,
    );
    assert.ok(r.atPlc > FRAMES / 20, `enough frames got through to mean something (${r.atPlc})`);
    assert.ok(r.answered > FRAMES / 10, `answers: ${r.answered}`);
    assert.equal(r.isStillServing, true, 'a clean read is answered after the run');
    assert.equal(r.isAuditChainValid, true);
    t.diagnostic(describeFuzzRun(r));
  },
);
