/**
 * Test support for write-transaction.test.ts (never imported by product code): a second writer in a
 * thread of its own, so its BEGIN IMMEDIATE can block on busy_timeout while the test's main thread
 * holds or takes the write lock. It opens its own connection to the file in `workerData.path`,
 * posts `asking` just before its first transaction, then makes `increments` read-then-write
 * increments of the one counter row, each in its own writeTransaction. It posts the values it read
 * and its longest call (waiting included), or, when a call throws, the error's code and how long
 * that call took.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './open-database.js';
import { writeTransaction } from './write-transaction.js';

export interface WriterData {
  readonly path: string;
  readonly increments: number;
  readonly busyTimeoutMs: number;
}

export type FromWriter =
  | { readonly type: 'asking' }
  | { readonly type: 'done'; readonly seen: readonly number[]; readonly longestCallMs: number }
  | { readonly type: 'failed'; readonly code: unknown; readonly afterMs: number };

const port = parentPort;
if (port === null) throw new Error('write-transaction-writer runs only as a worker thread');
const { path, increments, busyTimeoutMs } = workerData as WriterData;
const db = openDatabase({ path, migrations: [], busyTimeoutMs });
try {
  const read = db.prepare<[], { n: number }>('SELECT n FROM counter WHERE id = 1');
  const write = db.prepare<[number]>('UPDATE counter SET n = ? WHERE id = 1');
  const increment = writeTransaction(db, (): number => {
    const n = read.get()?.n ?? -1;
    write.run(n + 1);
    return n;
  });
  port.postMessage({ type: 'asking' } satisfies FromWriter);
  const seen: number[] = [];
  let longestCallMs = 0;
  let failed: FromWriter | undefined;
  for (let i = 0; i < increments && failed === undefined; i++) {
    const t0 = performance.now();
    try {
      seen.push(increment());
    } catch (e) {
      failed = {
        type: 'failed',
        code: (e as { code?: unknown }).code,
        afterMs: performance.now() - t0,
      };
    }
    longestCallMs = Math.max(longestCallMs, performance.now() - t0);
  }
  port.postMessage(failed ?? ({ type: 'done', seen, longestCallMs } satisfies FromWriter));
} finally {
  db.close();
}
