/**
 * Keeps each site's approval mode and enrolled owners as its OT gateway last published them with
 * its catalogue (shared/src/model/site-approvals.ts), for the portal: whether approving there needs
 * the owner's passkey, and which credential ids to ask the browser for. Stored only when it
 * changed, with its `site.approvals` audit event. A site that publishes nothing is an older OT
 * gateway, which only has `it-signed`.
 * Not a security boundary: the OT gateway enforces its own policy whatever is stored here; a wrong
 * value can only make approving fail (refused at the site) or ask for a passkey needlessly.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { canonicalJson } from '../../../shared/src/crypto/canonical.js';
import { IT_SIGNED, type SiteApprovals } from '../../../shared/src/model/site-approvals.js';
import type { OwnerApprovalStore } from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface SiteApprovalsDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly approvals: Pick<OwnerApprovalStore, 'siteApprovals' | 'putSiteApprovals'>;
  readonly clock: Clock;
}

/** Stores what the site published if it differs from the stored value; returns whether it did. */
export function updateSiteApprovals(
  deps: SiteApprovalsDeps,
  site: string,
  gatewayId: string,
  published: SiteApprovals | undefined,
): boolean {
  const next = published ?? IT_SIGNED;
  const before = deps.approvals.siteApprovals(site);
  if (before !== undefined && canonicalJson(before) === canonicalJson(next)) return false;
  if (before === undefined && canonicalJson(next) === canonicalJson(IT_SIGNED)) return false;
  writeTransaction(deps.db, () => {
    deps.approvals.putSiteApprovals(site, next, deps.clock.now());
    deps.audit.append({
      action: 'site.approvals',
      actor: `gateway:${site}`,
      site,
      target: site,
      outcome: 'success',
      details: {
        gatewayId,
        mode: next.mode,
        quorum: next.quorum,
        breakGlassAssets: next.breakGlassAssets,
        owners: next.owners.map((o) => ({ name: o.name, credentials: o.credentialIds.length })),
        previousMode: before?.mode ?? null,
      },
    });
  })();
  return true;
}
