/**
 * Access requests: an engineer or vendor asks for one or more assets of a site, a profile per
 * asset (from the site's OT catalogue), a start and end, a reason and a ticket reference. Refused
 * with the field named unless: every asset and profile exists in the catalogue; the times are sane
 * and within the longest allowed grant; the ticket matches the site's pattern when it has one;
 * every asset's maintenance windows cover the whole interval; and, for a vendor, their job
 * schedules cover it for each asset and profile and it ends by their contract end. Last, when the
 * site names an ITSM connector, the ticket must check out there (itsm/); the answer is kept with the
 * request, and asked again at approval time.
 */
import { AirlockError } from '../../../shared/src/errors.js';
import type { CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import type { RequestAssetRow, RequestRow } from '../store/store.js';
import { accountRefusal, contractEndsAt } from '../auth/auth.js';
import { requireSite, requireText, type AccessDeps } from './access-deps.js';
import type { RequestView } from './views.js';
import {
  sitesSeenWhole,
  canRequest,
  canSeeAccess,
  decisionBar,
  isVendor,
  sitesWithRole,
  type Actor,
} from './visibility.js';
import { checkTicketRef, checkTimes } from './request-checks.js';
import { checkTicketAtRequest, recheckTicketAtApproval } from './itsm-ticket.js';
import { quorumOf, type Quorum } from './quorum.js';
import { requestFor, type SiteScopes } from './scope.js';
import type { WindowService } from './window-service.js';
import { firstUncovered, occurrences } from './window-rules.js';
import { formatLocal } from './zoned-time.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface AssetChoice {
  readonly asset: string;
  readonly profile: string;
}

export interface NewRequest {
  readonly site: string;
  readonly assets: readonly AssetChoice[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly reason: string;
  readonly ticketRef?: string | undefined;
}

export const MAX_ASSETS_PER_REQUEST = 20;

export class RequestService {
  constructor(
    private readonly deps: AccessDeps,
    private readonly windows: WindowService,
    private readonly scopes: SiteScopes,
    /** Called after a request is stored (the expiry sweep re-arms for its end). */
    private readonly afterCreate: () => void = () => undefined,
  ) {}

  async create(actor: Actor, input: NewRequest): Promise<RequestView> {
    const { deps } = this;
    const now = deps.clock.now();
    if (!canRequest(actor))
      throw new AirlockError(
        'access_denied',
        'request.role',
        'only engineers and vendors can request access',
      );
    const refusal = accountRefusal(actor, now);
    if (refusal !== undefined)
      throw new AirlockError(
        'access_denied',
        `request.account_${refusal.replace('-', '_')}`,
        `this account cannot request access (${refusal})`,
      );
    const site = requireSite(deps, input.site);
    if (!this.windows.canSeeSite(actor, site.id))
      throw new AirlockError('not_found', 'site.not_found', `no site ${input.site}`);
    const assets = this.checkAssets(actor, site.id, input.assets);
    checkTimes(input.startsAt, input.endsAt, now, deps.limits.maxRequestMs);
    const reason = requireText(input.reason, 'reason', 3, 1000);
    const ticketRef = checkTicketRef(deps, site.id, input.ticketRef);
    if (isVendor(actor))
      this.checkVendor(actor, site.id, site.timezone, assets, input.startsAt, input.endsAt);
    for (const a of assets) {
      const occ = this.windows
        .windowRules(site.id, a.asset)
        .flatMap((r) => occurrences(r, site.timezone, input.startsAt, input.endsAt));
      const gap = firstUncovered(occ, input.startsAt, input.endsAt);
      if (gap !== undefined) {
        throw new AirlockError(
          'access_denied',
          'request.outside_window',
          `${a.asset}: no maintenance window covers ${formatLocal(gap, site.timezone)} (${site.timezone}); a request must fall inside a window of each asset`,
          {
            details: { field: 'start', asset: a.asset, uncoveredFrom: new Date(gap).toISOString() },
            subject: { site: site.id, target: a.asset },
          },
        );
      }
    }
    // Last, after every local check: the ITSM is asked only about a request that is otherwise fine.
    const verdict = await checkTicketAtRequest(deps, actor, {
      site: site.id,
      ticketRef,
      assets,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      requestId: null,
    });
    const policy = deps.policies.policy(site.id);
    const row: RequestRow = {
      id: deps.ids.next('req'),
      requesterId: actor.id,
      site: site.id,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      reason,
      ticketRef,
      breakGlass: false,
      status: 'pending',
      requiredApprovals: policy.requiredApprovals,
      createdAt: now,
      closedAt: null,
    };
    const quorum = quorumOf(deps.users, row, []);
    writeTransaction(deps.db, () => {
      deps.requests.insert(row, assets);
      // Flagged from the start when nobody but the requester could approve enough (quorum.ts).
      if (!quorum.canBeMet) deps.requests.setQuorumFlag(row.id, true, now);
      deps.audit.append({
        action: 'request.create',
        actor: actor.name,
        site: site.id,
        target: row.id,
        outcome: 'success',
        details: {
          assets: assets.map((a) => `${a.asset}:${a.profile}`),
          startsAt: new Date(row.startsAt).toISOString(),
          endsAt: new Date(row.endsAt).toISOString(),
          ticketRef,
          requiredApprovals: row.requiredApprovals,
          quorumCanBeMet: quorum.canBeMet,
          breakGlass: false,
          ...(verdict === undefined ? {} : { itsm: verdict.outcome }),
        },
      });
      if (verdict !== undefined) deps.itsm.keep(row.id, verdict, actor.name);
    })();
    this.afterCreate();
    if (verdict?.outcome === 'unverified') deps.itsm.alertUnverified(verdict, row.id);
    const view = requestFor(actor, deps.views.request(row));
    deps.notifier.notify({
      event: 'request.created',
      site: site.id,
      requestId: row.id,
      grantId: null,
      user: actor.name,
      actor: actor.name,
      assets,
      startsAt: row.startsAt,
      endsAt: row.endsAt,
      breakGlass: false,
      comment: null,
      recipients: this.owners(site.id),
    });
    return view;
  }

