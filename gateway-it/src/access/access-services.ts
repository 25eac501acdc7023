/** Builds the access services once, from their dependencies (called by the composition root). */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { SigningKeyPair } from '../../../shared/src/crypto/signing.js';
import type { SiteLinkStates } from '../link/site-link-state.js';
import type { AccessDeps } from './access-deps.js';
import { AccessChecker } from './access-check.js';
import { ApprovalService } from './approval-service.js';
import { BreakGlassService } from './break-glass.js';
import { GrantService } from './grant-service.js';
import { LockdownService } from './lockdown-service.js';
import { RequestService } from './request-service.js';
import { SiteDirectory } from './site-directory.js';
import { SitePolicyService } from './site-policy-service.js';
import { TicketIssuer } from './ticket-issuer.js';
import { WindowService } from './window-service.js';

export interface AccessServices {
  readonly windows: WindowService;
  readonly requests: RequestService;
  readonly approvals: ApprovalService;
  readonly grants: GrantService;
  readonly breakGlass: BreakGlassService;
  readonly lockdown: LockdownService;
  readonly policies: SitePolicyService;
  readonly directory: SiteDirectory;
  /** checkAccess(user, site, asset, protocol, now): the gate every session path calls. */
  readonly checker: AccessChecker;
  /** Signs session tickets after a fresh access check. */
  readonly tickets: TicketIssuer;
}

export function createAccessServices(
  deps: AccessDeps,
  extra: { grantKey: SigningKeyPair; audit: AuditLog; links: () => SiteLinkStates },
): AccessServices {
  const windows = new WindowService(deps);
  const grants = new GrantService(deps);
  const requests = new RequestService(deps, windows, () => grants.rearm());
  const lockdown = new LockdownService(deps);
  const checker = new AccessChecker(deps, windows, lockdown);
  return {
    windows,
    requests,
    grants,
    lockdown,
    checker,
    approvals: new ApprovalService(deps, requests, grants),
    breakGlass: new BreakGlassService(deps, requests, grants, windows, lockdown),
    policies: new SitePolicyService(deps),
    directory: new SiteDirectory(deps, windows, extra.links),
    tickets: new TicketIssuer({
      access: checker,
      users: deps.users,
      audit: extra.audit,
      clock: deps.clock,
      ids: deps.ids,
      grantKey: extra.grantKey,
    }),
  };
}
