/**
 * Runs one log's segment check (SegmentCheck over `events/<log>.jsonl`) on two threads: a worker
 * parses every line and checks its hash, link, site and range, while this thread, besides
 * inflating, unpacking and SHA-256-hashing the bundle, re-derives the CSV and CEF text from the
 * same lines (DerivedDigests). The events check was one thread's work and the critical path; the
 * main thread sat idle 86% of the time (measured on 1,000,000 events). The result is what the
 * inline SegmentCheck reports (tested): the derived digests only count when the worker's chain
 * verified, and then every line was a canonical event (derived-digests.ts).
 *
 * Guarantees: the worker sees exactly the bytes the main thread hashed, in order (copied into
 * batches and transferred); memory stays bounded (at most MAX_IN_FLIGHT bytes await the worker,
 * `write` waits below that); the job fails closed: a worker that throws, crashes, exits or stops
 * answering for STALL_MS yields `{ ok: false }`, which the verifier turns into an error finding,
 * never a silent pass. Not guaranteed: anything about the bytes themselves (SegmentCheck judges).
 */
import { Worker } from 'node:worker_threads';
import type { Checkpoint } from '../audit/audit-event.js';
import { MAX_LINE_BYTES, bundleTextRendering, type ManifestLog } from './bundle-manifest.js';
import { LineSplitter } from './bundle-reader.js';
import { DerivedDigests, type DerivedDigestsResult } from './derived-digests.js';
import type { AuditLogName } from './event-formats.js';
import type { Finding, RecordingClose, SegmentManifest, SegmentSummary } from './segment-check.js';
import { omitUndefined } from '../omit-undefined.js';

export interface SegmentJobInit {
  readonly log: AuditLogName;
  readonly spec: ManifestLog;
  readonly manifest: SegmentManifest;
  readonly checkpoints: readonly Checkpoint[];
  readonly publicKey: Uint8Array;
}

export type ToSegmentWorker =
  { readonly type: 'chunk'; readonly bytes: Uint8Array } | { readonly type: 'end' };

export interface SegmentOutcome {
  readonly csvSha256: string;
  readonly cefSha256: string;
  readonly summary: SegmentSummary;
}

type FromSegmentWorker =
  | { readonly type: 'ack'; readonly bytes: number }
  | {
      readonly type: 'done';
      readonly findings: Finding[];
      readonly recordingCloses: [string, RecordingClose][];
      readonly segment: SegmentOutcome;
      readonly problem?: string;
    }
  | { readonly type: 'failed'; readonly message: string };

export type SegmentJobResult =
  | {
      readonly ok: true;
      readonly findings: readonly Finding[];
      readonly recordingCloses: ReadonlyMap<string, RecordingClose>;
      readonly segment: SegmentOutcome;
      readonly problem?: string;
    }
  | { readonly ok: false; readonly reason: string };

const BATCH_BYTES = 1 << 20;
const MAX_IN_FLIGHT = 8 << 20;
const STALL_MS = 120_000;

export const SEGMENT_WORKER_URL = new URL('./segment-worker.js', import.meta.url);

export class SegmentJob {
  private readonly worker: Worker;
  private readonly result: Promise<SegmentJobResult>;
  private batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
  private batchUsed = 0;
  private inFlight = 0;
  private settled = false;
  private ended = false;
  private wake: (() => void) | undefined;
  private stall: NodeJS.Timeout | undefined;
  private fail: (reason: string) => void = () => undefined;
  private readonly derived: DerivedDigests;
  private readonly lines: LineSplitter;
  private derivedResult: DerivedDigestsResult | undefined;

