/**
 * The one way product code opens a transaction that writes: `writeTransaction(db, fn)` returns a
 * function that runs `fn` in a transaction begun IMMEDIATE (better-sqlite3's `.immediate` variant).
 *
 * Why: the CLI verbs (airlock-it / airlock-ot) and the running gateway share one WAL database. A
 * DEFERRED transaction takes a read snapshot at its first read and asks for the write lock only at
 * its first write. If another connection committed in between, the snapshot is stale and SQLite
 * answers SQLITE_BUSY_SNAPSHOT ("database is locked") at once: busy_timeout cannot help, since
 * waiting would not make the old snapshot current. BEGIN IMMEDIATE takes the write lock before the
 * first read, so a second writer waits out busy_timeout for its turn and then reads current data.
 *
 * Guarantees:
 *  - Outermost call: BEGIN IMMEDIATE, COMMIT on return, ROLLBACK on throw (the throw propagates).
 *  - Nested call (the connection is already in a transaction, of any kind): a SAVEPOINT, released on
 *    return and rolled back to on throw, exactly as `db.transaction` nests. So a service may wrap
 *    store methods that themselves use `writeTransaction`.
 *  - Build once, call many: the returned function may be kept (built in a constructor) and called
 *    with arguments; hot paths (the audit append) do that and pay nothing per call beyond BEGIN and
 *    COMMIT. Building one per call costs a few µs more (better-sqlite3 wraps four variants).
 *  - A read-only connection (`readonly: true`, as the export worker and the restore check open)
 *    gets a clear error when the function is called: SQLite would accept BEGIN IMMEDIATE there and
 *    the mistake would only surface at the first write.
 * Not guaranteed:
 *  - That the write lock is had at all: after busy_timeout (5 s by default) the call throws
 *    SQLITE_BUSY as any write would. Waiting is bounded, not endless.
 *  - Fairness: SQLite's busy handler sleeps and retries, so a writer that commits in a tight loop
 *    can keep another waiting for most of that loop (seen in write-transaction.test.ts).
 *  - Anything across an `await`: `fn` must be synchronous (a promise returned is an error).
 *  - A nested call begun inside a DEFERRED outer transaction does not upgrade it: the outer one
 *    decides. Every write transaction in product code goes through here, so that outer one is
 *    IMMEDIATE too.
 * Read-only transactions (pure reads that need one consistent snapshot across statements) may stay
 * DEFERRED: they never ask for the write lock, so they cannot meet SQLITE_BUSY_SNAPSHOT. They call
 * `db.transaction(...)` with an eslint-disable comment that says why (eslint.config.js forbids any
 * other `.transaction(` call in gateway-it/src, gateway-ot/src and shared/src).
 */
import { AirlockError } from '../errors.js';
import type { Db } from './open-database.js';

export function writeTransaction<A extends unknown[], R>(
  db: Db,
  fn: (...args: A) => R,
): (...args: A) => R {
  if (db.readonly)
    return () => {
      throw new AirlockError(
        'internal',
        'store.readonly_write',
        `a write transaction was started on a read-only connection to ${db.name}`,
      );
    };
  // eslint-disable-next-line no-restricted-syntax -- the primitive itself
  return db.transaction(fn).immediate;
}
