import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { isAirlockError } from '../errors.js';
import { openDatabase, type Db, type Migration } from './open-database.js';
import { writeTransaction } from './write-transaction.js';
import type { FromWriter, WriterData } from './write-transaction-writer.fixture.js';

const COUNTER: Migration[] = [
  {
    component: 'writetx-test',
    version: 1,
    name: 'counter',
    up: 'CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL) STRICT; INSERT INTO counter VALUES (1, 0);',
  },
];

interface Shared {
  readonly path: string;
  readonly a: Db;
  readonly b: Db;
  /** Registers a clean-up that runs when the test ends, before the directory is removed. */
  readonly onEnd: (f: () => unknown) => void;
}

/** Two connections to one WAL file on disk, as a CLI verb and a gateway; all removed at the end. */
function twoConnections(t: TestContext, busyTimeoutMs: { a: number; b: number }): Shared {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-writetx-'));
  const ends: (() => unknown)[] = [];
  t.after(async () => {
    for (const f of ends.reverse()) await f();
    rmSync(dir, { recursive: true, force: true });
  });
  const path = join(dir, 'shared.db');
  const a = openDatabase({ path, migrations: COUNTER, busyTimeoutMs: busyTimeoutMs.a });
  ends.push(() => a.close());
  const b = openDatabase({ path, migrations: COUNTER, busyTimeoutMs: busyTimeoutMs.b });
  ends.push(() => b.close());
  return { path, a, b, onEnd: (f) => ends.push(f) };
}

const counterOf = (db: Db): number =>
  db.prepare<[], { n: number }>('SELECT n FROM counter WHERE id = 1').get()?.n ?? -1;
const setCounter = (db: Db, n: number): void => {
  db.prepare('UPDATE counter SET n = ? WHERE id = 1').run(n);
};
const codeOf = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return (e as { code?: unknown }).code;
  }
  return 'no error';
};

test('the cause: a deferred read-then-write fails at once with SQLITE_BUSY_SNAPSHOT when another connection commits in between; busy_timeout does not help', (t) => {
  const { a, b } = twoConnections(t, { a: 0, b: 10_000 });
  let failedAfterMs = Number.NaN;
  const code = codeOf(() =>
    b.transaction(() => {
      const n = counterOf(b); // B's read snapshot starts here
      setCounter(a, 100); // A commits in between (autocommit)
      const t0 = performance.now();
      try {
        setCounter(b, n + 1); // B's first write: its snapshot is stale
      } finally {
        failedAfterMs = performance.now() - t0;
      }
    })(),
  );
  assert.equal(code, 'SQLITE_BUSY_SNAPSHOT');
  // At once: nowhere near B's 10 s busy_timeout (waiting would not make the old snapshot current).
  assert.ok(failedAfterMs < 2_000, `failed after ${failedAfterMs} ms`);
  assert.equal(b.inTransaction, false, 'B was rolled back');
  assert.equal(counterOf(b), 100, "A's write stands, B's is gone");
});

test('writeTransaction: the same interleaving cannot happen: the other writer is kept out until B commits (plain SQLITE_BUSY, which busy_timeout retries) and no update is lost', (t) => {
  const { a, b } = twoConnections(t, { a: 0, b: 10_000 });
  let aTriedInBetween: unknown;
  const read = writeTransaction(b, () => {
    const n = counterOf(b);
    aTriedInBetween = codeOf(() => setCounter(a, 100));
    setCounter(b, n + 1);
    return n;
  })();
  assert.equal(read, 0);
  assert.equal(
    aTriedInBetween,
    'SQLITE_BUSY',
    'A must wait its turn (here busy_timeout 0: at once)',
  );
  setCounter(a, counterOf(a) + 100); // A's turn, after B's commit: it reads B's value
  assert.equal(counterOf(b), 101);
});

type Outcome = Exclude<FromWriter, { type: 'asking' }>;

interface Writer {
  readonly asking: Promise<void>;
  readonly outcome: Promise<Outcome>;
}

/** The second writer, in a worker thread with its own connection (write-transaction-writer.fixture). */
function startWriter(shared: Shared, increments: number, busyTimeoutMs: number): Writer {
  const data: WriterData = { path: shared.path, increments, busyTimeoutMs };
  const worker = new Worker(new URL('./write-transaction-writer.fixture.js', import.meta.url), {
    workerData: data,
  });
  shared.onEnd(() => worker.terminate());
  const asking = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: FromWriter) => {
      if (m.type === 'asking') resolve();
    });
    worker.once('error', reject);
  });
  const outcome = new Promise<Outcome>((resolve, reject) => {
    worker.on('message', (m: FromWriter) => {
      if (m.type !== 'asking') resolve(m);
    });
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`the writer exited (${code}) before it reported`)),
    );
  });
  // Each is awaited by the test; these only keep an early failure from being unhandled meanwhile.
  asking.catch(() => undefined);
  outcome.catch(() => undefined);
  return { asking, outcome };
}

async function done(w: Writer): Promise<{ seen: readonly number[]; longestCallMs: number }> {
  const o = await w.outcome;
  if (o.type === 'failed')
    assert.fail(`the writer failed with ${String(o.code)} after ${o.afterMs} ms`);
  return o;
}

