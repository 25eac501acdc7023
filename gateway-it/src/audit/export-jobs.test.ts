import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { twoLogs, type TwoLogs } from './two-logs.fixture.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { verifyBundle } from '../../../shared/src/export/verify-bundle.js';
import type { SessionArtifactSource } from './export-bundle.js';
import { ExportJobs, type ExportJobStatus } from './export-jobs.js';
import { createExportRunner } from './export-runner.js';

const noArtifacts: SessionArtifactSource = { artifacts: () => Promise.resolve([]) };

useCrypto();

const FROM = Date.UTC(2026, 5, 1, 19);

function jobs(logs: TwoLogs, exportDir: string): ExportJobs {
  return new ExportJobs({
    audit: logs.it,
    itChain: logs.itChain,
    siteEvents: logs.sites,
    artifacts: noArtifacts,
    signingKey: logs.itKey,
    clock: logs.clock,
    ids: sequentialIds(),
    exportDir,
    siteExists: (s) => s === 'plant-1' || s === 'plant-2',
    runner: createExportRunner(logs.itKey),
    approvals: { admit: () => ({ required: false }), use: () => undefined },
  });
}

test(
  'an export job reports progress, is audited, and leaves a bundle that verifies',
  { timeout: 30_000 },
  async (t) => {
    const logs = twoLogs();
    const dir = makeTempDir(t);
    const exports = jobs(logs, dir);
    const seen: ExportJobStatus[] = [];
    exports.onProgress((j) => seen.push(j));
    const before = logs.it.head().seq;
    const started = exports.start({
      site: 'plant-1',
      from: FROM,
      to: FROM + 7_200_000,
      requestedBy: 'audrey',
    });
    assert.equal(started.state, 'running');
    const done = await exports.wait(started.id);
    assert.equal(done.state, 'done', done.error);
    assert.ok(seen.some((j) => j.progress.phase === 'events'));
    assert.equal(exports.list('plant-1')[0]?.id, started.id);
    const audited = [...logs.it.iterate({ fromSeq: before + 1 })].filter(
      (e) => e.action === 'audit.export',
    );
    assert.equal(audited.length, 1);
    assert.equal(audited[0]?.site, 'plant-1');
    assert.equal(audited[0]?.actor, 'audrey');
    assert.equal(audited[0]?.details.sha256, done.bundle?.sha256);
    const { stream } = exports.open(started.id);
    const v = await verifyBundle(stream, { expectedPublicKey: logs.itKey.publicKey });
    assert.equal(v.ok, true, v.findings.map((f) => f.message).join('\n'));
  },
);

test(
  'bad requests start nothing; an export whose audit event cannot be written leaves no bundle',
  { timeout: 30_000 },
  async (t) => {
    const logs = twoLogs();
    const dir = makeTempDir(t);
    const exports = jobs(logs, dir);
    assert.throws(
      () => exports.start({ site: 'plant-1', from: FROM, to: FROM - 1, requestedBy: 'audrey' }),
      { code: 'export.range' },
    );
    assert.throws(
      () => exports.start({ site: 'plant-9', from: FROM, to: FROM + 1, requestedBy: 'audrey' }),
      { code: 'export.site' },
    );
    assert.equal(exports.list().length, 0);

    const job = exports.start({
      site: 'plant-1',
      from: FROM,
      to: FROM + 7_200_000,
      requestedBy: 'audrey',
    });
    logs.it.close(); // every later append throws: no audit, no export
    const failed = await exports.wait(job.id);
    assert.equal(failed.state, 'failed');
    assert.match(failed.error ?? '', /audit log is closed/);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tar.gz') || f.endsWith('.partial')),
      [],
    );
    assert.throws(() => exports.open(job.id), { code: 'export.not_ready' });
    assert.equal(existsSync(join(dir, `plant-1-${job.id}.tar.gz`)), false);
  },
);

test(
  'a full export queue refuses the next export as unavailable (503), audited as denied',
  { timeout: 30_000 },
  async (t) => {
    const logs = twoLogs();
    const dir = makeTempDir(t);
    const exports = jobs(logs, dir);
    const req = { site: 'plant-1', from: FROM, to: FROM + 7_200_000, requestedBy: 'audrey' };
    const running = [exports.start(req), exports.start(req)]; // one on the thread, one waiting
    const before = logs.it.head().seq;
    assert.throws(() => exports.start({ ...req, requestedBy: 'auggie', source: '192.0.2.7' }), {
      kind: 'unavailable',
      code: 'export.busy',
      audited: true,
    });
    assert.equal(exports.list().length, 2, 'the refused export started nothing');
    const refusal = [...logs.it.iterate({ fromSeq: before + 1 })];
    assert.equal(refusal.length, 1);
    assert.equal(refusal[0]?.action, 'audit.export');
    assert.equal(refusal[0]?.outcome, 'denied');
    assert.equal(refusal[0]?.actor, 'auggie');
    assert.equal(refusal[0]?.site, 'plant-1');
    assert.equal(refusal[0]?.details.code, 'export.busy');
    assert.equal(refusal[0]?.details.source, '192.0.2.7');
    for (const j of running) assert.equal((await exports.wait(j.id)).state, 'done');
    const next = exports.start(req);
    assert.equal(next.state, 'running', 'a finished export frees its place');
    assert.equal((await exports.wait(next.id)).state, 'done');
  },
);
