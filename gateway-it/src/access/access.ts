/**
 * Access: who may reach which asset at which site, when, and on whose approval. Requests,
 * approvals (separation of duties: an OT owner of the site, never the requester), maintenance
 * windows and vendor schedules in the site's time zone, grants and their expiry, break-glass,
 * site lockdown and policy, the sites as people see them, the access check every session path
 * calls, and the session tickets signed after it.
 *
 * Guarantees: deny is the default (`checker` allows only with an active grant for the asset and
 * profile, inside a window, outside a lockdown, for an active account); every decision and change
 * is audited in the transaction that makes it, before it is reported; a ticket is signed only
 * after a fresh check, and its issue is audited first. Revocation, expiry and lockdown are sent to
 * the site (SiteCommands) and announced to `onSessionsEnd` listeners first, so local sessions end
 * even when the site is unreachable. While running (`start`), grants are expired on time by the
 * injected clock. Not here: enforcement at the plant (the OT gateway re-verifies every ticket), who
 * someone is (auth/), and the live sessions themselves (sessions/).
 */
import type { Clock } from '../../../shared/src/clock.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import type { AccountChange } from '../auth/auth.js';
import type { ItConfig } from '../config/config.js';
import type { Itsm } from '../itsm/itsm.js';
import type { Notify } from '../notify/notify.js';
import type { SiteCommands, SiteLinkStates } from '../sites/sites.js';
import type { ItStore } from '../store/store.js';
import type { RelyingParty } from '../../../shared/src/webauthn/webauthn.js';
import { AccessChecker } from './access-check.js';
import { portalUrlOf } from './access-deps.js';
import type { AccessDeps } from './access-deps.js';
import { ApprovalService } from './approval-service.js';
import { BreakGlassService } from './break-glass.js';
import { GrantService } from './grant-service.js';
import { endAccessOf, type LeaverOutcome } from './leaver-access.js';
import { LockdownService } from './lockdown-service.js';
import { RequestService } from './request-service.js';
import { announcingSiteCommands, type SessionsEndListener } from './session-ends.js';
import { reflagAfterAccountChange } from './quorum-reevaluation.js';
import { SiteScopes } from './scope.js';
import { SiteDirectory } from './site-directory.js';
import { SitePolicyService } from './site-policy-service.js';
import { OwnerSignedApprovals } from './owner-signed-approval.js';
import { TicketIssuer } from './ticket-issuer.js';
import { AccessViews } from './views.js';
import { WindowService } from './window-service.js';

export type { AccessAllow, AccessChecker, AccessDeny } from './access-check.js';
export type { CliOperator, Operator } from './access-deps.js';
export type { LeaverOutcome } from './leaver-access.js';
export type { AssetChoice } from './request-service.js';
export { APPROVAL_CHALLENGE_TTL_MS, type OwnerSignedApprovals } from './owner-signed-approval.js';
export { BREAK_GLASS_MIN_MINUTES, MIN_JUSTIFICATION } from './break-glass.js';
export type { SessionsEnd, SessionsEndListener } from './session-ends.js';
export type { SiteSummary } from './site-directory.js';
export { isJobScoped, seesPeople, type SiteAsset } from './scope.js';
export { quorumWarning, type Quorum } from './quorum.js';
export type { Reevaluated } from './quorum-reevaluation.js';
export type { TicketChannel, TicketIssue, TicketRequest } from './ticket-issuer.js';
export type { GrantView, RequestView } from './views.js';
export {
  canRequest,
  canSeeAccess,
  decisionBar,
  hasRole,
  isAdmin,
  isAuditorOf,
  isOtOwnerOf,
  isVendor,
  sitesWithRole,
  type Actor,
} from './visibility.js';
export {
  WEEKDAYS,
  WEEKDAYS_MONDAY_FIRST,
  weeklyRuleSchema,
  occurrences,
  windowRuleSchema,
  type Weekday,
  type WindowRule,
} from './window-rules.js';
export type { MaintenanceWindow, NewWindow, VendorSchedule } from './window-service.js';
export {
  formatLocal,
  formatLocalInput,
  fromLocal,
  parseLocalDateTime,
  toLocal,
} from './zoned-time.js';

