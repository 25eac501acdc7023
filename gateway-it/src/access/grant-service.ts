/**
 * Grants: valid from their request's start to its end, ended by time (the expiry sweep on the
 * injected clock), by revocation (the grantee, an OT owner of the site, or an admin) or by a deny
 * after approval. Ending a grant commits and audits first, then tells the site to end the grant's
 * live sessions (SiteCommands.endGrantSessions); the OT gateway also ends them at notAfter by its
 * own clock, so an unreachable site is never less safe. Break-glass grants need an OT owner's
 * review afterwards, recorded here.
 */
import { AirlockError } from '../../../shared/src/errors.js';
import type { TimerHandle } from '../../../shared/src/clock.js';
import type { GrantRow, RequestAssetRow, RequestRow } from '../store/store.js';
import { requireSite, requireText, tellSite, type AccessDeps } from './access-deps.js';
import { grantFor } from './scope.js';
import type { GrantView } from './views.js';
import { canSeeAccess, isAdmin, isOtOwnerOf, sitesSeenWhole, type Actor } from './visibility.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

/** The sweep re-arms at least this often, so a far-off expiry never depends on one huge timer. */
const MAX_SWEEP_DELAY_MS = 60 * 60_000;

export class GrantService {
  private timer: TimerHandle | undefined;
  private running = false;

  constructor(private readonly deps: AccessDeps) {}

  /** Inserts the grant for an approved request; call inside the approving transaction. */
  issueWithin(request: RequestRow, assets: readonly RequestAssetRow[], by: string): GrantRow {
    const { deps } = this;
    const row = {
      id: deps.ids.next('grt'),
      requestId: request.id,
      userId: request.requesterId,
      site: request.site,
      notBefore: request.startsAt,
      notAfter: request.endsAt,
      breakGlass: request.breakGlass,
      issuedAt: deps.clock.now(),
    };
    deps.grants.insert(row);
    deps.audit.append({
      action: 'grant.issue',
      actor: by,
      site: request.site,
      target: row.id,
      outcome: 'success',
      details: {
        requestId: request.id,
        user: deps.views.person(request.requesterId).name,
        assets: assets.map((a) => `${a.asset}:${a.profile}`),
        notBefore: new Date(row.notBefore).toISOString(),
        notAfter: new Date(row.notAfter).toISOString(),
        breakGlass: request.breakGlass,
      },
    });
    const stored = deps.grants.get(row.id);
    if (stored === undefined)
      throw new AirlockError('internal', 'grant.vanished', 'grant was not stored');
    return stored;
  }

  get(actor: Actor, id: string): GrantView {
    return grantFor(actor, this.deps.views.grant(this.visible(actor, id), this.deps.clock.now()));
  }

  mine(actor: Actor): GrantView[] {
    const now = this.deps.clock.now();
    return this.deps.grants
      .listByUser(actor.id)
      .map((g) => grantFor(actor, this.deps.views.grant(g, now)));
  }

  /** Every grant the actor may see: their own and those of the sites they own or audit (admin: all), newest first. */
  seen(actor: Actor): GrantView[] {
    const now = this.deps.clock.now();
    const byId = new Map<string, GrantRow>();
    for (const g of this.deps.grants.listByUser(actor.id)) byId.set(g.id, g);
    for (const site of sitesSeenWhole(this.deps, actor))
      for (const g of this.deps.grants.listBySite(site)) byId.set(g.id, g);
    return [...byId.values()]
      .sort((a, b) => b.issuedAt - a.issuedAt || (a.id < b.id ? 1 : -1))
      .map((g) => grantFor(actor, this.deps.views.grant(g, now)));
  }

  /** Grants of a site for its owners and auditors; every grant for an admin when `site` is undefined. */
  list(actor: Actor, site?: string): GrantView[] {
    const now = this.deps.clock.now();
    if (site === undefined) {
      if (!isAdmin(actor))
        throw new AirlockError(
          'access_denied',
          'grant.list_all',
          "only an admin lists every site's grants",
        );
      return this.deps.grants.listAll().map((g) => this.deps.views.grant(g, now));
    }
    requireSite(this.deps, site);
    if (!canSeeAccess(actor, '', site))
      throw new AirlockError('not_found', 'site.not_found', `no site ${site}`);
    return this.deps.grants.listBySite(site).map((g) => this.deps.views.grant(g, now));
  }

  /** Break-glass grants of a site still waiting for an OT owner's review. */
  awaitingReview(site: string): GrantView[] {
    const now = this.deps.clock.now();
    return this.deps.grants.unreviewedBreakGlass(site).map((g) => this.deps.views.grant(g, now));
  }

  /** Revocation by the grantee, an OT owner of the site, or an admin; ends live sessions. */
  async revoke(
    actor: Actor,
    id: string,
    reason: string,
  ): Promise<{ grant: GrantView; sessionsEnded: boolean }> {
    const { deps } = this;
    const g = this.visible(actor, id);
    if (!(g.userId === actor.id || isOtOwnerOf(actor, g.site) || isAdmin(actor))) {
      throw new AirlockError(
        'access_denied',
        'grant.revoke_not_allowed',
        'only the grantee, an OT owner of the site or an admin can revoke a grant',
      );
    }
    const text = requireText(reason, 'reason', 1, 1000);
    writeTransaction(deps.db, () => {
      if (!deps.grants.end(id, 'revoked', deps.clock.now(), actor.name, text))
        throw new AirlockError('conflict', 'grant.ended', `grant ${id} has already ended`);
      deps.audit.append({
        action: 'grant.revoke',
        actor: actor.name,
        site: g.site,
        target: id,
        outcome: 'success',
        details: {
          user: deps.views.person(g.userId).name,
          reason: text,
          by: g.userId === actor.id ? 'grantee' : isOtOwnerOf(actor, g.site) ? 'ot-owner' : 'admin',
        },
      });
    })();
    const sessionsEnded = await this.afterEnd(g, `grant revoked by ${actor.name}`);
    const view = deps.views.grant(deps.grants.get(id) ?? g, deps.clock.now());
    this.notifyRevoked(view, actor.name, text);
    return { grant: view, sessionsEnded };
  }

