/**
 * How the IT gateway's audit services (export, SIEM forwarding, search) read a hash-chained log:
 * the IT gateway's own, and each site's OT log as ingested by the link. Reads are paged (never one
 * long-lived SQLite iterator: better-sqlite3 refuses every other statement on the connection while
 * one is open, and the gateway must keep serving during a long export).
 *
 * `sqliteAuditChain` reads the shared audit schema (audit_events / audit_checkpoints); the IT log uses
 * it, and so can any ingest that keeps a site's OT events in the same shape. The link's ingest
 * implements `SiteEventSource` however it stores them.
 */
import type { AuditEvent, Checkpoint } from '../../../shared/src/audit/audit-event.js';
import { GENESIS_HASH } from '../../../shared/src/audit/audit-event.js';
import { rowToCheckpoint, rowToEvent } from '../../../shared/src/audit/audit-log.js';
import type { Db } from '../../../shared/src/store/open-database.js';

export interface ChainPoint {
  readonly seq: number;
  readonly hash: string;
}

/** One hash-chained log, read-only. Seqs are contiguous from 1; times are epoch ms. */
export interface AuditChain {
  /** Ed25519 key that signs this log's checkpoints (for the OT log: the site's, pinned at enrollment). */
  readonly publicKey: Uint8Array;
  /** The last event (seq 0 and the genesis hash when the log is empty). */
  head(): ChainPoint;
  /** Events with afterSeq < seq <= toSeq, ascending, at most `limit`. */
  page(afterSeq: number, toSeq: number, limit: number): readonly AuditEvent[];
  /** Signed checkpoints with fromSeq <= seq <= toSeq, ascending. */
  checkpoints(fromSeq: number, toSeq: number): readonly Checkpoint[];
  /** Lowest and highest seq of the events whose time lies in [from, to], or undefined when none does. */
  seqsInTime(from: number, to: number): { readonly first: number; readonly last: number } | undefined;
  /** Highest seq of an event with time < t (0 when none). */
  lastSeqBefore(t: number): number;
}

/** The OT side of the IT gateway's audit: implemented by the link's ingest (issue 3). */
export interface SiteEventSource {
  /** Sites whose OT events were ingested (for SIEM forwarding). */
  sites(): readonly string[];
  /** The site's OT log as ingested and chain-verified, or undefined when nothing was ingested yet. */
  otChain(site: string): AuditChain | undefined;
}

/** A source with no sites: the IT gateway before the link is wired in. */
export const noSiteEvents: SiteEventSource = { sites: () => [], otChain: () => undefined };

/** Iterates a chain's events afterSeq < seq <= toSeq in pages, yielding to the event loop between pages. */
export async function* chainEvents(chain: AuditChain, afterSeq: number, toSeq: number, pageSize = 2000): AsyncGenerator<AuditEvent> {
  let after = afterSeq;
  while (after < toSeq) {
    const page = chain.page(after, toSeq, pageSize);
    if (page.length === 0) return;
    for (const e of page) yield e;
    const last = page[page.length - 1];
    if (last === undefined || last.seq <= after) return;
    after = last.seq;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

type EventRow = Parameters<typeof rowToEvent>[0];
type CheckpointRow = Parameters<typeof rowToCheckpoint>[0];

/** An AuditChain over the shared audit schema in `db` (tables audit_events, audit_checkpoints). */
export function sqliteAuditChain(db: Db, publicKey: Uint8Array): AuditChain {
  const head = db.prepare<[], ChainPoint>('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
  const page = db.prepare<[number, number, number], EventRow>('SELECT * FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?');
  const cps = db.prepare<[number, number], CheckpointRow>('SELECT * FROM audit_checkpoints WHERE seq >= ? AND seq <= ? ORDER BY seq');
  const inTime = db.prepare<[number, number], { first: number | null; last: number | null }>('SELECT MIN(seq) AS first, MAX(seq) AS last FROM audit_events WHERE time >= ? AND time <= ?');
  const before = db.prepare<[number], { seq: number | null }>('SELECT MAX(seq) AS seq FROM audit_events WHERE time < ?');
  return {
    publicKey,
    head: () => head.get() ?? { seq: 0, hash: GENESIS_HASH },
    page: (afterSeq, toSeq, limit) => page.all(afterSeq, toSeq, limit).map(rowToEvent),
    checkpoints: (fromSeq, toSeq) => cps.all(fromSeq, toSeq).map(rowToCheckpoint),
    seqsInTime(from, to) {
      const r = inTime.get(from, to);
      return r === undefined || r.first === null || r.last === null ? undefined : { first: r.first, last: r.last };
    },
    lastSeqBefore: (t) => before.get(t)?.seq ?? 0,
  };
}
