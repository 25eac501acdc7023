/**
 * The audit subsystem, OT end: the site's own hash-chained audit log (the authority for its site;
 * shared/src/audit/ keeps it) with its checkpoints signed by this gateway's identity key, and the
 * outbox that ships it to the IT side.
 *
 * Guarantees: an acknowledged `append` is committed (no audit, no action: callers act only after
 * it returns); events are never copied or deleted to be shipped, only a cursor of what the IT side
 * acknowledged is kept, so a link outage of any length loses nothing; shipping stops, reported,
 * when the IT side holds a chain this gateway did not write. Not here: carrying batches (link/),
 * and verifying the chain (the IT side's ingest and the auditor's export verify it).
 */
import { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { SigningKeyPair } from '../../../shared/src/crypto/signing.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { OtStore } from '../store/store.js';
import { AuditOutbox } from './audit-outbox.js';

export type { AuditOutbox, ResumeOutcome } from './audit-outbox.js';

export interface OtAuditDeps {
  readonly store: Pick<OtStore, 'db' | 'state'>;
  /** Signs the chain's checkpoints: the gateway's identity. */
  readonly identity: SigningKeyPair;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly checkpointEvery: number;
  /** 0: no timed checkpoints (only every `checkpointEvery` events and at close). */
  readonly checkpointIntervalMs: number;
}

export interface OtAudit {
  readonly log: AuditLog;
  readonly outbox: AuditOutbox;
}

export function createAudit(deps: OtAuditDeps): OtAudit {
  const log = new AuditLog({
    db: deps.store.db,
    clock: deps.clock,
    ids: deps.ids,
    signingKey: deps.identity,
    checkpointEvery: deps.checkpointEvery,
    checkpointIntervalMs: deps.checkpointIntervalMs,
  });
  return {
    log,
    outbox: new AuditOutbox({ audit: log, state: deps.store.state, clock: deps.clock }),
  };
}
