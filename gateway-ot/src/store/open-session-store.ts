/**
 * The sessions this gateway has started and not yet ended (table `open_sessions`): a row is written
 * with the `session.start` event and removed with the `session.end` event, each pair in one
 * transaction (`atomically`), so after a crash the rows left are exactly the sessions it cut.
 */
import type { Db } from '../../../shared/src/store/open-database.js';

export interface OpenSessionRow {
  readonly sessionId: string;
  readonly grantId: string;
  readonly userName: string;
  readonly asset: string;
  readonly protocol: string;
  readonly startedAt: number;
}

interface Row {
  session_id: string;
  grant_id: string;
  user_name: string;
  asset: string;
  protocol: string;
  started_at: number;
}

export interface OpenSessionStore {
  insert(row: OpenSessionRow): void;
  /** False when there was no such row. */
  remove(sessionId: string): boolean;
  list(): OpenSessionRow[];
  /** Runs `fn` in one transaction (the audit log shares this database). */
  atomically<T>(fn: () => T): T;
}

export function createOpenSessionStore(db: Db): OpenSessionStore {
  const stmts = {
    insert: db.prepare(
      `INSERT INTO open_sessions (session_id, grant_id, user_name, asset, protocol, started_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    remove: db.prepare('DELETE FROM open_sessions WHERE session_id = ?'),
    list: db.prepare<[], Row>('SELECT * FROM open_sessions ORDER BY started_at, session_id'),
  };
  return {
    insert: (r) =>
      void stmts.insert.run(r.sessionId, r.grantId, r.userName, r.asset, r.protocol, r.startedAt),
    remove: (id) => stmts.remove.run(id).changes > 0,
    list: () =>
      stmts.list.all().map((r) => ({
        sessionId: r.session_id,
        grantId: r.grant_id,
        userName: r.user_name,
        asset: r.asset,
        protocol: r.protocol,
        startedAt: r.started_at,
      })),
    atomically: (fn) => db.transaction(fn)(),
  };
}
