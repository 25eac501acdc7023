/**
 * Sites as people see them: the ones they may see (see WindowService.canSeeSite), each with its
 * link state, lockdown, access policy, published assets and OT owners, cut to what the viewer may
 * see (scope.ts: a vendor gets only their job's assets and profiles, no addresses, no owners).
 */
import { AirlockError } from '../../../shared/src/errors.js';
import type { SiteApprovalMode } from '../../../shared/src/model/site-approvals.js';
import type { SiteLinkState, SiteLinkStates } from '../sites/sites.js';
import type { Site, SiteLockdown, SitePolicy } from '../store/store.js';
import type { AccessDeps } from './access-deps.js';
import { SOMEONE, isJobScoped, seesPeople, type SiteAsset, type SiteScopes } from './scope.js';
import type { Actor } from './visibility.js';
import type { WindowService } from './window-service.js';

export interface SiteSummary {
  readonly site: Site;
  readonly link: SiteLinkState;
  readonly lockdown: SiteLockdown | null;
  readonly policy: SitePolicy;
  readonly assets: readonly SiteAsset[];
  /** Empty for a viewer who may not see other people (scope.ts). */
  readonly owners: readonly string[];
  /** The viewer sees only their job here (scope.ts): no addresses, no people, job assets only. */
  readonly jobScoped: boolean;
  /** Whose approval the site's OT gateway trusts, as it published it (it-signed when none). */
  readonly approvalMode: SiteApprovalMode;
}

export class SiteDirectory {
  constructor(
    private readonly deps: AccessDeps,
    private readonly windows: WindowService,
    private readonly links: SiteLinkStates,
    private readonly scopes: SiteScopes,
    private readonly modeOf: (site: string) => SiteApprovalMode,
  ) {}

  visible(actor: Actor): SiteSummary[] {
    return this.deps.sites
      .list()
      .filter((s) => this.windows.canSeeSite(actor, s.id))
      .map((s) => this.summary(actor, s));
  }

  get(actor: Actor, id: string): SiteSummary {
    const s = this.deps.sites.get(id);
    if (s === undefined || !this.windows.canSeeSite(actor, id))
      throw new AirlockError('not_found', 'site.not_found', `no site ${id}`);
    return this.summary(actor, s);
  }

  /** A site's timezone, for formatting times (not secret; UTC for an unknown site). */
  timezoneOf(site: string): string {
    return this.deps.sites.get(site)?.timezone ?? 'UTC';
  }

  private summary(actor: Actor, s: Site): SiteSummary {
    const { deps } = this;
    const people = seesPeople(actor);
    const lockdown = deps.policies.lockdown(s.id) ?? null;
    return {
      site: s,
      link: this.links.get(s.id),
      lockdown: lockdown === null || people ? lockdown : { ...lockdown, changedBy: SOMEONE },
      policy: deps.policies.policy(s.id),
      assets: this.scopes.assets(actor, s.id, deps.catalogue.list(s.id)),
      jobScoped: isJobScoped(actor, s.id),
      approvalMode: this.modeOf(s.id),
      owners: people ? deps.users.listWithSiteRole('ot-owner', s.id).map((u) => u.name) : [],
    };
  }
}