  /** Whether a request by `actor` at `site` could reach the site's required approvals (for the form). */
  quorumFor(actor: Actor, site: string): Quorum {
    const required = this.deps.policies.policy(site).requiredApprovals;
    return quorumOf(
      this.deps.users,
      { site, requesterId: actor.id, requiredApprovals: required },
      [],
    );
  }

  /** At approval time: the ticket is checked again with the site's ITSM (itsm-ticket.ts). */
  recheckTicket(actor: Actor, r: RequestRow): Promise<void> {
    return recheckTicketAtApproval(this.deps, actor, r);
  }

  /** The requester withdraws a pending request. */
  cancel(actor: Actor, id: string): RequestView {
    const { deps } = this;
    const r = this.visible(actor, id);
    if (r.requesterId !== actor.id)
      throw new AirlockError(
        'access_denied',
        'request.not_yours',
        'only the requester can withdraw a request',
      );
    writeTransaction(deps.db, () => {
      if (!deps.requests.transition(id, 'pending', 'cancelled', deps.clock.now()))
        throw new AirlockError(
          'conflict',
          'request.not_pending',
          `request ${id} is ${deps.requests.get(id)?.status ?? 'gone'}, not pending`,
        );
      deps.audit.append({
        action: 'request.cancel',
        actor: actor.name,
        site: r.site,
        target: id,
        outcome: 'success',
      });
    })();
    return this.get(actor, id);
  }

  /** One request, if the actor may see it (404 otherwise: existence is not revealed). */
  get(actor: Actor, id: string): RequestView {
    return requestFor(actor, this.deps.views.request(this.visible(actor, id)));
  }

  mine(actor: Actor): RequestView[] {
    return this.deps.requests
      .listByRequester(actor.id)
      .map((r) => requestFor(actor, this.deps.views.request(r)));
  }

  /** Every request the actor may see: their own and those of the sites they own or audit (admin: all), newest first. */
  seen(actor: Actor): RequestView[] {
    const byId = new Map<string, RequestRow>();
    for (const r of this.deps.requests.listByRequester(actor.id)) byId.set(r.id, r);
    for (const site of sitesSeenWhole(this.deps, actor))
      for (const r of this.deps.requests.listBySite(site)) byId.set(r.id, r);
    return [...byId.values()]
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
      .map((r) => requestFor(actor, this.deps.views.request(r)));
  }

  /** Requests of a site, for its OT owners and auditors and for admins. */
  ofSite(actor: Actor, site: string): RequestView[] {
    requireSite(this.deps, site);
    if (!canSeeAccess(actor, '', site))
      throw new AirlockError('not_found', 'site.not_found', `no site ${site}`);
    return this.deps.requests.listBySite(site).map((r) => this.deps.views.request(r));
  }

