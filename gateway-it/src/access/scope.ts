/**
 * What a principal may see of a site: the one rule the portal and the API both reach through the
 * access services (SiteDirectory, WindowService, RequestService, GrantService), so no face can
 * show more than another.
 *
 * A vendor with no other role that sees the site (engineer, OT owner, auditor, admin) is scoped to
 * their job: only the assets, and of each only the profiles, that their job schedules at the site
 * name; no plant addresses or service ports; no other people (OT owners' names, who approved or
 * ended a grant, who wrote a window); only the windows that apply to their assets. Everybody
 * else sees the whole site as before. Deny by default: a vendor with no schedule at the site sees
 * no asset at all.
 *
 * Not here: whether the site is visible at all (WindowService.canSeeSite), whether a request fits
 * the schedule's times (RequestService), and enforcement at the plant (the OT gateway).
 */
import type { CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import type { WindowStore } from '../store/store.js';
import type { DecisionView, GrantView, RequestView } from './views.js';
import { hasRole, isAdmin, isAuditorOf, isOtOwnerOf, isVendor, type Actor } from './visibility.js';

/** An asset as a principal sees it: the plant address and port only for those who may see them. */
export type SiteAsset = Omit<CatalogueAsset, 'address' | 'servicePort'> & {
  readonly address: string | null;
  readonly servicePort: number | null;
};

/** How OT owners and others appear to a job-scoped vendor: by role, never by name. */
export const SOMEONE = 'an OT owner';

/** Whether `actor` sees `site` only through their job schedules (a vendor and nothing more there). */
export function isJobScoped(actor: Pick<Actor, 'roles'>, site: string): boolean {
  return (
    isVendor(actor) &&
    !isAdmin(actor) &&
    !hasRole(actor, 'engineer') &&
    !isOtOwnerOf(actor, site) &&
    !isAuditorOf(actor, site)
  );
}

/** Whether `actor` may see other people's names (owners, approvers): everyone but a pure vendor. */
export function seesPeople(actor: Pick<Actor, 'roles'>): boolean {
  return !isVendor(actor) || isAdmin(actor) || actor.roles.some((r) => r.role !== 'vendor');
}

export class SiteScopes {
  constructor(private readonly windows: Pick<WindowStore, 'schedulesOfSite'>) {}

  /** For a job-scoped actor: asset -> the profiles their schedules name; undefined: the whole site. */
  jobs(actor: Actor, site: string): ReadonlyMap<string, ReadonlySet<string>> | undefined {
    if (!isJobScoped(actor, site)) return undefined;
    const jobs = new Map<string, Set<string>>();
    for (const s of this.windows.schedulesOfSite(site)) {
      if (s.vendorId !== actor.id) continue;
      const profiles = jobs.get(s.asset) ?? new Set<string>();
      profiles.add(s.profile);
      jobs.set(s.asset, profiles);
    }
    return jobs;
  }

  /** The site's assets as `actor` may see them. */
  assets(actor: Actor, site: string, all: readonly CatalogueAsset[]): SiteAsset[] {
    const jobs = this.jobs(actor, site);
    if (jobs === undefined) return [...all];
    return all.flatMap((a) => {
      const profiles = jobs.get(a.name);
      if (profiles === undefined) return [];
      return [
        {
          ...a,
          address: null,
          servicePort: null,
          profiles: a.profiles.filter((p) => profiles.has(p.name)),
        },
      ];
    });
  }

  /** Whether `actor` may see (and so pick) `asset`, and `profile` of it when given. */
  canPick(actor: Actor, site: string, asset: string, profile?: string): boolean {
    const jobs = this.jobs(actor, site);
    if (jobs === undefined) return true;
    const profiles = jobs.get(asset);
    return profiles !== undefined && (profile === undefined || profiles.has(profile));
  }
}

const nameless = (d: DecisionView): DecisionView => ({ ...d, approver: SOMEONE });

/** A request as `actor` may see it: approvers' names only for those who see people. */
export function requestFor(actor: Actor, r: RequestView): RequestView {
  return seesPeople(actor) ? r : { ...r, decisions: r.decisions.map(nameless) };
}

/** A grant as `actor` may see it: approvers, who ended and who reviewed it only for those who see people. */
export function grantFor(actor: Actor, g: GrantView): GrantView {
  if (seesPeople(actor)) return g;
  return {
    ...g,
    approvers: g.approvers.map(() => SOMEONE),
    endedBy:
      g.endedBy === null || g.endedBy === actor.name || g.endedBy.startsWith('system:')
        ? g.endedBy
        : SOMEONE,
    review: g.review === null ? null : { ...g.review, by: SOMEONE },
  };
}
