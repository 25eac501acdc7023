import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../testing/crypto.js';
import { computeEventHash, GENESIS_HASH, type AuditEvent } from '../audit/audit-event.js';
import { toBase64Url } from '../crypto/encoding.js';
import { generateSigningKeyPair } from '../crypto/signing.js';
import { MAX_LINE_BYTES, type ManifestLog } from './bundle-manifest.js';
import { LineSplitter } from './bundle-reader.js';
import { eventToJsonLine } from './event-formats.js';
import { SegmentCheck, type Finding, type RecordingClose } from './segment-check.js';
import { SegmentJob, type SegmentJobInit } from './segment-job.js';

useCrypto();

function chain(n: number): AuditEvent[] {
  const out: AuditEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const base = {
      seq,
      id: `evt_${seq}`,
      time: 1_000 + seq,
      actor: 'vera',
      action: 'modbus.write',
      site: 'plant-1',
      target: 'plc-1',
      outcome: 'success' as const,
      details: { address: 40001, value: seq },
      prevHash,
    };
    const e = { ...base, hash: computeEventHash(base) };
    out.push(e);
    prevHash = e.hash;
  }
  return out;
}

function setup(n: number): { init: SegmentJobInit; bytes: Buffer } {
  const events = chain(n);
  const last = events.at(-1);
  assert.ok(last !== undefined);
  const key = generateSigningKeyPair();
  const head = { seq: last.seq, hash: last.hash };
  const spec: ManifestLog = {
    publicKey: toBase64Url(key.publicKey),
    anchor: { seq: 0, hash: GENESIS_HASH },
    head,
    inRange: { first: 1, last: n },
    logHead: head,
    events: n,
    withheld: 0,
    checkpoints: 0,
  };
  const init: SegmentJobInit = {
    log: 'ot',
    spec,
    manifest: {
      site: 'plant-1',
      range: { from: 0, to: 10_000 },
      generator: { product: 'airlock', version: 'test' },
      version: 2,
    },
    checkpoints: [],
    publicKey: key.publicKey,
  };
  return { init, bytes: Buffer.from(events.map((e) => eventToJsonLine(e)).join(''), 'utf8') };
}

/** The same check on this thread: what the worker must report. */
function inline(
  init: SegmentJobInit,
  bytes: Buffer,
): { findings: Finding[]; segment: ReturnType<SegmentCheck['finish']> } {
  const findings: Finding[] = [];
  const check = new SegmentCheck(
    init.log,
    init.spec,
    init.manifest,
    init.checkpoints,
    init.publicKey,
    findings,
    new Map<string, RecordingClose>(),
  );
  const lines = new LineSplitter(MAX_LINE_BYTES, (b, start, end) => {
    if (start !== end) check.line(b.toString('utf8', start, end));
  });
  lines.push(bytes);
  assert.equal(lines.end(), undefined);
  return { findings, segment: check.finish() };
}

async function runJob(
  init: SegmentJobInit,
  bytes: Buffer,
  workerUrl?: URL,
): ReturnType<SegmentJob['finish']> {
  const job = new SegmentJob(init, workerUrl);
  // Odd-sized pieces: lines straddle chunk and batch boundaries.
  for (let at = 0; at < bytes.length; at += 777) await job.write(bytes.subarray(at, at + 777));
  return job.finish();
}

test(
  'the events worker reports exactly what the inline check finds, for a good and a tampered segment',
  { timeout: 30_000 },
  async () => {
    const { init, bytes } = setup(300);
    const good = await runJob(init, bytes);
    assert.ok(good.ok, good.ok ? '' : good.reason);
    assert.deepEqual(good.findings, []);
    assert.deepEqual(good.segment, inline(init, bytes).segment);
    assert.equal(good.segment.summary.chainOk, true);
    assert.equal(good.segment.summary.inRange, 300);

    const tampered = Buffer.from(
      bytes.toString('utf8').replace('"value":150}', '"value":151}'),
      'utf8',
    );
    const bad = await runJob(init, tampered);
    assert.ok(bad.ok, bad.ok ? '' : bad.reason);
    const expected = inline(init, tampered);
    assert.deepEqual(bad.findings, expected.findings);
    assert.deepEqual(bad.segment, expected.segment);
    assert.equal(bad.segment.summary.chainOk, false);
    assert.ok(
      bad.findings.some((f) => f.check === 'chain.hash_mismatch' && f.seq === 150),
      JSON.stringify(bad.findings),
    );
  },
);

test(
  'the events job fails closed when its worker exits, throws or finishes early',
  { timeout: 30_000 },
  async () => {
    const { init, bytes } = setup(50);
    const exits = await runJob(init, bytes, new URL('data:text/javascript,process.exit(3)'));
    assert.equal(exits.ok, false);
    assert.match(exits.ok ? '' : exits.reason, /exited \(code 3\) before reporting/);

    const throws = await runJob(
      init,
      bytes,
      new URL(
        `data:text/javascript,${encodeURIComponent("import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => { throw new Error('boom'); });")}`,
      ),
    );
    assert.equal(throws.ok, false);
    assert.match(throws.ok ? '' : throws.reason, /crashed: boom/);

    const early = await runJob(
      init,
      bytes,
      new URL(
        `data:text/javascript,${encodeURIComponent("import { parentPort } from 'node:worker_threads'; parentPort.postMessage({ type: 'done', findings: [], recordingCloses: [], segment: {} });")}`,
      ),
    );
    assert.equal(early.ok, false, 'a verdict before all bytes were given is not accepted');
    assert.match(early.ok ? '' : early.reason, /reported before it had checked all the bytes/);
  },
);
