/**
 * Break-glass: a user an admin marked for it takes an emergency grant at once, with a written
 * justification and no approval and no maintenance window. It is bounded (a few hours at most,
 * never past a vendor's contract end, never during a lockdown), marked as break-glass in every
 * view, ticket and export, alerts every OT owner of the site at once (portal banner and webhook),
 * and stays flagged until an OT owner reviews it (GrantService.review).
 */
import { AirlockError } from '../../../shared/src/errors.js';
import type { RequestRow } from '../store/store.js';
import { accountRefusal, contractEndsAt } from '../auth/auth.js';
import { requireSite, requireText, type AccessDeps } from './access-deps.js';
import type { GrantService } from './grant-service.js';
import type { LockdownService } from './lockdown-service.js';
import type { AssetChoice, RequestService } from './request-service.js';
import { grantFor } from './scope.js';
import type { GrantView } from './views.js';
import { isVendor, type Actor } from './visibility.js';
import type { WindowService } from './window-service.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface BreakGlassInput {
  readonly site: string;
  readonly assets: readonly AssetChoice[];
  readonly durationMinutes: number;
  readonly justification: string;
}

export const MIN_JUSTIFICATION = 20;
/** The shortest emergency grant; the longest is the config's `access.breakGlassMaxHours`. */
export const BREAK_GLASS_MIN_MINUTES = 5;

export class BreakGlassService {
  constructor(
    private readonly deps: AccessDeps,
    private readonly requests: RequestService,
    private readonly grants: GrantService,
    private readonly windows: WindowService,
    private readonly lockdown: LockdownService,
  ) {}

  /** The one limit every face shows and this service enforces (config `access.breakGlassMaxHours`). */
  get maxMinutes(): number {
    return Math.floor(this.deps.limits.breakGlassMaxMs / 60_000);
  }

  take(actor: Actor, input: BreakGlassInput): GrantView {
    const { deps } = this;
    const now = deps.clock.now();
    if (!actor.canBreakGlass)
      throw new AirlockError(
        'access_denied',
        'break_glass.not_allowed',
        'this account is not marked for break-glass access; ask an admin',
      );
    const refusal = accountRefusal(actor, now);
    if (refusal !== undefined)
      throw new AirlockError(
        'access_denied',
        `break_glass.account_${refusal.replace('-', '_')}`,
        `this account cannot take access (${refusal})`,
      );
    const site = requireSite(deps, input.site);
    if (!this.windows.canSeeSite(actor, site.id))
      throw new AirlockError('not_found', 'site.not_found', `no site ${input.site}`);
    if (this.lockdown.isLocked(site.id))
      throw new AirlockError(
        'access_denied',
        'break_glass.locked_down',
        `site ${site.id} is locked down by its OT owners; break-glass does not lift a lockdown`,
      );
    const assets = this.requests.checkAssets(actor, site.id, input.assets);
    const maxMinutes = this.maxMinutes;
    if (
      !Number.isInteger(input.durationMinutes) ||
      input.durationMinutes < BREAK_GLASS_MIN_MINUTES ||
      input.durationMinutes > maxMinutes
    ) {
      throw new AirlockError(
        'bad_request',
        'break_glass.duration',
        `durationMinutes must be ${BREAK_GLASS_MIN_MINUTES} to ${maxMinutes} (minutes)`,
        { details: { field: 'durationMinutes' } },
      );
    }
    const justification = requireText(
      input.justification,
      'justification',
      MIN_JUSTIFICATION,
      2000,
    );
    const endsAt = now + input.durationMinutes * 60_000;
    if (
      isVendor(actor) &&
      (actor.contractEnd === null || endsAt > contractEndsAt(actor.contractEnd))
    ) {
      throw new AirlockError(
        'access_denied',
        'break_glass.after_contract_end',
        `durationMinutes: your contract ends on ${actor.contractEnd ?? '(no date)'}`,
        { details: { field: 'durationMinutes' } },
      );
    }
    const owners = this.requests.owners(site.id);
    const request: RequestRow = {
      id: deps.ids.next('req'),
      requesterId: actor.id,
      site: site.id,
      startsAt: now,
      endsAt,
      reason: justification,
      ticketRef: null,
      breakGlass: true,
      status: 'approved',
      requiredApprovals: 0,
      createdAt: now,
      closedAt: now,
    };
    const grant = writeTransaction(deps.db, () => {
      deps.requests.insert(request, assets);
      deps.audit.append({
        action: 'grant.break_glass',
        actor: actor.name,
        site: site.id,
        target: request.id,
        outcome: 'success',
        details: {
          justification,
          assets: assets.map((a) => `${a.asset}:${a.profile}`),
          startsAt: new Date(now).toISOString(),
          endsAt: new Date(endsAt).toISOString(),
          alerted: owners,
        },
      });
      return this.grants.issueWithin(request, assets, actor.name);
    })();
    this.grants.rearm();
    deps.notifier.notify({
      event: 'break_glass',
      site: site.id,
      requestId: request.id,
      grantId: grant.id,
      user: actor.name,
      actor: actor.name,
      assets,
      startsAt: now,
      endsAt,
      breakGlass: true,
      comment: justification,
      recipients: owners,
    });
    return grantFor(actor, deps.views.grant(grant, now));
  }
}
