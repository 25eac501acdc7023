/**
 * What the API and portal show about sites: each site with its OT gateway's link state and its
 * published catalogue. Read-only; assembled from the stores and the link registry.
 */
import type { CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import type { AssetCatalogueStore } from '../store/asset-catalogue-store.js';
import type { Site, SiteStore } from '../store/site-store.js';
import type { LinkState, SiteLinkStates } from '../link/site-link-state.js';

export interface SiteView {
  readonly id: string;
  readonly displayName: string;
  readonly timezone: string;
  readonly createdAt: string;
  readonly link: {
    readonly state: LinkState;
    readonly lastSeen: string | null;
    readonly gatewayVersion: string | null;
    readonly clockOffsetMs: number | null;
  };
  readonly assetCount: number;
}

export interface SiteDetail extends SiteView {
  readonly assets: readonly CatalogueAsset[];
}

export class SiteDirectory {
  constructor(
    private readonly sites: SiteStore,
    private readonly catalogues: AssetCatalogueStore,
    private readonly links: () => SiteLinkStates,
  ) {}

  list(): SiteView[] {
    return this.sites.list().map((s) => this.view(s, this.catalogues.list(s.id).length));
  }

  get(id: string): SiteDetail | undefined {
    const site = this.sites.get(id);
    if (site === undefined) return undefined;
    const assets = this.catalogues.list(id);
    return { ...this.view(site, assets.length), assets };
  }

  private view(s: Site, assetCount: number): SiteView {
    const l = this.links().get(s.id);
    return {
      id: s.id,
      displayName: s.displayName,
      timezone: s.timezone,
      createdAt: new Date(s.createdAt).toISOString(),
      link: { state: l.state, lastSeen: l.lastSeen === null ? null : new Date(l.lastSeen).toISOString(), gatewayVersion: l.gatewayVersion, clockOffsetMs: l.clockOffsetMs },
      assetCount,
    };
  }
}