  /** An OT owner of the site (not the grantee) records the after-the-fact review of a break-glass grant. */
  review(actor: Actor, id: string, comment: string): GrantView {
    const { deps } = this;
    const g = this.visible(actor, id);
    if (!isOtOwnerOf(actor, g.site))
      throw new AirlockError(
        'access_denied',
        'grant.review_not_owner',
        `only an OT owner of ${g.site} can review a break-glass grant`,
      );
    if (g.userId === actor.id)
      throw new AirlockError(
        'access_denied',
        'grant.review_self',
        'nobody reviews their own break-glass grant',
      );
    if (!g.breakGlass)
      throw new AirlockError(
        'conflict',
        'grant.not_break_glass',
        `grant ${id} is not a break-glass grant`,
      );
    const text = requireText(comment, 'comment', 1, 1000);
    writeTransaction(deps.db, () => {
      if (!deps.grants.review(id, actor.id, deps.clock.now(), text))
        throw new AirlockError(
          'conflict',
          'grant.already_reviewed',
          `grant ${id} was already reviewed`,
        );
      deps.audit.append({
        action: 'grant.review',
        actor: actor.name,
        site: g.site,
        target: id,
        outcome: 'success',
        details: { user: deps.views.person(g.userId).name, comment: text },
      });
    })();
    return this.get(actor, id);
  }

  /** Starts the expiry sweep (grants at their end, pending requests past theirs). */
  start(): void {
    this.running = true;
    this.sweep();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Expires what is due now and re-arms for the next due time. Safe to call at any moment. */
  sweep(): void {
    const { deps } = this;
    const now = deps.clock.now();
    for (const g of deps.grants.dueForExpiry(now)) {
      try {
        const ended = writeTransaction(deps.db, () => {
          if (!deps.grants.end(g.id, 'expired', now, 'system:it', 'reached its end')) return false;
          deps.audit.append({
            action: 'grant.expire',
            actor: 'system:it',
            site: g.site,
            target: g.id,
            outcome: 'success',
            details: {
              user: deps.views.person(g.userId).name,
              notAfter: new Date(g.notAfter).toISOString(),
            },
          });
          return true;
        })();
        if (ended) void this.afterEnd(g, 'grant expired');
      } catch (e) {
        deps.log.error('could not expire a grant; will retry', { grantId: g.id, err: e });
      }
    }
    for (const r of deps.requests.pendingEndedBy(now)) {
      try {
        writeTransaction(deps.db, () => {
          if (!deps.requests.transition(r.id, 'pending', 'expired', now)) return;
          deps.audit.append({
            action: 'request.expire',
            actor: 'system:it',
            site: r.site,
            target: r.id,
            outcome: 'success',
            details: {
              endsAt: new Date(r.endsAt).toISOString(),
              approvals: deps.requests.decisions(r.id).filter((d) => d.decision === 'approve')
                .length,
            },
          });
        })();
      } catch (e) {
        deps.log.error('could not expire a request; will retry', { requestId: r.id, err: e });
      }
    }
    this.rearm();
  }

  /** Re-arms the sweep timer for the earliest due time (after a grant or request is added). */
  rearm(): void {
    const { deps } = this;
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.running) return;
    const next = Math.min(
      deps.grants.nextEnd() ?? Infinity,
      deps.requests.nextPendingEnd() ?? Infinity,
    );
    const delay = Number.isFinite(next) ? Math.max(0, next - deps.clock.now()) : MAX_SWEEP_DELAY_MS;
    this.timer = deps.clock.setTimeout(() => this.sweep(), Math.min(delay, MAX_SWEEP_DELAY_MS));
  }

  /** Tells the site to end the grant's live sessions; reports whether the command was delivered. */
  afterEnd(g: Pick<GrantRow, 'id' | 'site'>, reason: string): Promise<boolean> {
    return tellSite(this.deps, 'endGrantSessions', () =>
      this.deps.siteCommands.endGrantSessions(g.site, g.id, reason),
    );
  }

  notifyRevoked(view: GrantView, actor: string, comment: string): void {
    const owners = this.deps.users.listWithSiteRole('ot-owner', view.site).map((u) => u.name);
    this.deps.notifier.notify({
      event: 'grant.revoked',
      site: view.site,
      requestId: view.requestId,
      grantId: view.id,
      user: view.user.name,
      actor,
      assets: view.assets,
      startsAt: view.notBefore,
      endsAt: view.notAfter,
      breakGlass: view.breakGlass,
      comment,
      recipients: [...new Set([view.user.name, ...owners])],
    });
  }

  private visible(actor: Actor, id: string): GrantRow {
    const g = this.deps.grants.get(id);
    if (g === undefined || !canSeeAccess(actor, g.userId, g.site))
      throw new AirlockError('not_found', 'grant.not_found', `no grant ${id}`);
    return g;
  }
}
