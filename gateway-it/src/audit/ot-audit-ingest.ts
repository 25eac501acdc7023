/**
 * Store-and-forward, IT end: ingests batches of an OT gateway's audit events into the IT gateway's
 * copy of that gateway's chain. Guarantees:
 *  - idempotent: events at or below the stored head are recognised (same hash) and skipped, so a
 *    batch re-sent after a lost acknowledgement adds nothing; a different event at a stored position
 *    is a fork and is refused;
 *  - no gaps, no reordering, no tampering: the new events must continue the stored chain exactly
 *    (verifyChain anchored at the stored head) and match every checkpoint signed by the gateway's
 *    enrolled identity key;
 *  - all or nothing: a batch that fails is not ingested at all and is audited (`link.ingest_fail`);
 *    an ingested batch commits together with its `link.ingest` event.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import {
  checkpointSigningInput,
  type AuditEvent,
  type Checkpoint,
} from '../../../shared/src/audit/audit-event.js';
import { verifyChain, type ChainProblemKind } from '../../../shared/src/audit/verify-chain.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { fromBase64Url } from '../../../shared/src/crypto/encoding.js';
import { verifyObject } from '../../../shared/src/crypto/signing.js';
import type { OtAuditStore } from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface IngestSource {
  readonly gatewayId: string;
  readonly site: string;
  /** The gateway's enrolled identity key: the only key its checkpoints may be signed with. */
  readonly publicKey: Uint8Array;
}

export type IngestProblemKind = ChainProblemKind | 'fork';

export type IngestOutcome =
  | {
      readonly ok: true;
      readonly head: { seq: number; hash: string };
      readonly ingested: number;
      readonly duplicates: number;
    }
  | {
      readonly ok: false;
      readonly head: { seq: number; hash: string };
      readonly problem: IngestProblemKind;
      readonly seq: number;
      readonly message: string;
    };

export interface OtAuditIngestDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly store: OtAuditStore;
  readonly clock: Clock;
  /** Told of each batch's new events once committed (OT alerts); must not throw (the batch is already ingested). */
  readonly onIngested: (site: string, events: readonly AuditEvent[]) => void;
}

export class OtAuditIngest {
  constructor(private readonly deps: OtAuditIngestDeps) {}

  head(gatewayId: string): { seq: number; hash: string } {
    return this.deps.store.head(gatewayId);
  }

  ingest(
    source: IngestSource,
    events: readonly AuditEvent[],
    checkpoints: readonly Checkpoint[],
  ): IngestOutcome {
    const { deps } = this;
    const head = deps.store.head(source.gatewayId);
    const fail = (problem: IngestProblemKind, seq: number, message: string): IngestOutcome => {
      deps.audit.append({
        action: 'link.ingest_fail',
        actor: 'system:link',
        site: source.site,
        target: source.gatewayId,
        outcome: 'failure',
        details: {
          gatewayId: source.gatewayId,
          problem,
          seq,
          message,
          storedHead: head.seq,
          batchFirst: events[0]?.seq ?? null,
          batchLast: events.at(-1)?.seq ?? null,
        },
      });
      return { ok: false, head, problem, seq, message };
    };

    let duplicates = 0;
    for (const e of events) {
      if (e.seq > head.seq) break;
      if (deps.store.hashAt(source.gatewayId, e.seq) !== e.hash)
        return fail(
          'fork',
          e.seq,
          `event ${e.seq} differs from the one already ingested: the gateway's chain forked`,
        );
      duplicates++;
    }
    const fresh = events.slice(duplicates);
    if (fresh.some((e) => e.seq <= head.seq))
      return fail(
        'out_of_order',
        head.seq,
        'events below the ingested head arrived after newer ones',
      );

    // Checkpoints over already ingested events: check them against what is stored.
    const older = checkpoints.filter(
      (c) => c.seq <= head.seq && !deps.store.hasCheckpoint(source.gatewayId, c.seq),
    );
    for (const c of older) {
      const sig = fromBase64Url(c.signature, 64);
      if (!sig.ok || !verifyObject(sig.value, checkpointSigningInput(c), source.publicKey))
        return fail(
          'bad_checkpoint',
          c.seq,
          `checkpoint at event ${c.seq} is not signed by the enrolled gateway key`,
        );
      if (deps.store.hashAt(source.gatewayId, c.seq) !== c.hash)
        return fail(
          'checkpoint_mismatch',
          c.seq,
          `checkpoint at event ${c.seq} does not match the ingested chain`,
        );
    }
    const newer = checkpoints.filter((c) => c.seq > head.seq);
    const v = verifyChain(fresh, newer, { publicKey: source.publicKey, anchor: head });
    if (!v.ok && v.problem !== undefined)
      return fail(v.problem.kind, v.problem.seq, v.problem.message);
    if (fresh.length === 0 && older.length === 0)
      return { ok: true, head, ingested: 0, duplicates };

    const newHead = fresh.length === 0 ? head : { seq: v.lastSeq ?? head.seq, hash: v.headHash };
    writeTransaction(deps.db, () => {
      deps.store.insert(
        source.gatewayId,
        source.site,
        fresh,
        [...older, ...newer],
        deps.clock.now(),
      );
      deps.audit.append({
        action: 'link.ingest',
        actor: 'system:link',
        site: source.site,
        target: source.gatewayId,
        outcome: 'success',
        details: {
          gatewayId: source.gatewayId,
          fromSeq: fresh[0]?.seq ?? null,
          toSeq: fresh.at(-1)?.seq ?? null,
          events: fresh.length,
          duplicates,
          checkpoints: older.length + v.checkpointsVerified,
          headHash: newHead.hash,
        },
      });
    })();
    if (fresh.length > 0) deps.onIngested(source.site, fresh);
    return { ok: true, head: newHead, ingested: fresh.length, duplicates };
  }
}
