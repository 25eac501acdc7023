/**
 * The access check every path that opens a session calls first (SSH endpoint, web terminal, port
 * forwarding): may this user reach this asset with this protocol now? The answer is a value, allow
 * (with the grant and the profile to use) or deny (with a reason the operator can be shown), never
 * an exception. Checked, in order: the account (disabled, contract ended), the site and asset
 * (known to the catalogue, protocol matches), lockdown, then the user's grants for the asset:
 * inside its bounds, still active, inside a maintenance window now (unless break-glass) and, for a
 * vendor, inside their job schedule now. Fail closed: anything unknown is a deny.
 * The OT gateway re-checks what it can (signature, bounds, asset, profile, its own lockdown).
 * Messages are for a person: times in the site's zone, named (`2026-12-07 14:05 Europe/Berlin`), as
 * the portal shows them; "no grant" names the portal page where one is requested.
 */
import type { UserId } from '../../../shared/src/ids.js';
import type { Protocol } from '../../../shared/src/model/session-ticket.js';
import { accountRefusal } from '../auth/auth.js';
import type { AccessDeps } from './access-deps.js';
import type { LockdownService } from './lockdown-service.js';
import type { GrantView } from './views.js';
import { isVendor } from './visibility.js';
import type { WindowService } from './window-service.js';
import { rulesContain } from './window-rules.js';
import { formatLocal } from './zoned-time.js';

export const ACCESS_DENY_REASONS = [
  'account-disabled',
  'contract-ended',
  'unknown-site',
  'unknown-asset',
  'wrong-protocol',
  'site-locked-down',
  'no-grant',
  'not-yet-valid',
  'expired',
  'revoked',
  'outside-window',
  'outside-schedule',
] as const;
export type AccessDenyReason = (typeof ACCESS_DENY_REASONS)[number];

export interface AccessAllow {
  readonly allow: true;
  readonly grant: GrantView;
  readonly asset: string;
  readonly protocol: Protocol;
  readonly profile: string;
}

export interface AccessDeny {
  readonly allow: false;
  readonly reason: AccessDenyReason;
  /** One line for the operator: what is wrong and, where useful, when it changes. */
  readonly message: string;
  readonly grantId: string | null;
}

export type AccessDecision = AccessAllow | AccessDeny;

/** When several grants fail for different reasons, the operator hears the most useful one. */
const PRIORITY: readonly AccessDenyReason[] = [
  'outside-schedule',
  'outside-window',
  'not-yet-valid',
  'expired',
  'revoked',
];

export class AccessChecker {
  constructor(
    private readonly deps: AccessDeps,
    private readonly windows: WindowService,
    private readonly lockdown: LockdownService,
  ) {}

  checkAccess(
    user: UserId,
    site: string,
    asset: string,
    protocol: Protocol,
    now: number,
  ): AccessDecision {
    const { deps } = this;
    const deny = (
      reason: AccessDenyReason,
      message: string,
      grantId: string | null = null,
    ): AccessDeny => ({ allow: false, reason, message, grantId });
    const u = deps.users.getById(user);
    if (u === undefined) return deny('account-disabled', 'unknown account');
    const refusal = accountRefusal(u, now);
    if (refusal === 'disabled') return deny('account-disabled', 'this account is disabled');
    if (refusal === 'contract-ended')
      return deny('contract-ended', `the contract of ${u.name} ended on ${u.contractEnd ?? ''}`);
    const s = deps.sites.get(site);
    if (s === undefined) return deny('unknown-site', `no site ${site}`);
    const entry = deps.catalogue.get(site, asset);
    if (entry === undefined) return deny('unknown-asset', `site ${site} has no asset ${asset}`);
    if (entry.protocol !== protocol)
      return deny('wrong-protocol', `${asset} is reached over ${entry.protocol}, not ${protocol}`);
    if (this.lockdown.isLocked(site))
      return deny(
        'site-locked-down',
        `site ${site} is locked down: ${this.lockdown.state(site)?.reason ?? ''}`,
      );

    const noGrant = `you have no grant for ${asset} at ${site}; request one at ${deps.portalUrl}/requests/new?site=${encodeURIComponent(site)}`;
    const at = (ms: number): string => `${formatLocal(ms, s.timezone)} ${s.timezone}`;
    const candidates = deps.grants.forAsset(u.id, site, asset);
    if (candidates.length === 0) return deny('no-grant', noGrant);
    const denials: AccessDeny[] = [];
    for (const g of candidates) {
      if (g.status === 'revoked')
        denials.push(deny('revoked', `your grant ${g.id} for ${asset} was revoked`, g.id));
      else if (g.status === 'expired' || now >= g.notAfter)
        denials.push(
          deny('expired', `your grant ${g.id} for ${asset} ended at ${at(g.notAfter)}`, g.id),
        );
      else if (now < g.notBefore)
        denials.push(
          deny(
            'not-yet-valid',
            `your grant ${g.id} for ${asset} starts at ${at(g.notBefore)}`,
            g.id,
          ),
        );
      else if (g.protocol !== protocol)
        denials.push(deny('wrong-protocol', `your grant names ${asset} over ${g.protocol}`, g.id));
      else if (
        !g.breakGlass &&
        !rulesContain(this.windows.windowRules(site, asset), s.timezone, now)
      ) {
        denials.push(deny('outside-window', `no maintenance window of ${asset} is open now`, g.id));
      } else if (
        isVendor(u) &&
        !g.breakGlass &&
        !rulesContain(this.windows.scheduleRules(u.id, site, asset, g.profile), s.timezone, now)
      ) {
        denials.push(
          deny(
            'outside-schedule',
            `your job schedule for ${asset} (${g.profile}) is not open now`,
            g.id,
          ),
        );
      } else {
        return {
          allow: true,
          grant: deps.views.grant(g, now),
          asset,
          protocol,
          profile: g.profile,
        };
      }
    }
    const rank = (d: AccessDeny): number => {
      const i = PRIORITY.indexOf(d.reason);
      return i < 0 ? PRIORITY.length : i;
    };
    return denials.sort((a, b) => rank(a) - rank(b))[0] ?? deny('no-grant', noGrant);
  }

  /** Assets the user could open now (for the SSH menu and the dashboard's connect hints). */
  usableNow(user: UserId, now: number): AccessAllow[] {
    const out: AccessAllow[] = [];
    const seen = new Set<string>();
    for (const g of this.deps.grants.listByUser(user)) {
      if (g.status !== 'active' || now < g.notBefore || now >= g.notAfter) continue;
      for (const a of this.deps.requests.assets(g.requestId)) {
        const key = `${g.site}/${a.asset}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const d = this.checkAccess(user, g.site, a.asset, a.protocol, now);
        if (d.allow) out.push(d);
      }
    }
    return out;
  }
}
