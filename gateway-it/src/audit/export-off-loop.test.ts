/**
 * Issue 17 item 9: writing an export bundle must not run on the event loop that relays sessions.
 * The property is functional, not a speed target: while an export of a large log runs through the
 * export jobs (on the worker), a 1 ms heartbeat on this loop keeps ticking: its gaps (99th
 * percentile, and the share of time lost) stay below those measured in this same test while the
 * same export runs inline (the way every export used to run). No figure is absolute; timings go to
 * test/bench/export-stall.bench.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sequentialIds } from '../../../shared/src/ids.js';
import { verifyBundle } from '../../../shared/src/export/verify-bundle.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { writeExportBundle } from './export-bundle.js';
import { ExportJobs } from './export-jobs.js';
import { createExportRunner } from './export-runner.js';
import { fileLog } from './two-logs.fixture.js';

useCrypto();

const EVENTS = 60_000;

interface Heartbeat {
  /** The longest gap between two beats. */
  readonly worstMs: number;
  /** The 99th percentile of the gaps. */
  readonly p99Ms: number;
  /** Share of the wall time the loop could not beat (the sum of each gap beyond the first ms). */
  readonly lostShare: number;
}

/** Runs `work` under a 1 ms heartbeat: its gaps are what a live session would feel. */
async function heartbeatWhile(work: () => Promise<unknown>): Promise<Heartbeat> {
  const gaps: number[] = [];
  let last = performance.now();
  const heartbeat = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  try {
    await work();
    // One more beat after the work, so a stall at its very end is measured too.
    const atEnd = gaps.length;
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (gaps.length > atEnd) {
          clearInterval(check);
          resolve();
        }
      }, 1);
    });
  } finally {
    clearInterval(heartbeat);
  }
  const wall = performance.now() - t0;
  const sorted = [...gaps].sort((a, b) => a - b);
  return {
    worstMs: sorted.at(-1) ?? 0,
    p99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
    lostShare: gaps.reduce((sum, g) => sum + Math.max(0, g - 1), 0) / wall,
  };
}

const show = (h: Heartbeat): string =>
  `longest gap ${h.worstMs.toFixed(1)} ms, p99 ${h.p99Ms.toFixed(1)} ms, loop lost ${(h.lostShare * 100).toFixed(0)}% of the time`;

test(
  'an export of a large log leaves the event loop free (worker, bounded queue)',
  { timeout: 180_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const f = fileLog(dir, EVENTS);
    const from = Date.UTC(2026, 5, 1, 18);
    const to = from + 86_400_000;
    const runner = createExportRunner(f.key);
    t.after(() => runner.close());
    const exports = new ExportJobs({
      audit: f.log,
      itChain: f.chain,
      siteEvents: { sites: () => [], otChain: () => undefined },
      artifacts: { artifacts: () => Promise.resolve([]) },
      signingKey: f.key,
      clock: f.clock,
      ids: sequentialIds(),
      exportDir: join(dir, 'exports'),
      siteExists: (s) => s === 'plant-1',
      runner,
      approvals: { admit: () => ({ required: false }), use: () => undefined },
    });

    let job = exports.start({ site: 'plant-1', from, to, requestedBy: 'audrey' });
    const worker = await heartbeatWhile(async () => {
      job = await exports.wait(job.id);
    });
    assert.equal(job.state, 'done', job.error);
    assert.equal(runner.stats().inWorker, 1, 'the export ran on the worker');

    const inline = await heartbeatWhile(() =>
      writeExportBundle(
        { exportId: 'inline', site: 'plant-1', from, to, exportedBy: 'audrey', createdAt: 0 },
        { it: f.chain, ot: undefined, artifacts: [], signingKey: f.key },
        dir,
        join(dir, 'inline.tar.gz'),
      ),
    );

    const { stream } = exports.open(job.id);
    const v = await verifyBundle(stream, { expectedPublicKey: f.key.publicKey });
    assert.equal(v.ok, true, v.findings.map((x) => x.message).join('\n'));
    const inlineBundle = await verifyBundle(createReadStream(join(dir, 'inline.tar.gz')), {
      expectedPublicKey: f.key.publicKey,
    });
    assert.equal(inlineBundle.ok, true);
    t.diagnostic(`${EVENTS} events, on the worker: ${show(worker)}; inline: ${show(inline)}`);
    // The longest single gap is reported, not compared: on a loaded machine the scheduler alone
    // leaves an idle loop gaps of tens of ms (measured: 32 ms idle, 76 ms beside a busy thread, with
    // load 7 on 2 cores), so one maximum against another is a coin toss there. The 99th percentile
    // and the share of time lost are what the export itself costs the loop, and are stable.
    assert.ok(
      worker.p99Ms < inline.p99Ms,
      `the loop's p99 gap with the export on the worker (${show(worker)}) is not below inline (${show(inline)})`,
    );
    assert.ok(
      worker.lostShare < inline.lostShare,
      `the loop lost as much time with the export on the worker (${show(worker)}) as inline (${show(inline)})`,
    );
  },
);
