/**
 * Rows of the recordings received from the sites (recording-migrations.ts), and the one question
 * asked of the ingested OT audit chains: what SHA-256 did the site's `recording.close` event give
 * for a session. The files themselves are the ingest service's business.
 */
import type { Db } from '../../../shared/src/store/open-database.js';

export const RECORDING_STATUSES = ['receiving', 'complete', 'verified', 'rejected'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

export interface RecordingRow {
  readonly sessionId: string;
  readonly site: string;
  readonly gatewayId: string;
  readonly asset: string;
  readonly userName: string;
  readonly startedAt: number;
  readonly heldBytes: number;
  readonly status: RecordingStatus;
  readonly size: number | null;
  readonly sha256: string | null;
  readonly problem: string | null;
  readonly firstChunkAt: number;
  readonly completedAt: number | null;
}

const COLUMNS = `session_id AS sessionId, site, gateway_id AS gatewayId, asset, user_name AS userName, started_at AS startedAt, held_bytes AS heldBytes,
  status, size, sha256, problem, first_chunk_at AS firstChunkAt, completed_at AS completedAt`;

export class RecordingStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      get: db.prepare<[string], RecordingRow>(
        `SELECT ${COLUMNS} FROM recordings WHERE session_id = ?`,
      ),
      // A session's recording belongs to a range when the session started by its end and the file was still being received (or completed) after its start.
      inRange: db.prepare<[string, number, number], RecordingRow>(
        `SELECT ${COLUMNS} FROM recordings WHERE site = ? AND started_at <= ? AND COALESCE(completed_at, started_at) >= ? ORDER BY started_at, session_id`,
      ),
      search: db.prepare<
        [{ site: string; q: string | null; status: string | null; limit: number }],
        RecordingRow
      >(
        `SELECT ${COLUMNS} FROM recordings WHERE site = @site
           AND (@q IS NULL OR instr(lower(user_name), @q) > 0 OR instr(lower(asset), @q) > 0 OR instr(lower(session_id), @q) > 0)
           AND (@status IS NULL OR status = @status)
         ORDER BY started_at DESC LIMIT @limit`,
      ),
      bySite: db.prepare<[string, number], RecordingRow>(
        `SELECT ${COLUMNS} FROM recordings WHERE site = ? ORDER BY started_at DESC LIMIT ?`,
      ),
      byStatus: db.prepare<[string], RecordingRow>(
        `SELECT ${COLUMNS} FROM recordings WHERE status = ?`,
      ),
      insert: db.prepare(
        `INSERT INTO recordings (session_id, site, gateway_id, asset, user_name, started_at, held_bytes, status, first_chunk_at)
         VALUES (@sessionId, @site, @gatewayId, @asset, @userName, @startedAt, 0, 'receiving', @now)`,
      ),
      setHeld: db.prepare<[number, string]>(
        'UPDATE recordings SET held_bytes = ? WHERE session_id = ?',
      ),
      finish: db.prepare<[string, number, string, string | null, number, string]>(
        'UPDATE recordings SET status = ?, size = ?, sha256 = ?, problem = ?, completed_at = ? WHERE session_id = ?',
      ),
      setStatus: db.prepare<[string, string | null, string]>(
        'UPDATE recordings SET status = ?, problem = ? WHERE session_id = ?',
      ),
      closeHash: db.prepare<[string, string], { hash: string | null }>(
        `SELECT json_extract(details, '$.sha256') AS hash FROM ot_audit_events
         WHERE site = ? AND action = 'recording.close' AND json_extract(details, '$.sessionId') = ? ORDER BY seq DESC LIMIT 1`,
      ),
    };
  }

  get(sessionId: string): RecordingRow | undefined {
    return this.stmts.get.get(sessionId);
  }

  listBySite(site: string, limit = 200): RecordingRow[] {
    return this.stmts.bySite.all(site, limit);
  }

  /**
   * The site's recordings, newest first, whose user, asset or session id contains `q` (any case)
   * and whose status is `status` (each filter only when given).
   */
  search(
    site: string,
    f: { readonly q?: string | undefined; readonly status?: RecordingStatus | undefined },
    limit = 200,
  ): RecordingRow[] {
    return this.stmts.search.all({
      site,
      q: f.q === undefined || f.q === '' ? null : f.q.toLowerCase(),
      status: f.status ?? null,
      limit,
    });
  }

  /** Recordings of sessions at `site` that overlap [from, to] (every status; the caller filters). */
  inRange(site: string, from: number, to: number): RecordingRow[] {
    return this.stmts.inRange.all(site, to, from);
  }

  withStatus(status: RecordingStatus): RecordingRow[] {
    return this.stmts.byStatus.all(status);
  }

  create(r: {
    sessionId: string;
    site: string;
    gatewayId: string;
    asset: string;
    userName: string;
    startedAt: number;
    now: number;
  }): void {
    this.stmts.insert.run(r);
  }

  setHeld(sessionId: string, bytes: number): void {
    this.stmts.setHeld.run(bytes, sessionId);
  }

  finish(
    sessionId: string,
    status: RecordingStatus,
    size: number,
    sha256: string,
    problem: string | null,
    now: number,
  ): void {
    this.stmts.finish.run(status, size, sha256, problem, now, sessionId);
  }

  setStatus(sessionId: string, status: RecordingStatus, problem: string | null): void {
    this.stmts.setStatus.run(status, problem, sessionId);
  }

  /** The SHA-256 the site's audit chain recorded when it closed the session's recording, if ingested. */
  auditedHash(site: string, sessionId: string): string | undefined {
    const h = this.stmts.closeHash.get(site, sessionId)?.hash;
    return typeof h === 'string' ? h : undefined;
  }
}
