/**
 * Where export bundles are written: off the event loop that relays sessions (issue 17 item 9). A
 * bundle of 1,000,000 events is about 35 s of reading, formatting, hashing and gzip; on the main
 * loop that work stalled every session for tens of milliseconds at a time. Each export runs in its
 * own worker thread (export-worker.ts) with its own read-only connection to the database file; the
 * bundle bytes are the same as inline (the same writeExportBundle runs there).
 *
 * Guarantees: at most `workers` exports run and at most `maxQueued` wait for a thread; `admit`
 * beyond that refuses at once with `unavailable` / `export.busy` (nothing started). The audit key's
 * secret never leaves this thread: the worker sends the manifest bytes, this side checks they are
 * the manifest of the export it asked for, signs them and sends back the signature. A worker that
 * fails, crashes or exits fails its export (`internal` / `export.worker_failed`, no bundle) and
 * leaves no temporary files. Chains in an in-memory database (unit tests) cannot be opened by
 * another connection: those exports run inline, in the same slots.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BundleManifest } from '../../../shared/src/export/bundle-manifest.js';
import { signDetached, type SigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import { AirlockError, type ErrorKind } from '../../../shared/src/errors.js';
import type { ChainLocator } from './audit-chain.js';
import {
  writeExportBundle,
  type BundleRequest,
  type BundleSources,
  type ExportProgress,
  type WrittenBundle,
} from './export-bundle.js';

/** One chain as the worker reopens it. */
export interface WorkerChain {
  readonly locator: ChainLocator;
  readonly publicKey: Uint8Array;
}

export interface ExportWorkerData {
  readonly req: BundleRequest;
  readonly it: WorkerChain;
  readonly ot: WorkerChain | undefined;
  readonly artifacts: readonly {
    readonly sessionId: string;
    readonly kind: BundleSources['artifacts'][number]['kind'];
    readonly name: string;
    readonly path: string;
  }[];
  readonly signerPublicKey: Uint8Array;
  /** An evidence pack's members and selection (plain data, copied to the worker). */
  readonly evidence?: BundleSources['evidence'];
  readonly workDir: string;
  readonly outPath: string;
}

export type FromExportWorker =
  | { readonly type: 'progress'; readonly progress: ExportProgress }
  | { readonly type: 'sign'; readonly manifest: Uint8Array }
  | { readonly type: 'done'; readonly written: WrittenBundle }
  | {
      readonly type: 'failed';
      readonly kind: ErrorKind | undefined;
      readonly code: string;
      readonly message: string;
    };

export type ToExportWorker =
  | { readonly type: 'signature'; readonly signature: Uint8Array }
  | { readonly type: 'refused'; readonly message: string };

export interface ExportRunnerOptions {
  /** Exports written at once, each on its own thread. Default 1. */
  readonly workers?: number;
  /** Exports admitted to wait for a thread; one more is refused (`export.busy`). Default 1. */
  readonly maxQueued?: number;
  /** For tests: a worker that misbehaves. */
  readonly workerUrl?: URL;
}

export interface ExportRunnerStats {
  readonly running: number;
  readonly queued: number;
  readonly refused: number;
  /** Exports written on a worker thread (the rest ran inline: in-memory databases). */
  readonly inWorker: number;
}

/** A place in the runner, taken synchronously when an export is accepted. */
export interface ExportSlot {
  /** Waits for a thread, then writes the bundle; the slot is released when it settles. */
  run(
    req: BundleRequest,
    src: BundleSources,
    workDir: string,
    outPath: string,
    onProgress: (p: ExportProgress) => void,
  ): Promise<WrittenBundle>;
  /** Gives the slot back without running (idempotent; `run` releases by itself). */
  release(): void;
}

export interface ExportRunner {
  /** Takes a slot or throws `unavailable` / `export.busy`. */
  admit(): ExportSlot;
  isFull(): boolean;
  stats(): ExportRunnerStats;
  /** Ends running workers (their exports fail) and refuses later ones. */
  close(): Promise<void>;
}

export const EXPORT_WORKER_URL = new URL('./export-worker.js', import.meta.url);

/** The worker description of `src`, or undefined when some part can only be read in this thread. */
function workerSources(
  src: BundleSources,
): Omit<ExportWorkerData, 'req' | 'workDir' | 'outPath'> | undefined {
  const chain = (c: BundleSources['it']): WorkerChain | undefined =>
    c.locator === undefined ? undefined : { locator: c.locator, publicKey: c.publicKey };
  const it = chain(src.it);
  const ot = src.ot === undefined ? undefined : chain(src.ot);
  if (it === undefined || (src.ot !== undefined && ot === undefined)) return undefined;
  const artifacts: ExportWorkerData['artifacts'][number][] = [];
  for (const a of src.artifacts) {
    if (a.path === undefined) return undefined;
    artifacts.push({ sessionId: a.sessionId, kind: a.kind, name: a.name, path: a.path });
  }
  return {
    it,
    ot,
    artifacts,
    signerPublicKey: src.signingKey.publicKey,
    ...(src.evidence === undefined ? {} : { evidence: src.evidence }),
  };
}

