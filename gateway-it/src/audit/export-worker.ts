/**
 * Worker-thread side of the export runner (see export-runner.ts): writes one export bundle with
 * writeExportBundle, reading the chains through its own read-only connection to the database
 * file(s), and the artifacts from their files. It never holds the audit key: the manifest bytes go
 * to the main thread to be signed. Progress is posted as it goes; any failure is posted as
 * `failed` with its code and message (which never carry secrets: the worker has none). It runs at
 * a lower scheduling priority than the relay loop (nice 10, this thread only).
 */
import { createReadStream } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { isAirlockError } from '../../../shared/src/errors.js';
import { openDatabase, type Db } from '../../../shared/src/store/open-database.js';
import { initCrypto } from '../../../shared/src/crypto/sodium.js';
import { chainAt } from './audit-chain.js';
import { writeExportBundle, type ManifestSigner } from './export-bundle.js';
import type {
  ExportWorkerData,
  FromExportWorker,
  ToExportWorker,
  WorkerChain,
} from './export-runner.js';

const port = parentPort;
if (port === null) throw new Error('export-worker.js runs only as a worker thread');
const data = workerData as ExportWorkerData;

// An export is background work: when it and the relay loop want the same core, the loop wins.
// On Linux a priority set for "process 0" applies to the calling thread only, so this lowers the
// export thread's priority (nice 10), not the gateway's. Where that is not allowed, it runs as is.
try {
  setPriority(0, 10);
} catch {
  // Not permitted here (or not supported): the export still runs, at the gateway's priority.
}
const post = (m: FromExportWorker): void => port.postMessage(m);

const dbs = new Map<string, Db>();
function chain(c: WorkerChain): ReturnType<typeof chainAt> {
  let db = dbs.get(c.locator.file);
  if (db === undefined) {
    db = openDatabase({ path: c.locator.file, migrations: [], readonly: true });
    dbs.set(c.locator.file, db);
  }
  return chainAt(db, c.locator, c.publicKey);
}

// One signature is asked for per export: the answer resolves the one pending request.
let answer: ((m: ToExportWorker) => void) | undefined;
port.on('message', (m: ToExportWorker) => {
  const a = answer;
  answer = undefined;
  a?.(m);
});
const signer: ManifestSigner = {
  publicKey: data.signerPublicKey,
  async sign(manifest) {
    const reply = await new Promise<ToExportWorker>((resolve) => {
      answer = resolve;
      post({ type: 'sign', manifest });
    });
    if (reply.type === 'refused') throw new Error(`signing refused: ${reply.message}`);
    return reply.signature;
  },
};

try {
  await initCrypto();
  const written = await writeExportBundle(
    data.req,
    {
      it: chain(data.it),
      ot: data.ot === undefined ? undefined : chain(data.ot),
      artifacts: data.artifacts.map((a) => ({ ...a, open: () => createReadStream(a.path) })),
      signingKey: signer,
      ...(data.evidence === undefined ? {} : { evidence: data.evidence }),
    },
    data.workDir,
    data.outPath,
    (progress) => post({ type: 'progress', progress }),
  );
  post({ type: 'done', written });
} catch (e) {
  post({
    type: 'failed',
    kind: isAirlockError(e) ? e.kind : undefined,
    code: isAirlockError(e) ? e.code : 'export.failed',
    message: (e as Error).message,
  });
} finally {
  for (const db of dbs.values()) db.close();
  port.close();
}