  /** `workerUrl` is for tests (a worker that dies); the verifier uses the real one. */
  constructor(init: SegmentJobInit, workerUrl: URL = SEGMENT_WORKER_URL) {
    const derived = new DerivedDigests(
      init.log,
      init.spec.inRange,
      init.manifest.generator.version,
      bundleTextRendering(init.manifest.version),
    );
    this.derived = derived;
    this.lines = new LineSplitter(MAX_LINE_BYTES, (b, start, end, plain) =>
      derived.lineBytes(b, start, end, plain),
    );
    this.worker = new Worker(workerUrl, { workerData: init });
    this.result = new Promise<SegmentJobResult>((resolve) => {
      const settle = (r: SegmentJobResult): void => {
        if (this.settled) return;
        this.settled = true;
        clearTimeout(this.stall);
        this.release();
        void this.worker.terminate();
        resolve(r);
      };
      const fail = (reason: string): void => settle({ ok: false, reason });
      this.fail = fail;
      this.worker.on('message', (m: FromSegmentWorker) => {
        switch (m.type) {
          case 'ack':
            this.inFlight -= m.bytes;
            if (this.inFlight <= MAX_IN_FLIGHT / 2) this.release();
            this.armStall();
            return;
          case 'done':
            // Acks travel ahead of the verdict on the same port: all in means every byte was checked.
            if (!this.ended || this.inFlight !== 0)
              fail('the events worker reported before it had checked all the bytes');
            else if (this.derivedResult === undefined)
              fail('the events worker reported before the CSV and CEF were derived');
            else
              settle({
                ok: true,
                findings: m.findings,
                recordingCloses: new Map(m.recordingCloses),
                segment: m.segment.summary.chainOk
                  ? { ...m.segment, ...this.derivedResult }
                  : m.segment,
                ...omitUndefined({ problem: m.problem }),
              });
            return;
          case 'failed':
            fail(`the events worker failed: ${m.message}`);
            return;
          default: {
            const never: never = m;
            fail(`the events worker sent an unknown message ${JSON.stringify(never)}`);
          }
        }
      });
      this.worker.on('error', (e) => fail(`the events worker crashed: ${e.message}`));
      this.worker.on('exit', (code) =>
        fail(`the events worker exited (code ${code}) before reporting`),
      );
    });
  }

  /** Queues bytes for the worker; resolves once there is room for more (or the job already failed). */
  async write(chunk: Buffer): Promise<void> {
    if (this.settled) return; // the result already says it failed; the caller keeps reading the tar
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(chunk.length - at, BATCH_BYTES - this.batchUsed);
      chunk.copy(this.batch, this.batchUsed, at, at + n);
      this.batchUsed += n;
      at += n;
      if (this.batchUsed === BATCH_BYTES) this.flush();
    }
    // The worker already has the full batches; derive from the same bytes meanwhile.
    this.lines.push(chunk);
    while (this.inFlight > MAX_IN_FLIGHT && !this.settled)
      await new Promise<void>((r) => (this.wake = r));
  }

  /** All bytes given: the worker's verdict (never rejects). */
  finish(): Promise<SegmentJobResult> {
    if (!this.settled && !this.ended) {
      this.flush();
      this.lines.end();
      this.derivedResult = this.derived.finish();
      this.ended = true;
      this.worker.postMessage({ type: 'end' } satisfies ToSegmentWorker);
      this.armStall();
    }
    return this.result;
  }

  /** Stops the worker without a verdict (the bundle could not be read to the end). */
  async abort(): Promise<void> {
    this.ended = true;
    if (!this.settled) await this.worker.terminate();
    await this.result;
  }

  private flush(): void {
    if (this.batchUsed === 0 || this.settled) return;
    const bytes = new Uint8Array(this.batch.buffer, this.batch.byteOffset, this.batchUsed);
    this.inFlight += this.batchUsed;
    this.worker.postMessage({ type: 'chunk', bytes } satisfies ToSegmentWorker, [
      this.batch.buffer,
    ]);
    this.batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
    this.batchUsed = 0;
    this.armStall();
  }

  private release(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** The stall clock runs only while the worker owes an answer (bytes in flight, or the verdict). */
  private armStall(): void {
    clearTimeout(this.stall);
    if (this.settled || (this.inFlight === 0 && !this.ended)) return;
    this.stall = setTimeout(
      () => this.fail(`the events worker gave no answer for ${STALL_MS / 1000} s`),
      STALL_MS,
    );
  }
}
