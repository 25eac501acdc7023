/**
 * The store subsystem: the OT gateway's one SQLite database (WAL, numbered migrations, prepared
 * statements) and every table in it but the audit log's own: gateway state (enrollment, lockdown
 * switches, the audit outbox cursor), seen ticket nonces, sealed vault secrets, recording rows,
 * the sessions open now, OT owners' passkeys, learn mode and discovery proposals.
 *
 * Guarantees: the schema is migrated before anything reads it; a state value is parsed with its
 * reader's schema, so a row edited into something invalid is reported, never used. The audit log
 * (shared/src/audit/) lives in the same database, so a change and its audit event commit in one
 * transaction (`writeTransaction`, begun IMMEDIATE). Not here: sealing (the vault seals before it
 * stores), recording files (recording/), and what any value means.
 */
import type { Db } from '../../../shared/src/store/open-database.js';
import { createDiscoveryStore, type DiscoveryStore } from './discovery-store.js';
import { createEnrollmentStore, type EnrollmentStore } from './enrollment-store.js';
import { GatewayStateStore } from './gateway-state-store.js';
import { openOtDatabase } from './ot-database.js';
import { createOpenSessionStore, type OpenSessionStore } from './open-session-store.js';
import { createOwnerKeyStore, type OwnerKeyStore } from './owner-key-store.js';
import { createLearningStore, type LearningStore } from './learning-store.js';
import { createLearningReviewStore, type LearningReviewStore } from './learning-review-store.js';
import { createRecordingStore, type RecordingStore } from './recording-store.js';
import { TicketNonceStore } from './ticket-nonce-store.js';
import { createVaultStore, type VaultStore } from './vault-store.js';

export { OT_MIGRATIONS } from './ot-migrations.js';
export type {
  DiscoveryStore,
  NewProposal,
  ProposalRow as DiscoveredAssetRow,
} from './discovery-store.js';
export type { EnrollmentRecord, EnrollmentStore } from './enrollment-store.js';
export type {
  OpenSessionRow,
  OpenSessionState,
  OpenSessionStore,
  SessionCounts,
} from './open-session-store.js';
export type { GatewayStateStore } from './gateway-state-store.js';
export type { OwnerKeyRow, OwnerKeyStore, PendingOwnerEnrollment } from './owner-key-store.js';
export type {
  LearnedOperationRow,
  LearningStore,
  ProposalRow as PolicyProposalRow,
} from './learning-store.js';
export type {
  LearningReviewStore,
  ProfileLearningRow,
  ProposalReviewRow,
} from './learning-review-store.js';
export type { RecordingRow, RecordingState, RecordingStore } from './recording-store.js';
export type { TicketNonceStore } from './ticket-nonce-store.js';
export type { PendingState, SealedSecretRow, SecretKind, VaultStore } from './vault-store.js';

export interface OtStoreDeps {
  /** The gateway's data folder (the database is `ot.db` in it), or `:memory:` for tests. */
  readonly dataDir: string;
}

export interface OtStore {
  /** For transactions spanning a store and the audit log, and for the audit log itself. */
  readonly db: Db;
  readonly state: GatewayStateStore;
  readonly enrollment: EnrollmentStore;
  readonly nonces: TicketNonceStore;
  readonly vault: VaultStore;
  readonly recordings: RecordingStore;
  /** Sessions started and not yet ended (what a crash cut). */
  readonly openSessions: OpenSessionStore;
  /** OT owners' passkeys and pending enrollments (owner-signed approvals). */
  readonly ownerKeys: OwnerKeyStore;
  /** Learn mode: windows, learned operations, proposals. */
  readonly learning: LearningStore;
  /** What was reviewed with each proposal, and the per-profile view the link publishes. */
  readonly learningReview: LearningReviewStore;
  /** Discovery runs and the assets they propose (discovery/). */
  readonly discovery: DiscoveryStore;
  close(): void;
}

export function createStore(deps: OtStoreDeps): OtStore {
  const db = openOtDatabase(deps.dataDir);
  const state = new GatewayStateStore(db);
  return {
    db,
    state,
    enrollment: createEnrollmentStore(db, state),
    nonces: new TicketNonceStore(db),
    vault: createVaultStore(db),
    recordings: createRecordingStore(db),
    openSessions: createOpenSessionStore(db),
    ownerKeys: createOwnerKeyStore(db),
    learning: createLearningStore(db),
    learningReview: createLearningReviewStore(db),
    discovery: createDiscoveryStore(db),
    close: () => db.close(),
  };
}
