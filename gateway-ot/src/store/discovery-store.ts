/**
 * Discovery runs and proposals (tables `discovery_runs`, `discovery_proposals`). A finding is
 * stored as JSON and parsed again with its schema when read, so a row edited into something
 * invalid is reported as garbage, never onboarded. `markOnboarded` only moves a `proposed` row.
 */
import {
  findingSchema,
  type DiscoveryProtocol,
  type Finding,
  type PublishedProposal,
} from '../../../shared/src/model/discovery.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export type ProposalRow = PublishedProposal & { readonly runId: string };

interface Row {
  id: string;
  run_id: string;
  protocol: string;
  address: string;
  port: number;
  state: string;
  found_at: number;
  finding: string | null;
  seen: string | null;
  asset: string | null;
}

export interface NewProposal {
  readonly id: string;
  readonly runId: string;
  readonly protocol: DiscoveryProtocol;
  readonly address: string;
  readonly port: number;
  readonly foundAt: number;
  readonly finding?: Finding;
  readonly seen?: string;
}

export interface DiscoveryStore {
  startRun(id: string, actor: string, at: number, plan: unknown): void;
  finishRun(id: string, at: number, counts: unknown): void;
  addProposal(p: NewProposal): void;
  get(id: string): ProposalRow | undefined;
  /** Newest first, at most `limit`. */
  list(limit: number): ProposalRow[];
  /** False when the proposal is not (any more) `proposed`. */
  markOnboarded(id: string, asset: string, at: number): boolean;
  atomically<T>(fn: () => T): T;
}

function parseFinding(text: string | null): Finding | undefined {
  if (text === null) return undefined;
  try {
    const r = findingSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

function fromRow(r: Row): ProposalRow {
  const finding = parseFinding(r.finding);
  const protocol = r.protocol === 'ssh' || r.protocol === 'modbus' ? r.protocol : 'opcua';
  const clean = finding !== undefined && finding.protocol === protocol;
  const state =
    r.state === 'onboarded'
      ? 'onboarded'
      : r.state === 'proposed' && clean
        ? 'proposed'
        : 'garbage';
  return {
    id: r.id,
    runId: r.run_id,
    protocol,
    address: r.address,
    port: r.port,
    state,
    foundAt: r.found_at,
    ...(clean ? { finding } : {}),
    ...(r.seen !== null
      ? { seen: r.seen }
      : clean || state === 'onboarded'
        ? {}
        : { seen: 'stored finding does not parse' }),
    ...(r.asset !== null ? { asset: r.asset } : {}),
  };
}

export function createDiscoveryStore(db: Db): DiscoveryStore {
  const startRun = db.prepare(
    'INSERT INTO discovery_runs (id, actor, started_at, plan) VALUES (?, ?, ?, ?)',
  );
  const finishRun = db.prepare(
    'UPDATE discovery_runs SET finished_at = ?, counts = ? WHERE id = ?',
  );
  const insert = db.prepare(
    `INSERT INTO discovery_proposals (id, run_id, protocol, address, port, state, found_at, finding, seen)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const get = db.prepare<[string], Row>('SELECT * FROM discovery_proposals WHERE id = ?');
  const list = db.prepare<[number], Row>(
    'SELECT * FROM discovery_proposals ORDER BY found_at DESC, id LIMIT ?',
  );
  const onboard = db.prepare(
    `UPDATE discovery_proposals SET state = 'onboarded', asset = ?, onboarded_at = ?
     WHERE id = ? AND state = 'proposed'`,
  );
  return {
    startRun: (id, actor, at, plan) => void startRun.run(id, actor, at, JSON.stringify(plan)),
    finishRun: (id, at, counts) => void finishRun.run(at, JSON.stringify(counts), id),
    addProposal: (p) =>
      void insert.run(
        p.id,
        p.runId,
        p.protocol,
        p.address,
        p.port,
        p.finding !== undefined ? 'proposed' : 'garbage',
        p.foundAt,
        p.finding !== undefined ? JSON.stringify(p.finding) : null,
        p.seen ?? null,
      ),
    get(id) {
      const r = get.get(id);
      return r === undefined ? undefined : fromRow(r);
    },
    list: (limit) => list.all(limit).map(fromRow),
    markOnboarded: (id, asset, at) => onboard.run(asset, at, id).changes === 1,
    atomically: (fn) => writeTransaction(db, fn)(),
  };
}
