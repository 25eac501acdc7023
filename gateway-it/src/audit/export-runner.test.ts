import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { verifyBundle } from '../../../shared/src/export/verify-bundle.js';
import { writeExportBundle, type BundleRequest, type BundleSources } from './export-bundle.js';
import { createExportRunner } from './export-runner.js';
import { fileArtifact, fileLog, twoLogs } from './two-logs.fixture.js';

useCrypto();

const FROM = Date.UTC(2026, 5, 1, 18);
const request = (exportId: string): BundleRequest => ({
  exportId,
  site: 'plant-1',
  from: FROM,
  to: FROM + 3_600_000,
  exportedBy: 'audrey',
  createdAt: FROM + 7_200_000,
});

test(
  'a bundle written on the worker is byte for byte the inline one, and verifies',
  { timeout: 60_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const f = fileLog(dir, 5_000);
    f.log.checkpoint();
    const recording = join(dir, 'ses-1.cast');
    writeFileSync(recording, '{"version":2,"width":80,"height":24}\n');
    const src: BundleSources = {
      it: f.chain,
      ot: undefined,
      artifacts: [fileArtifact('ses-1', 'recording', 'ses-1.cast', recording)],
      signingKey: f.key,
    };
    const inline = await writeExportBundle(request('exp-a'), src, dir, join(dir, 'inline.tar.gz'));
    const runner = createExportRunner(f.key);
    t.after(() => runner.close());
    const phases: string[] = [];
    const slot = runner.admit();
    const worker = await slot.run(request('exp-a'), src, dir, join(dir, 'worker.tar.gz'), (p) =>
      phases.push(p.phase),
    );
    assert.equal(runner.stats().inWorker, 1);
    assert.equal(worker.sha256, inline.sha256);
    assert.deepEqual(worker.manifest, inline.manifest);
    assert.ok(phases.includes('events') && phases.at(-1) === 'done');
    const v = await verifyBundle(createReadStream(join(dir, 'worker.tar.gz')), {
      expectedPublicKey: f.key.publicKey,
    });
    assert.equal(v.ok, true, v.findings.map((x) => x.message).join('\n'));
    assert.deepEqual(runner.stats(), { running: 0, queued: 0, refused: 0, inWorker: 1 });
  },
);

test('past its queue the runner refuses at once; a slot given back frees its place', async (t) => {
  const logs = twoLogs();
  const runner = createExportRunner(logs.itKey, { workers: 1, maxQueued: 1 });
  t.after(() => runner.close());
  const a = runner.admit();
  const b = runner.admit();
  assert.equal(runner.isFull(), true);
  assert.throws(() => runner.admit(), { kind: 'unavailable', code: 'export.busy' });
  assert.equal(runner.stats().refused, 1);
  a.release();
  a.release(); // idempotent: one place back, not two
  const c = runner.admit();
  assert.throws(() => runner.admit(), { code: 'export.busy' });
  b.release();
  c.release();
  assert.deepEqual(runner.stats(), { running: 0, queued: 0, refused: 2, inWorker: 0 });
});

test(
  'a worker that dies half way fails its export and leaves no bundle or temporary files',
  { timeout: 60_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const f = fileLog(dir, 2_000);
    const dies = new URL(
      `data:text/javascript,${encodeURIComponent(
        [
          "import { workerData as d } from 'node:worker_threads';",
          "import { mkdirSync, writeFileSync } from 'node:fs';",
          'mkdirSync(`${d.workDir}/${d.req.exportId}.parts`);',
          "writeFileSync(d.outPath, 'half a bundle');",
          'process.exit(3);',
        ].join('\n'),
      )}`,
    );
    const runner = createExportRunner(f.key, { workerUrl: dies });
    t.after(() => runner.close());
    const out = join(dir, 'out.tar.gz');
    await assert.rejects(
      runner
        .admit()
        .run(
          request('exp-x'),
          { it: f.chain, ot: undefined, artifacts: [], signingKey: f.key },
          dir,
          out,
          () => undefined,
        ),
      { kind: 'internal', code: 'export.worker_failed' },
    );
    assert.equal(existsSync(out), false, 'the half-written bundle is removed');
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.endsWith('.parts')),
      [],
    );
    assert.equal(runner.isFull(), false);
  },
);
