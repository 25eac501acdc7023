/**
 * Sites as people see them: the ones they may see (see WindowService.canSeeSite), each with its
 * link state, lockdown, access policy, published assets and OT owners.
 */
import { AirlockError } from '../../../shared/src/errors.js';
import type { CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import type { SiteLinkState, SiteLinkStates } from '../sites/sites.js';
import type { Site, SiteLockdown, SitePolicy } from '../store/store.js';
import type { AccessDeps } from './access-deps.js';
import type { Actor } from './visibility.js';
import type { WindowService } from './window-service.js';

export interface SiteSummary {
  readonly site: Site;
  readonly link: SiteLinkState;
  readonly lockdown: SiteLockdown | null;
  readonly policy: SitePolicy;
  readonly assets: readonly CatalogueAsset[];
  readonly owners: readonly string[];
}

export class SiteDirectory {
  constructor(
    private readonly deps: AccessDeps,
    private readonly windows: WindowService,
    private readonly links: SiteLinkStates,
  ) {}

  visible(actor: Actor): SiteSummary[] {
    return this.deps.sites
      .list()
      .filter((s) => this.windows.canSeeSite(actor, s.id))
      .map((s) => this.summary(s));
  }

  get(actor: Actor, id: string): SiteSummary {
    const s = this.deps.sites.get(id);
    if (s === undefined || !this.windows.canSeeSite(actor, id))
      throw new AirlockError('not_found', 'site.not_found', `no site ${id}`);
    return this.summary(s);
  }

  /** A site's timezone, for formatting times (not secret; UTC for an unknown site). */
  timezoneOf(site: string): string {
    return this.deps.sites.get(site)?.timezone ?? 'UTC';
  }

  private summary(s: Site): SiteSummary {
    const { deps } = this;
    return {
      site: s,
      link: this.links.get(s.id),
      lockdown: deps.policies.lockdown(s.id) ?? null,
      policy: deps.policies.policy(s.id),
      assets: deps.catalogue.list(s.id),
      owners: deps.users.listWithSiteRole('ot-owner', s.id).map((u) => u.name),
    };
  }
}
