/**
 * The learning status each site's OT gateway publishes (docs/policy.md, "Learn, review,
 * enforce"): learn windows and the latest proposal per profile with its diff and replay result,
 * kept in memory as the latest snapshot per site for the portal's read-only "Policy learning"
 * page. Not persisted and not audited here: learning, proposing and applying are audited in the
 * site's own chain, which the IT side ingests; after an IT restart the view is empty until the site
 * reconnects (it publishes at each connection). Nothing here can change a profile.
 */
import type { LearningStatus } from '../../../shared/src/model/learning-status.js';

export interface SiteLearningSnapshot {
  readonly gatewayId: string;
  /** When this IT gateway received it (ms). */
  readonly receivedAt: number;
  readonly status: LearningStatus;
}

export class SiteLearningStatus {
  private readonly bySite = new Map<string, SiteLearningSnapshot>();

  update(site: string, snapshot: SiteLearningSnapshot): void {
    this.bySite.set(site, snapshot);
  }

  of(site: string): SiteLearningSnapshot | undefined {
    return this.bySite.get(site);
  }
}