test(
  "writeTransaction's BEGIN IMMEDIATE waits on another connection's open write transaction for its whole busy_timeout before it gives up with SQLITE_BUSY",
  { timeout: 30_000 },
  async (t) => {
    const shared = twoConnections(t, { a: 5_000, b: 5_000 });
    const { a } = shared;
    a.exec('BEGIN IMMEDIATE'); // A holds the write lock and keeps it until the writer has given up
    setCounter(a, 10);
    const o = await startWriter(shared, 1, 300).outcome;
    a.exec('ROLLBACK');
    assert.equal(o.type, 'failed');
    if (o.type !== 'failed') return;
    assert.equal(
      o.code,
      'SQLITE_BUSY',
      'plain BUSY: the lock was held all along, no stale snapshot',
    );
    assert.ok(o.afterMs >= 200, `it waited ${o.afterMs} ms of its 300 ms busy_timeout`);
    assert.equal(counterOf(a), 0, 'nothing was written');
  },
);

test(
  "writeTransaction waits out another connection's open write transaction, then reads what it committed",
  { timeout: 30_000 },
  async (t) => {
    const shared = twoConnections(t, { a: 5_000, b: 5_000 });
    const { a } = shared;
    a.exec('BEGIN IMMEDIATE'); // A holds the write lock (as the gateway in the middle of a write)
    setCounter(a, 10);
    const writer = startWriter(shared, 1, 10_000);
    await writer.asking; // the writer's BEGIN IMMEDIATE is next: it blocks on A's lock
    a.exec('COMMIT');
    const { seen, longestCallMs } = await done(writer);
    assert.deepEqual(seen, [10], "the writer began after A's commit and read its value");
    assert.equal(counterOf(a), 11);
    t.diagnostic(`the writer's transaction took ${longestCallMs.toFixed(1)} ms, waiting included`);
  },
);

test(
  'two writers on two threads, each making read-then-write increments through writeTransaction: none fails, none is lost',
  { timeout: 90_000 },
  async (t) => {
    const each = 50;
    // Generous: SQLite's busy handler favours the writer that holds the lock in a tight loop, so the
    // other may wait for most of that loop (each commit is fsynced) before it gets a turn.
    const shared = twoConnections(t, { a: 30_000, b: 30_000 });
    const { a } = shared;
    const writer = startWriter(shared, each, 30_000);
    await writer.asking;
    const increment = writeTransaction(a, (): number => {
      const n = counterOf(a);
      setCounter(a, n + 1);
      return n;
    });
    const mine: number[] = [];
    let longestMs = 0;
    for (let i = 0; i < each; i++) {
      const t0 = performance.now();
      mine.push(increment());
      longestMs = Math.max(longestMs, performance.now() - t0);
    }
    const { seen: theirs, longestCallMs } = await done(writer);
    assert.equal(counterOf(a), 2 * each);
    // Every increment read a value nobody else read: no two read-then-writes overlapped.
    assert.deepEqual(
      [...mine, ...theirs].sort((x, y) => x - y),
      Array.from({ length: 2 * each }, (_, i) => i),
    );
    const cutIn = theirs.filter((v, i) => i > 0 && v !== (theirs[i - 1] ?? 0) + 1).length;
    t.diagnostic(
      `longest call: main ${longestMs.toFixed(1)} ms, worker ${longestCallMs.toFixed(1)} ms; the main thread got in between ${cutIn} of the worker's increments`,
    );
  },
);

test('nested: an inner writeTransaction is a savepoint (its failure undoes only itself), as db.transaction nests', (t) => {
  const { a } = twoConnections(t, { a: 0, b: 0 });
  const inner = writeTransaction(a, (n: number) => {
    setCounter(a, n);
    if (n < 0) throw new Error('refused');
  });
  writeTransaction(a, () => {
    inner(5);
    assert.throws(() => inner(-1), /refused/);
    assert.equal(counterOf(a), 5, 'the failed inner part rolled back to its savepoint');
    assert.equal(a.inTransaction, true);
  })();
  assert.equal(counterOf(a), 5);
  assert.throws(
    () =>
      writeTransaction(a, () => {
        inner(7);
        throw new Error('outer fails');
      })(),
    /outer fails/,
  );
  assert.equal(counterOf(a), 5, 'the outer failure undid the inner success too');
  inner(9); // called alone it is its own transaction
  assert.equal(counterOf(a), 9);
});

test('built once, called many times: arguments and results pass through, each call commits', (t) => {
  const { a, b } = twoConnections(t, { a: 0, b: 0 });
  const add = writeTransaction(a, (by: number, times: number): number => {
    for (let i = 0; i < times; i++) setCounter(a, counterOf(a) + by);
    return counterOf(a);
  });
  assert.equal(add(2, 3), 6);
  assert.equal(add(1, 1), 7);
  assert.equal(counterOf(b), 7, 'committed: another connection sees it');
  assert.throws(() => writeTransaction(a, () => Promise.resolve(1))(), TypeError);
  assert.equal(a.inTransaction, false);
});

test('a read-only connection is refused by name and nothing is written', (t) => {
  const { path, a, onEnd } = twoConnections(t, { a: 0, b: 0 });
  const ro = openDatabase({ path, migrations: [], readonly: true });
  onEnd(() => ro.close());
  let ran = false;
  const write = writeTransaction(ro, () => {
    ran = true;
  });
  assert.throws(write, (e: unknown) => isAirlockError(e) && e.code === 'store.readonly_write');
  assert.equal(ran, false);
  assert.equal(counterOf(a), 0);
});
