/**
 * IT-side lockdown of a site: an OT owner of the site locks it (every live session ends, no grant
 * can be used) and an OT owner lifts it. The state is committed and audited first, then the site
 * is told (SiteCommands.setLockdown); the access check refuses every grant of a locked site
 * whatever the link says. The OT gateway's own local lockdown is separate and cannot be lifted
 * from here. The link should re-send `isLocked` to a site when it reconnects.
 */
import { AirlockError } from '../../../shared/src/errors.js';
import type { SiteLockdown } from '../store/store.js';
import { requireSite, requireText, tellSite, type AccessDeps } from './access-deps.js';
import { isOtOwnerOf, type Actor } from './visibility.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface LockdownResult {
  readonly lockdown: SiteLockdown;
  /** Whether the site's OT gateway confirmed the command (false when it is offline). */
  readonly delivered: boolean;
}

export class LockdownService {
  constructor(private readonly deps: AccessDeps) {}

  isLocked(site: string): boolean {
    return this.deps.policies.lockdown(site)?.locked === true;
  }

  state(site: string): SiteLockdown | undefined {
    return this.deps.policies.lockdown(site);
  }

  async set(actor: Actor, site: string, on: boolean, reason: string): Promise<LockdownResult> {
    const { deps } = this;
    requireSite(deps, site);
    if (!isOtOwnerOf(actor, site))
      throw new AirlockError(
        'access_denied',
        'lockdown.not_site_owner',
        `only an OT owner of ${site} can lock it down or lift a lockdown`,
      );
    const text = requireText(reason, 'reason', 1, 500);
    const lockdown: SiteLockdown = {
      site,
      locked: on,
      reason: text,
      changedBy: actor.name,
      changedAt: deps.clock.now(),
    };
    writeTransaction(deps.db, () => {
      if (this.isLocked(site) === on)
        throw new AirlockError(
          'conflict',
          on ? 'lockdown.already_on' : 'lockdown.not_on',
          on ? `site ${site} is already locked down` : `site ${site} is not locked down`,
        );
      deps.policies.putLockdown(lockdown);
      deps.audit.append({
        action: on ? 'site.lockdown' : 'site.lockdown_lift',
        actor: actor.name,
        site,
        target: site,
        outcome: 'success',
        details: { reason: text, from: 'it-portal' },
      });
    })();
    const delivered = await tellSite(deps, 'setLockdown', () =>
      deps.siteCommands.setLockdown(site, on, text),
    );
    return { lockdown, delivered };
  }
}
