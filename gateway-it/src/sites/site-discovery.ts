/**
 * The discovery results each site's OT gateway publishes (docs/policy.md, "Discover"), kept in
 * memory as the latest snapshot per site for the portal's read-only view. Not persisted and not
 * audited here: every probe and onboarding is already in the site's own audit chain, which the IT
 * side ingests; after an IT restart the view is empty until the site reconnects (it publishes at
 * each connection). Onboarding is never done from here: it is an OT-side action.
 */
import type { PublishedProposal } from '../../../shared/src/model/discovery.js';

export interface SiteDiscoverySnapshot {
  readonly gatewayId: string;
  /** When this IT gateway received it (ms). */
  readonly receivedAt: number;
  readonly proposals: readonly PublishedProposal[];
}

export class SiteDiscoveryResults {
  private readonly bySite = new Map<string, SiteDiscoverySnapshot>();

  update(site: string, snapshot: SiteDiscoverySnapshot): void {
    this.bySite.set(site, snapshot);
  }

  of(site: string): SiteDiscoverySnapshot | undefined {
    return this.bySite.get(site);
  }
}
