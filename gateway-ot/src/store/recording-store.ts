/** SQL for the recordings table: metadata only; the recording itself is a file. */
import type { Db } from '../../../shared/src/store/open-database.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export type RecordingState = 'open' | 'closed' | 'recovered';

export interface RecordingRow {
  readonly id: string;
  readonly sessionId: string;
  readonly asset: string;
  readonly user: string;
  readonly file: string;
  readonly state: RecordingState;
  readonly startedAt: number;
  readonly closedAt: number | null;
  readonly sha256: string | null;
  readonly bytes: number | null;
  readonly ackedAt: number | null;
}

interface Row {
  id: string;
  session_id: string;
  asset: string;
  user_name: string;
  file: string;
  state: string;
  started_at: number;
  closed_at: number | null;
  sha256: string | null;
  bytes: number | null;
  acked_at: number | null;
}

const toRow = (r: Row): RecordingRow => ({
  id: r.id,
  sessionId: r.session_id,
  asset: r.asset,
  user: r.user_name,
  file: r.file,
  state: r.state === 'closed' || r.state === 'recovered' ? r.state : 'open',
  startedAt: r.started_at,
  closedAt: r.closed_at,
  sha256: r.sha256,
  bytes: r.bytes,
  ackedAt: r.acked_at,
});

export interface RecordingStore {
  insert(r: {
    id: string;
    sessionId: string;
    asset: string;
    user: string;
    file: string;
    startedAt: number;
  }): void;
  close(
    id: string,
    state: 'closed' | 'recovered',
    closedAt: number,
    sha256: string,
    bytes: number,
  ): void;
  get(id: string): RecordingRow | undefined;
  listOpen(): RecordingRow[];
  listUnacked(limit: number): RecordingRow[];
  ack(id: string, at: number): boolean;
  /** Runs fn in one write transaction (writeTransaction: begun IMMEDIATE; nests as a savepoint). */
  atomically<T>(fn: () => T): T;
}

/**
 * The closed recordings the IT side has not acknowledged, oldest first. Its WHERE clause must keep
 * implying the partial index `recordings_to_ship` (recording migration 2): it runs on every pump.
 */
export const UNACKED_SQL =
  "SELECT * FROM recordings WHERE acked_at IS NULL AND state <> 'open' ORDER BY closed_at LIMIT ?";

export function createRecordingStore(db: Db): RecordingStore {
  const s = {
    insert: db.prepare(
      "INSERT INTO recordings (id, session_id, asset, user_name, file, state, started_at) VALUES (?, ?, ?, ?, ?, 'open', ?)",
    ),
    close: db.prepare(
      "UPDATE recordings SET state = ?, closed_at = ?, sha256 = ?, bytes = ? WHERE id = ? AND state = 'open'",
    ),
    get: db.prepare<[string], Row>('SELECT * FROM recordings WHERE id = ?'),
    open: db.prepare<[], Row>("SELECT * FROM recordings WHERE state = 'open' ORDER BY started_at"),
    unacked: db.prepare<[number], Row>(UNACKED_SQL),
    ack: db.prepare(
      "UPDATE recordings SET acked_at = ? WHERE id = ? AND state <> 'open' AND acked_at IS NULL",
    ),
  };
  return {
    insert: (r) => void s.insert.run(r.id, r.sessionId, r.asset, r.user, r.file, r.startedAt),
    close: (id, state, closedAt, sha256, bytes) =>
      void s.close.run(state, closedAt, sha256, bytes, id),
    get: (id) => {
      const r = s.get.get(id);
      return r === undefined ? undefined : toRow(r);
    },
    listOpen: () => s.open.all().map(toRow),
    listUnacked: (limit) => s.unacked.all(limit).map(toRow),
    ack: (id, at) => s.ack.run(at, id).changes === 1,
    atomically: (fn) => writeTransaction(db, fn)(),
  };
}
