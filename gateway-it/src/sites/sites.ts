/**
 * Sites, as the rest of the IT gateway sees them: enrolling and revoking each site's OT gateway
 * (one-time tokens, identity keys), keeping the asset catalogue and the discovery results each site publishes, and the two
 * contracts the link implements for everyone else: `SiteCommands` (what may be asked of a site)
 * and `SiteLinkStates` (whether its link is up). Declaring those here keeps access/ and sessions/
 * independent of the link.
 *
 * Guarantees: see site-enrollment.ts (tokens shown once, stored hashed, single use; one active
 * gateway key per site; every enrollment and refusal audited) and site-catalogue.ts (a catalogue
 * is stored only when it changed, with its `site.catalogue` event). A revocation made here is
 * announced to the `onRevoked` listeners (the link closes the site's connections at once); one
 * made by the CLI in another process is seen by the link at its next heartbeat. Not here: the
 * sites themselves (rows in store/) and talking to a site (link/).
 */
import type { Clock } from '../../../shared/src/clock.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import { IT_SIGNED, type SiteApprovals } from '../../../shared/src/model/site-approvals.js';
import type { ItStore } from '../store/store.js';
import { updateSiteApprovals } from './site-approvals.js';
import { updateSiteCatalogue } from './site-catalogue.js';
import { SiteEnrollment } from './site-enrollment.js';
import { SiteDiscoveryResults, type SiteDiscoverySnapshot } from './site-discovery.js';
import { SiteLearningStatus, type SiteLearningSnapshot } from './site-learning.js';
import type { LearningStatus } from '../../../shared/src/model/learning-status.js';
import type { PublishedProposal } from '../../../shared/src/model/discovery.js';

export type { SiteDiscoverySnapshot } from './site-discovery.js';
export type { SiteLearningSnapshot } from './site-learning.js';
export type { IssuedToken, SiteEnrollment } from './site-enrollment.js';
export type { SessionStream, SiteCommands } from './site-commands.js';
export type { LinkState, SiteLinkState, SiteLinkStates } from './site-link-state.js';

export interface Sites {
  readonly enrollment: SiteEnrollment;
  /** Stores a catalogue a site published if it changed (audited); returns whether it did. */
  updateCatalogue(
    site: string,
    gatewayId: string,
    assets: readonly CatalogueAsset[],
    approvals?: SiteApprovals,
  ): boolean;
  /** The site's approval mode and enrolled owners as last published (it-signed when none). */
  approvalsOf(site: string): SiteApprovals;
  /** Keeps the discovery results a site published (latest snapshot, in memory; read-only view). */
  updateDiscovery(site: string, gatewayId: string, proposals: readonly PublishedProposal[]): void;
  /** The latest discovery results of a site, if it published any since this gateway started. */
  discoveryOf(site: string): SiteDiscoverySnapshot | undefined;
  /** Keeps the learning status a site published (latest snapshot, in memory; read-only view). */
  updateLearning(site: string, gatewayId: string, status: LearningStatus): void;
  /** The latest learning status of a site, if it published one since this gateway started. */
  learningOf(site: string): SiteLearningSnapshot | undefined;
  /** Registers a listener told of each revocation made in this process. */
  onRevoked(listener: (site: string) => void): void;
}

export interface SitesDeps {
  readonly store: Pick<
    ItStore,
    'db' | 'audit' | 'sites' | 'gateways' | 'catalogue' | 'keys' | 'ownerApprovals'
  >;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export function createSites(deps: SitesDeps): Sites {
  const { store, clock } = deps;
  const revokedListeners: ((site: string) => void)[] = [];
  const discovery = new SiteDiscoveryResults();
  const learning = new SiteLearningStatus();
  const catalogueDeps = {
    db: store.db,
    audit: store.audit,
    catalogues: store.catalogue,
    clock,
  };
  return {
    enrollment: new SiteEnrollment({
      db: store.db,
      audit: store.audit,
      sites: store.sites,
      gateways: store.gateways,
      clock,
      ids: deps.ids,
      grantPublicKey: store.keys.grant.publicKey,
      tlsFingerprint: store.keys.tls.fingerprint,
      onRevoked: (site) => {
        for (const l of revokedListeners) l(site);
      },
    }),
    updateCatalogue: (site, gatewayId, assets, approvals) => {
      const changed = updateSiteCatalogue(catalogueDeps, site, gatewayId, assets);
      const modeDeps = { ...catalogueDeps, approvals: store.ownerApprovals };
      return updateSiteApprovals(modeDeps, site, gatewayId, approvals) || changed;
    },
    approvalsOf: (site) => store.ownerApprovals.siteApprovals(site) ?? IT_SIGNED,
    updateDiscovery: (site, gatewayId, proposals) =>
      discovery.update(site, { gatewayId, receivedAt: clock.now(), proposals }),
    discoveryOf: (site) => discovery.of(site),
    updateLearning: (site, gatewayId, status) =>
      learning.update(site, { gatewayId, receivedAt: clock.now(), status }),
    learningOf: (site) => learning.of(site),
    onRevoked: (listener) => void revokedListeners.push(listener),
  };
}
export { OwnerEnrollmentRelay } from './owner-enrollment-relay.js';
export type { EnrollingUser, OwnerEnrollmentRelayDeps } from './owner-enrollment-relay.js';
