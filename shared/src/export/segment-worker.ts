/**
 * Worker-thread side of a segment check (see segment-job.ts): receives one log's
 * `events/<log>.jsonl` bytes as messages, runs the same SegmentCheck the inline verifier would
 * (except the CSV/CEF derivation, which the main thread does from the same bytes), and posts back
 * its findings and the summary. Every batch is acknowledged once checked (flow control). Any exception is reported as `failed`, and the client
 * treats that, a crash or an early exit as a failed verification: this side can never make a
 * bundle pass by going quiet.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initCrypto } from '../crypto/sodium.js';
import { MAX_LINE_BYTES } from './bundle-manifest.js';
import { LineSplitter } from './bundle-reader.js';
import { SegmentCheck, type Finding, type RecordingClose } from './segment-check.js';
import type { SegmentJobInit, ToSegmentWorker } from './segment-job.js';
import { omitUndefined } from '../omit-undefined.js';

const port = parentPort;
if (port === null) throw new Error('segment-worker.js runs only as a worker thread');

const init = workerData as SegmentJobInit;
const findings: Finding[] = [];
const recordingCloses = new Map<string, RecordingClose>();
let lines: LineSplitter | undefined;
let check: SegmentCheck | undefined;

// Messages may arrive before libsodium is ready: queue them behind its start, in order.
let queue: Promise<void> = initCrypto().then(() => {
  check = new SegmentCheck(
    init.log,
    init.spec,
    init.manifest,
    init.checkpoints,
    init.publicKey,
    findings,
    recordingCloses,
    false,
  );
  const c = check;
  lines = new LineSplitter(MAX_LINE_BYTES, (b, start, end, plain) =>
    c.lineBytes(b, start, end, plain),
  );
});

function handle(m: ToSegmentWorker): void {
  if (check === undefined || lines === undefined) throw new Error('segment check not started');
  if (m.type === 'chunk') {
    lines.push(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
    port?.postMessage({ type: 'ack', bytes: m.bytes.byteLength });
    return;
  }
  const problem = lines.end();
  const segment = check.finish();
  port?.postMessage({
    type: 'done',
    findings,
    recordingCloses: [...recordingCloses],
    segment,
    ...omitUndefined({ problem }),
  });
}

let failed = false;
port.on('message', (m: ToSegmentWorker) => {
  queue = queue
    .then(() => {
      if (!failed) handle(m);
    })
    .catch((e: unknown) => {
      if (failed) return;
      failed = true; // nothing after a failure is checked
      port.postMessage({ type: 'failed', message: (e as Error).message });
    });
});