  /** Pending requests at the sites the actor owns, with whether the actor may decide each. */
  inbox(actor: Actor): { request: RequestView; canDecide: boolean; why: string | null }[] {
    return sitesWithRole(actor, 'ot-owner').flatMap((site) =>
      this.deps.requests.pendingOfSite(site).map((r) => {
        const view = this.deps.views.request(r);
        const bar = decisionBar(actor, site, r.requesterId);
        const already = view.decisions.some(
          (d) => d.approver === actor.name && d.decision === 'approve',
        );
        return {
          request: view,
          canDecide: bar === undefined && !already,
          why:
            bar?.code === 'approval.self'
              ? 'your own request: another OT owner must decide'
              : bar !== undefined
                ? bar.why
                : already
                  ? 'you approved it; waiting for more approvals'
                  : null,
        };
      }),
    );
  }

  /** The request row, if the actor may see it. */
  visible(actor: Actor, id: string): RequestRow {
    const r = this.deps.requests.get(id);
    if (r === undefined || !canSeeAccess(actor, r.requesterId, r.site))
      throw new AirlockError('not_found', 'request.not_found', `no request ${id}`);
    return r;
  }

  owners(site: string): string[] {
    return this.deps.users.activeOtOwnerNames(site);
  }

  /**
   * Assets and profiles exist in the site's catalogue and are ones `actor` may see (a vendor: their
   * job's, scope.ts; anything else reads as absent, so a refusal reveals nothing more); returned
   * with each asset's protocol.
   */
  checkAssets(actor: Actor, site: string, choices: readonly AssetChoice[]): RequestAssetRow[] {
    if (choices.length === 0)
      throw new AirlockError(
        'bad_request',
        'request.no_assets',
        'assets: choose at least one asset',
        { details: { field: 'assets' } },
      );
    if (choices.length > MAX_ASSETS_PER_REQUEST)
      throw new AirlockError(
        'bad_request',
        'request.too_many_assets',
        `assets: at most ${MAX_ASSETS_PER_REQUEST} per request`,
        { details: { field: 'assets' } },
      );
    const seen = new Set<string>();
    return choices.map((c, i) => {
      if (seen.has(c.asset))
        throw new AirlockError(
          'bad_request',
          'request.duplicate_asset',
          `assets[${i}].asset: ${c.asset} is listed twice`,
          { details: { field: `assets[${i}].asset` } },
        );
      seen.add(c.asset);
      const found: CatalogueAsset | undefined = this.deps.catalogue.get(site, c.asset);
      const asset =
        found === undefined || !this.scopes.canPick(actor, site, c.asset)
          ? undefined
          : {
              ...found,
              profiles: found.profiles.filter((p) =>
                this.scopes.canPick(actor, site, c.asset, p.name),
              ),
            };
      if (asset === undefined)
        throw new AirlockError(
          'bad_request',
          'request.unknown_asset',
          `assets[${i}].asset: site ${site} has no asset ${c.asset}`,
          { details: { field: `assets[${i}].asset` } },
        );
      if (!asset.profiles.some((p) => p.name === c.profile)) {
        throw new AirlockError(
          'bad_request',
          'request.unknown_profile',
          `assets[${i}].profile: ${c.asset} offers ${asset.profiles.map((p) => p.name).join(', ')}, not ${c.profile}`,
          { details: { field: `assets[${i}].profile` } },
        );
      }
      return { asset: c.asset, protocol: asset.protocol, profile: c.profile };
    });
  }

  private checkVendor(
    actor: Actor,
    site: string,
    timeZone: string,
    assets: readonly RequestAssetRow[],
    startsAt: number,
    endsAt: number,
  ): void {
    if (actor.contractEnd === null || endsAt > contractEndsAt(actor.contractEnd)) {
      throw new AirlockError(
        'access_denied',
        'request.after_contract_end',
        `end: your contract ends on ${actor.contractEnd ?? '(no date)'}; access cannot reach past it`,
        { details: { field: 'end' }, subject: { site } },
      );
    }
    for (const a of assets) {
      const occ = this.windows
        .scheduleRules(actor.id, site, a.asset, a.profile)
        .flatMap((r) => occurrences(r, timeZone, startsAt, endsAt));
      const gap = firstUncovered(occ, startsAt, endsAt);
      if (gap !== undefined) {
        throw new AirlockError(
          'access_denied',
          'request.outside_schedule',
          `${a.asset} (${a.profile}): your job schedule does not cover ${formatLocal(gap, timeZone)} (${timeZone})`,
          {
            details: { field: 'start', asset: a.asset, uncoveredFrom: new Date(gap).toISOString() },
            subject: { site, target: a.asset },
          },
        );
      }
    }
  }
}
