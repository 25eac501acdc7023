/**
 * The IT gateway's copy of each OT gateway's audit chain, stored exactly as signed (keyed by
 * gateway and sequence number; the database refuses updates and deletes). The ingest service
 * verifies before it inserts; this store only keeps rows and answers reads.
 */
import type { Db } from '../../../shared/src/store/open-database.js';
import { rowToCheckpoint, rowToEvent } from '../../../shared/src/audit/audit-log.js';
import { canonicalJson } from '../../../shared/src/crypto/canonical.js';
import {
  GENESIS_HASH,
  type AuditEvent,
  type Checkpoint,
} from '../../../shared/src/audit/audit-event.js';

type EventRow = Parameters<typeof rowToEvent>[0];
type CheckpointRow = Parameters<typeof rowToCheckpoint>[0];

const EVENT_COLUMNS =
  'seq, id, time, actor, action, event_site AS site, target, outcome, details, prev_hash, hash';

export interface GrantActivity {
  readonly action: string;
  readonly outcome: string;
  readonly n: number;
  readonly first: number;
  readonly last: number;
}

export class OtAuditStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      head: db.prepare<[string], { seq: number; hash: string }>(
        'SELECT seq, hash FROM ot_audit_events WHERE gateway_id = ? ORDER BY seq DESC LIMIT 1',
      ),
      hashAt: db.prepare<[string, number], { hash: string }>(
        'SELECT hash FROM ot_audit_events WHERE gateway_id = ? AND seq = ?',
      ),
      insert: db.prepare(
        `INSERT INTO ot_audit_events (gateway_id, site, seq, id, time, actor, action, event_site, target, outcome, details, prev_hash, hash, received_at)
         VALUES (@gatewayId, @source, @seq, @id, @time, @actor, @action, @site, @target, @outcome, @details, @prevHash, @hash, @receivedAt)`,
      ),
      hasCheckpoint: db.prepare<[string, number], { seq: number }>(
        'SELECT seq FROM ot_audit_checkpoints WHERE gateway_id = ? AND seq = ?',
      ),
      insertCheckpoint: db.prepare(
        'INSERT OR IGNORE INTO ot_audit_checkpoints (gateway_id, seq, hash, time, signature, public_key) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      events: db.prepare<[string, number, number], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM ot_audit_events WHERE gateway_id = ? AND seq > ? AND seq <= ? ORDER BY seq`,
      ),
      checkpoints: db.prepare<[string], CheckpointRow>(
        'SELECT seq, hash, time, signature, public_key FROM ot_audit_checkpoints WHERE gateway_id = ? ORDER BY seq',
      ),
      grantActivity: db.prepare<
        [string, string],
        { action: string; outcome: string; n: number; first: number; last: number }
      >(
        `SELECT action, outcome, count(*) AS n, min(time) AS first, max(time) AS last FROM ot_audit_events
         WHERE site = ? AND json_extract(details, '$.grantId') = ? GROUP BY action, outcome`,
      ),
      countBySite: db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM ot_audit_events WHERE site = ?',
      ),
    };
  }

  /** The last ingested event of this gateway's chain, or seq 0 and the genesis hash. */
  head(gatewayId: string): { seq: number; hash: string } {
    return this.stmts.head.get(gatewayId) ?? { seq: 0, hash: GENESIS_HASH };
  }

  hashAt(gatewayId: string, seq: number): string | undefined {
    return this.stmts.hashAt.get(gatewayId, seq)?.hash;
  }

  hasCheckpoint(gatewayId: string, seq: number): boolean {
    return this.stmts.hasCheckpoint.get(gatewayId, seq) !== undefined;
  }

  insert(
    gatewayId: string,
    site: string,
    events: readonly AuditEvent[],
    checkpoints: readonly Checkpoint[],
    receivedAt: number,
  ): void {
    for (const e of events) {
      this.stmts.insert.run({
        ...e,
        gatewayId,
        source: site,
        details: canonicalJson(e.details),
        receivedAt,
      });
    }
    for (const c of checkpoints)
      this.stmts.insertCheckpoint.run(gatewayId, c.seq, c.hash, c.time, c.signature, c.publicKey);
  }

  /** Streams the gateway's events with fromSeq < seq <= toSeq, in order. */
  *events(
    gatewayId: string,
    fromSeq = 0,
    toSeq = Number.MAX_SAFE_INTEGER,
  ): IterableIterator<AuditEvent> {
    for (const r of this.stmts.events.iterate(gatewayId, fromSeq, toSeq)) yield rowToEvent(r);
  }

  checkpoints(gatewayId: string): Checkpoint[] {
    return this.stmts.checkpoints.all(gatewayId).map(rowToCheckpoint);
  }

  /** What the site recorded under a grant so far (ingested events), counted by action and outcome. */
  grantActivity(site: string, grantId: string): GrantActivity[] {
    return this.stmts.grantActivity.all(site, grantId);
  }

  countForSite(site: string): number {
    return this.stmts.countBySite.get(site)?.n ?? 0;
  }
}
