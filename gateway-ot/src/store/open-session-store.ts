/**
 * The sessions this gateway has started and not yet ended (table `open_sessions`): a row is written
 * with the `session.start` event and removed with the `session.end` event, each pair in one
 * transaction (`atomically`), so after a crash the rows left are exactly the sessions it cut. A row
 * also keeps the session's counters as last written (`saveCounts`, one prepared UPDATE), so the end
 * a crash leaves to recovery can say what the session did up to then.
 */
import type { Db } from '../../../shared/src/store/open-database.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

/** A broker's counters: names to non-negative integers (a Modbus session's `reads`, `writes`...). */
export type SessionCounts = Readonly<Record<string, number>>;

export interface OpenSessionRow {
  readonly sessionId: string;
  readonly grantId: string;
  readonly userName: string;
  readonly asset: string;
  readonly protocol: string;
  readonly startedAt: number;
}

export interface OpenSessionState extends OpenSessionRow {
  /** The counters as last written and when (ms); absent when none were written or the stored value does not parse. */
  readonly counts?: { readonly values: SessionCounts; readonly asOf: number };
}

interface Row {
  session_id: string;
  grant_id: string;
  user_name: string;
  asset: string;
  protocol: string;
  started_at: number;
  counts: string | null;
  counts_at: number | null;
}

export interface OpenSessionStore {
  insert(row: OpenSessionRow): void;
  /** Writes a session's counters as of `at`; false when there is no such row (the session ended). */
  saveCounts(sessionId: string, counts: SessionCounts, at: number): boolean;
  /** False when there was no such row. */
  remove(sessionId: string): boolean;
  list(): OpenSessionState[];
  /** Runs `fn` in one transaction (the audit log shares this database). */
  atomically<T>(fn: () => T): T;
}

/** The stored counts, if they are what `saveCounts` writes (an object of non-negative integers). */
function parseCounts(text: string): SessionCounts | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return undefined;
    out[k] = v;
  }
  return out;
}

function toState(r: Row): OpenSessionState {
  const base: OpenSessionRow = {
    sessionId: r.session_id,
    grantId: r.grant_id,
    userName: r.user_name,
    asset: r.asset,
    protocol: r.protocol,
    startedAt: r.started_at,
  };
  const values = r.counts === null ? undefined : parseCounts(r.counts);
  if (values === undefined || r.counts_at === null) return base;
  return { ...base, counts: { values, asOf: r.counts_at } };
}

export function createOpenSessionStore(db: Db): OpenSessionStore {
  const stmts = {
    insert: db.prepare(
      `INSERT INTO open_sessions (session_id, grant_id, user_name, asset, protocol, started_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    saveCounts: db.prepare(
      'UPDATE open_sessions SET counts = ?, counts_at = ? WHERE session_id = ?',
    ),
    remove: db.prepare('DELETE FROM open_sessions WHERE session_id = ?'),
    list: db.prepare<[], Row>('SELECT * FROM open_sessions ORDER BY started_at, session_id'),
  };
  return {
    insert: (r) =>
      void stmts.insert.run(r.sessionId, r.grantId, r.userName, r.asset, r.protocol, r.startedAt),
    saveCounts: (id, counts, at) =>
      stmts.saveCounts.run(JSON.stringify(counts), at, id).changes > 0,
    remove: (id) => stmts.remove.run(id).changes > 0,
    list: () => stmts.list.all().map(toState),
    atomically: (fn) => writeTransaction(db, fn)(),
  };
}