export interface Access {
  readonly windows: WindowService;
  readonly requests: RequestService;
  readonly approvals: ApprovalService;
  /** Owner-signed sites: the passkey options and checks of an approval. */
  readonly signatures: OwnerSignedApprovals;
  readonly grants: GrantService;
  readonly breakGlass: BreakGlassService;
  readonly lockdown: LockdownService;
  readonly policies: SitePolicyService;
  readonly directory: SiteDirectory;
  /** checkAccess(user, site, asset, protocol, now): the gate every session path calls. */
  readonly checker: AccessChecker;
  /** Signs session tickets after a fresh access check. */
  readonly tickets: TicketIssuer;
  /**
   * A disabled account's access ends: its grants are revoked (live sessions end on both
   * gateways) and its pending requests cancelled, all audited (leaver-access.ts).
   */
  endAccessOf(user: { readonly id: string; readonly name: string }, actor: string): LeaverOutcome;
  /**
   * Accounts changed (auth/'s account-change listener): every pending request's quorum is judged
   * again, each flag that turns on or off audited (quorum-reevaluation.ts).
   */
  accountsChanged(change: AccountChange): void;
  /** Registers a listener told of each grant and lockdown whose sessions end (before the site). */
  onSessionsEnd(listener: SessionsEndListener): void;
  /** Starts expiring grants on time (a timer on the injected clock). */
  start(): void;
  stop(): void;
}

export interface AccessFactoryDeps {
  readonly config: Pick<ItConfig, 'access' | 'http'>;
  readonly store: Pick<
    ItStore,
    | 'db'
    | 'audit'
    | 'keys'
    | 'users'
    | 'sites'
    | 'catalogue'
    | 'requests'
    | 'grants'
    | 'windows'
    | 'policies'
    | 'ownerApprovals'
  >;
  readonly notify: Pick<Notify, 'notifier'>;
  /** Ticket checks against each site's ITSM (request and approval time). */
  readonly itsm: Pick<Itsm, 'checks'>;
  readonly siteCommands: Pick<SiteCommands, 'setLockdown' | 'endGrantSessions'>;
  /** Each site's link state, shown with the site. */
  readonly links: SiteLinkStates;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  /** The portal's passkey relying party (owner-signed approvals); throws when passkeys are off. */
  relyingParty(): RelyingParty;
}

export function createAccess(factory: AccessFactoryDeps): Access {
  const { store } = factory;
  const config = factory.config.access;
  const log = factory.log.child({ component: 'access' });
  const endListeners = new Set<SessionsEndListener>();
  const deps: AccessDeps = {
    db: store.db,
    audit: store.audit,
    clock: factory.clock,
    ids: factory.ids,
    log,
    users: store.users,
    sites: store.sites,
    catalogue: store.catalogue,
    requests: store.requests,
    grants: store.grants,
    windows: store.windows,
    policies: store.policies,
    views: new AccessViews(store.requests, store.grants, store.users, factory.itsm.checks),
    notifier: factory.notify.notifier,
    itsm: factory.itsm.checks,
    siteCommands: announcingSiteCommands(factory.siteCommands, endListeners, log),
    portalUrl: portalUrlOf(factory.config.http),
    limits: {
      maxRequestMs: config.maxRequestHours * 3_600_000,
      breakGlassMaxMs: config.breakGlassMaxHours * 3_600_000,
    },
  };
  const scopes = new SiteScopes(store.windows);
  const windows = new WindowService(deps, scopes);
  const grants = new GrantService(deps);
  const requests = new RequestService(deps, windows, scopes, () => grants.rearm());
  const lockdown = new LockdownService(deps);
  const checker = new AccessChecker(deps, windows, lockdown);
  const signatures = new OwnerSignedApprovals({
    audit: store.audit,
    clock: factory.clock,
    requests: store.requests,
    views: deps.views,
    store: store.ownerApprovals,
    relyingParty: factory.relyingParty,
  });
  return {
    windows,
    requests,
    grants,
    lockdown,
    checker,
    approvals: new ApprovalService(deps, requests, grants, signatures),
    signatures,
    breakGlass: new BreakGlassService(deps, requests, grants, windows, lockdown),
    policies: new SitePolicyService(deps, grants),
    directory: new SiteDirectory(
      deps,
      windows,
      factory.links,
      scopes,
      (site) => signatures.modeOf(site).mode,
    ),
    tickets: new TicketIssuer({
      access: checker,
      users: store.users,
      audit: store.audit,
      clock: factory.clock,
      ids: factory.ids,
      grantKey: store.keys.grant,
      ownerApprovals: store.ownerApprovals,
    }),
    endAccessOf: (user, actor) => endAccessOf(deps, grants, user, actor),
    accountsChanged: (change) => reflagAfterAccountChange(deps, change),
    onSessionsEnd: (listener) => void endListeners.add(listener),
    start: () => grants.start(),
    stop: () => grants.stop(),
  };
}
