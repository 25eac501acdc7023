/**
 * The owners subsystem: OT owners' passkeys, enrolled and kept at this gateway, and the check of
 * the owner-signed approvals a session ticket carries (owner-signed sites, docs/access.md).
 *
 * Guarantees: an owner's key is stored only after an OT-started enrollment whose registration
 * commits to the one-time code (owner-enrollment.ts); approvals count only when signed by a key
 * enrolled here over exactly the grant the ticket carries (owner-approvals.ts); counters are
 * persisted and never go back; enrollment, its refusals and removals are audited here.
 * Not here: the quorum and the verdict on the ticket (grants/), relaying (link/), the CLI (cli/).
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { SiteApprovals } from '../../../shared/src/model/site-approvals.js';
import type { OtStore, OwnerKeyRow } from '../store/store.js';
import { OwnerApprovalVerifier } from './owner-approvals.js';
import { OwnerEnrollment } from './owner-enrollment.js';

export { ENROLLMENT_CODE_TTL_MS, MAX_ENROLLMENT_FAILURES } from './owner-enrollment.js';
export type { EnrollmentRefusal, OwnerEnrollment } from './owner-enrollment.js';
export type { OwnerApprovalVerifier, OwnerSignatures } from './owner-approvals.js';

export interface OwnersDeps {
  readonly store: Pick<OtStore, 'db' | 'ownerKeys'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly site: string;
}

export interface Owners {
  readonly enrollment: OwnerEnrollment;
  readonly approvals: OwnerApprovalVerifier;
}

/**
 * What the link publishes of the site's approvals (shared/src/model/site-approvals.ts): the mode
 * and its limits from the local policy, and each enrolled owner's credential ids (never a key).
 */
export function publishedApprovals(
  policy: {
    readonly mode: SiteApprovals['mode'];
    readonly quorum?: number | undefined;
    readonly breakGlassAssets?: readonly string[] | undefined;
  },
  keys: readonly Pick<OwnerKeyRow, 'owner' | 'credentialId'>[],
): SiteApprovals {
  const byOwner = new Map<string, string[]>();
  for (const k of keys) byOwner.set(k.owner, [...(byOwner.get(k.owner) ?? []), k.credentialId]);
  return {
    mode: policy.mode,
    quorum: policy.quorum ?? null,
    breakGlassAssets: policy.breakGlassAssets === undefined ? null : [...policy.breakGlassAssets],
    owners: [...byOwner]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, ids]) => ({ name, credentialIds: ids.slice(0, 32) })),
  };
}

export function createOwners(deps: OwnersDeps): Owners {
  const { store, audit, clock, site } = deps;
  return {
    enrollment: new OwnerEnrollment({ db: store.db, keys: store.ownerKeys, audit, clock, site }),
    approvals: new OwnerApprovalVerifier({ keys: store.ownerKeys, clock }),
  };
}
