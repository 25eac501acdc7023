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
import {
  type AuditEvent,
  type Checkpoint,
  GENESIS_HASH,
} from '../../../shared/src/audit/audit-event.js';
import { rowToCheckpoint, rowToEvent } from '../../../shared/src/audit/audit-log.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { canonicalJson } from '../../../shared/src/crypto/canonical.js';
import { fromBase64Url } from '../../../shared/src/crypto/encoding.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';
import { eventRowOf, type EventRow } from '../../../shared/src/export/event-line-bytes.js';

export interface ChainPoint {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Where a chain over SQLite lives, so another thread can open its own read-only connection to the
 * same file and read the same chain (the export worker). Absent for in-memory databases.
 */
export type ChainLocator =
  | { readonly file: string; readonly log: 'it' }
  | { readonly file: string; readonly log: 'ingested'; readonly gatewayId: string };

/** One hash-chained log, read-only. Seqs are contiguous from 1; times are epoch ms. */
export interface AuditChain {
  /** Ed25519 key that signs this log's checkpoints (for the OT log: the site's, pinned at enrollment). */
  readonly publicKey: Uint8Array;
  /** Which chain this is when a site can have more than one over time (the OT gateway's id). */
  readonly id?: string;
  /** Set when the chain is in a database file another connection can open. */
  readonly locator?: ChainLocator;
  /** The last event (seq 0 and the genesis hash when the log is empty). */
  head(): ChainPoint;
  /** Events with afterSeq < seq <= toSeq, ascending, at most `limit`. */
  page(afterSeq: number, toSeq: number, limit: number): readonly AuditEvent[];
  /** Signed checkpoints with fromSeq <= seq <= toSeq, ascending. */
  checkpoints(fromSeq: number, toSeq: number): readonly Checkpoint[];
  /** Lowest and highest seq of the events whose time lies in [from, to], or undefined when none does. */
  seqsInTime(
    from: number,
    to: number,
  ): { readonly first: number; readonly last: number } | undefined;
  /** Highest seq of an event with time < t (0 when none). */
  lastSeqBefore(t: number): number;
  /**
   * Events whose target is `target` (a grant or request id), ascending, at most `limit`, whatever
   * their time: what the asset page needs about a session's grant when it was issued before the range.
   */
  withTarget(target: string, limit: number): readonly AuditEvent[];
  /**
   * As `page`, each event as a positional row with its details as the stored text instead of
   * parsed: what the export renders, without an object per event or parsing and re-encoding the
   * details (measured: most of an export's row cost). Only for chains whose stored details are their
   * canonical JSON (both SQLite chains: the log and the ingest write `canonicalJson(details)`).
   */
  pageRows?(afterSeq: number, toSeq: number, limit: number): readonly EventRow[];
}

/** An event with its details as canonical JSON text (`event.details` is not filled in). */
export interface EventText {
  readonly event: AuditEvent;
  readonly detailsJson: string;
}

/** `event.details` of an EventText: never read, since the text is at hand (frozen, so never filled). */
const UNPARSED: Readonly<Record<string, unknown>> = Object.freeze({});

/** The EventText of a row (`event.details` left unparsed). */
export function eventTextOf(r: EventRow): EventText {
  const [seq, id, time, actor, action, site, target, outcome, detailsJson, prevHash, hash] = r;
  return {
    event: {
      seq,
      id,
      time,
      actor,
      action,
      site,
      target,
      outcome: outcome as AuditEvent['outcome'],
      details: UNPARSED,
      prevHash,
      hash,
    },
    detailsJson,
  };
}

/** The OT side of the IT gateway's audit: implemented by the link's ingest (issue 3). */
export interface SiteEventSource {
  /** Sites whose OT events were ingested (for SIEM forwarding). */
  sites(): readonly string[];
  /** The site's OT log as ingested and chain-verified, or undefined when nothing was ingested yet. */
  otChain(site: string): AuditChain | undefined;
}

/**
 * A chain's events afterSeq < seq <= toSeq as rows, one page (an array) at a time, yielding to the
 * event loop between pages (the exporter's compressors call back on it): read as stored when the
 * chain offers `pageRows`, with the details encoded from the parsed value otherwise.
 */
export async function* chainEventRows(
  chain: AuditChain,
  afterSeq: number,
  toSeq: number,
  pageSize = 2000,
): AsyncGenerator<readonly EventRow[]> {
  let after = afterSeq;
  while (after < toSeq) {
    const page =
      chain.pageRows === undefined
        ? chain.page(after, toSeq, pageSize).map((e) => eventRowOf(e, canonicalJson(e.details)))
        : chain.pageRows(after, toSeq, pageSize);
    if (page.length === 0) return;
    yield page;
    const last = page[page.length - 1];
    if (last === undefined || last[0] <= after) return;
    after = last[0];
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** As `chainEvents`, with each event's canonical details text (see chainEventRows). */
export async function* chainEventTexts(
  chain: AuditChain,
  afterSeq: number,
  toSeq: number,
  pageSize = 5000,
): AsyncGenerator<EventText> {
  for await (const page of chainEventRows(chain, afterSeq, toSeq, pageSize))
    for (const r of page) yield eventTextOf(r);
}

/** Iterates a chain's events afterSeq < seq <= toSeq in pages, yielding to the event loop between pages. */
export async function* chainEvents(
  chain: AuditChain,
  afterSeq: number,
  toSeq: number,
  pageSize = 2000,
): AsyncGenerator<AuditEvent> {
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

type StoredRow = Parameters<typeof rowToEvent>[0];
type CheckpointRow = Parameters<typeof rowToCheckpoint>[0];

/** Where a chain lives: the shared audit schema (the IT log), or one OT gateway's ingested chain. */
interface ChainTables {
  readonly events: string;
  readonly checkpoints: string;
  /** Column list producing a StoredRow. */
  readonly columns: string;
  /** The column holding an event's own `site`. */
  readonly siteColumn: string;
  /** `gateway_id = ? AND ` or empty. */
  readonly scope: string;
  readonly scopeArgs: readonly string[];
}

function chainOver(
  db: Db,
  publicKey: Uint8Array,
  t: ChainTables,
  locator: ChainLocator | undefined,
  id?: string,
): AuditChain {
  const a = t.scopeArgs;
  const head = db.prepare<unknown[], ChainPoint>(
    `SELECT seq, hash FROM ${t.events} WHERE ${t.scope} 1 ORDER BY seq DESC LIMIT 1`,
  );
  const page = db.prepare<unknown[], StoredRow>(
    `SELECT ${t.columns} FROM ${t.events} WHERE ${t.scope} seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
  );
  const cps = db.prepare<unknown[], CheckpointRow>(
    `SELECT seq, hash, time, signature, public_key FROM ${t.checkpoints} WHERE ${t.scope} seq >= ? AND seq <= ? ORDER BY seq`,
  );
  const inTime = db.prepare<unknown[], { first: number | null; last: number | null }>(
    `SELECT MIN(seq) AS first, MAX(seq) AS last FROM ${t.events} WHERE ${t.scope} time >= ? AND time <= ?`,
  );
  const before = db.prepare<unknown[], { seq: number | null }>(
    `SELECT MAX(seq) AS seq FROM ${t.events} WHERE ${t.scope} time < ?`,
  );
  // Positional rows (no object per row), the columns in EventRow's order.
  const pageRaw = db
    .prepare<unknown[], EventRow>(
      `SELECT ${RAW_COLUMNS(t.siteColumn)} FROM ${t.events} WHERE ${t.scope} seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
    )
    .raw(true);
  const onTarget = db.prepare<unknown[], StoredRow>(
    `SELECT ${t.columns} FROM ${t.events} WHERE ${t.scope} target = ? ORDER BY seq LIMIT ?`,
  );
  return {
    publicKey,
    ...omitUndefined({ id, locator }),
    head: () => head.get(...a) ?? { seq: 0, hash: GENESIS_HASH },
    page: (afterSeq, toSeq, limit) => page.all(...a, afterSeq, toSeq, limit).map(rowToEvent),
    checkpoints: (fromSeq, toSeq) => cps.all(...a, fromSeq, toSeq).map(rowToCheckpoint),
    seqsInTime(from, to) {
      const r = inTime.get(...a, from, to);
      return r === undefined || r.first === null || r.last === null
        ? undefined
        : { first: r.first, last: r.last };
    },
    lastSeqBefore: (t0) => before.get(...a, t0)?.seq ?? 0,
    withTarget: (target, limit) => onTarget.all(...a, target, limit).map(rowToEvent),
    pageRows: (afterSeq, toSeq, limit) =>
      pageRaw.all(...a, afterSeq, toSeq, limit) as unknown as EventRow[],
  };
}

// The columns in EventRow's order.
const RAW_COLUMNS = (site: string): string =>
  `seq, id, time, actor, action, ${site}, target, outcome, details, prev_hash, hash`;

/** An AuditChain over the shared audit schema in `db` (tables audit_events, audit_checkpoints): the IT log. */
export function sqliteAuditChain(db: Db, publicKey: Uint8Array): AuditChain {
  return chainOver(
    db,
    publicKey,
    {
      events: 'audit_events',
      checkpoints: 'audit_checkpoints',
      columns: '*',
      siteColumn: 'site',
      scope: '',
      scopeArgs: [],
    },
    db.memory ? undefined : { file: db.name, log: 'it' },
  );
}

/** One OT gateway's chain as the link ingested it (tables ot_audit_events, ot_audit_checkpoints, link migration 2). */
export function ingestedAuditChain(db: Db, gatewayId: string, publicKey: Uint8Array): AuditChain {
  return chainOver(
    db,
    publicKey,
    {
      events: 'ot_audit_events',
      checkpoints: 'ot_audit_checkpoints',
      columns:
        'seq, id, time, actor, action, event_site AS site, target, outcome, details, prev_hash, hash',
      siteColumn: 'event_site',
      scope: 'gateway_id = ? AND',
      scopeArgs: [gatewayId],
    },
    db.memory ? undefined : { file: db.name, log: 'ingested', gatewayId },
    gatewayId,
  );
}

/** The chain `locator` names, read through `db` (a connection to `locator.file`). */
export function chainAt(db: Db, locator: ChainLocator, publicKey: Uint8Array): AuditChain {
  return locator.log === 'it'
    ? sqliteAuditChain(db, publicKey)
    : ingestedAuditChain(db, locator.gatewayId, publicKey);
}

/** A site's gateway as far as its audit chain is concerned. */
export interface SiteGatewayKey {
  readonly id: string;
  /** base64url Ed25519 identity key (signs the gateway's checkpoints). */
  readonly publicKey: string;
}

/**
 * The SiteEventSource over the link's ingest: a site's chain is that of its latest enrolled OT
 * gateway (`latest`: SiteGatewayStore.latest). Chains of gateways the site had before a
 * re-enrollment are not offered (they are separate chains; see docs/audit.md).
 */
export function ingestedSiteEvents(
  db: Db,
  latest: (site: string) => SiteGatewayKey | undefined,
): SiteEventSource {
  const sitesStmt = db.prepare<[], { site: string }>(
    'SELECT DISTINCT site FROM ot_audit_events ORDER BY site',
  );
  return {
    sites: () => sitesStmt.all().map((r) => r.site),
    otChain(site) {
      const g = latest(site);
      if (g === undefined) return undefined;
      const key = fromBase64Url(g.publicKey, 32);
      return key.ok ? ingestedAuditChain(db, g.id, key.value) : undefined;
    },
  };
}