/** Signs only the manifest of the export this worker was started for. */
function checkedSignature(
  manifest: Uint8Array,
  req: BundleRequest,
  key: SigningKeyPair,
): Uint8Array {
  let m: Partial<BundleManifest>;
  try {
    m = JSON.parse(Buffer.from(manifest).toString('utf8')) as Partial<BundleManifest>;
  } catch {
    throw new Error('the worker asked to sign something that is not a manifest');
  }
  if (
    m.exportId !== req.exportId ||
    m.site !== req.site ||
    m.signer?.publicKey !== toBase64Url(key.publicKey)
  )
    throw new Error('the worker asked to sign the manifest of another export');
  return signDetached(manifest, key.secretKey);
}

function runInWorker(
  url: URL,
  data: ExportWorkerData,
  key: SigningKeyPair,
  onProgress: (p: ExportProgress) => void,
  track: (w: Worker | undefined) => void,
): Promise<WrittenBundle> {
  return new Promise<WrittenBundle>((resolve, reject) => {
    const worker = new Worker(url, { workerData: data });
    track(worker);
    let settled = false;
    const settle = (
      r: { ok: true; written: WrittenBundle } | { ok: false; error: Error },
    ): void => {
      if (settled) return;
      settled = true;
      track(undefined);
      void worker.terminate();
      if (r.ok) resolve(r.written);
      else {
        // A worker cut short cannot clean up after itself.
        rmSync(join(data.workDir, `${data.req.exportId}.parts`), { recursive: true, force: true });
        rmSync(data.outPath, { force: true });
        reject(r.error);
      }
    };
    const lost = (why: string): void =>
      settle({
        ok: false,
        error: new AirlockError('internal', 'export.worker_failed', `the export worker ${why}`),
      });
    worker.on('message', (m: FromExportWorker) => {
      switch (m.type) {
        case 'progress':
          onProgress(m.progress);
          return;
        case 'sign': {
          let reply: ToExportWorker;
          try {
            reply = { type: 'signature', signature: checkedSignature(m.manifest, data.req, key) };
          } catch (e) {
            reply = { type: 'refused', message: (e as Error).message };
          }
          worker.postMessage(reply);
          return;
        }
        case 'done':
          settle({ ok: true, written: m.written });
          return;
        case 'failed':
          settle({
            ok: false,
            error: new AirlockError(m.kind ?? 'internal', m.code, m.message),
          });
          return;
        default: {
          const never: never = m;
          lost(`sent an unknown message ${JSON.stringify(never)}`);
        }
      }
    });
    worker.on('error', (e) => lost(`crashed: ${e.message}`));
    worker.on('exit', (code) => lost(`exited (code ${code}) before it finished`));
  });
}

export function createExportRunner(
  signingKey: SigningKeyPair,
  options: ExportRunnerOptions = {},
): ExportRunner {
  const size = options.workers ?? 1;
  const maxQueued = options.maxQueued ?? 1;
  const url = options.workerUrl ?? EXPORT_WORKER_URL;
  if (!Number.isInteger(size) || size < 1) throw new RangeError('workers must be at least 1');
  if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new RangeError('maxQueued must be >= 0');
  let admitted = 0;
  let running = 0;
  let refused = 0;
  let inWorker = 0;
  let closed = false;
  const waiting: (() => void)[] = [];
  const workers = new Set<Worker>();

  const closedError = (): AirlockError =>
    new AirlockError('unavailable', 'export.closed', 'the gateway is shutting down');

  const isFull = (): boolean => closed || admitted >= size + maxQueued;

  async function thread(): Promise<void> {
    if (running < size) {
      running++;
      return;
    }
    await new Promise<void>((r) => waiting.push(r));
    if (closed) throw closedError();
  }

  function leaveThread(): void {
    const next = waiting.shift();
    if (next === undefined) running--;
    else next(); // the thread passes to the next export as is
  }

  return {
    admit() {
      if (isFull()) {
        if (!closed) refused++;
        throw closed
          ? closedError()
          : new AirlockError(
              'unavailable',
              'export.busy',
              `${admitted} exports are running or waiting; try again when one has finished`,
            );
      }
      admitted++;
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        admitted--;
      };
      return {
        release,
        async run(req, src, workDir, outPath, onProgress) {
          if (released) throw new AirlockError('internal', 'export.slot', 'export slot reused');
          try {
            await thread();
            try {
              if (closed) throw closedError();
              const described = workerSources(src);
              if (described === undefined)
                return await writeExportBundle(req, src, workDir, outPath, onProgress);
              inWorker++;
              return await runInWorker(
                url,
                { ...described, req, workDir, outPath },
                signingKey,
                onProgress,
                (w) => {
                  if (w === undefined) return;
                  workers.add(w);
                  w.once('exit', () => workers.delete(w));
                },
              );
            } finally {
              leaveThread();
            }
          } finally {
            release();
          }
        },
      };
    },
    isFull,
    stats: () => ({
      running,
      queued: Math.max(0, admitted - running),
      refused,
      inWorker,
    }),
    async close() {
      closed = true;
      for (const w of waiting.splice(0)) w();
      await Promise.all([...workers].map((w) => w.terminate()));
    },
  };
}
