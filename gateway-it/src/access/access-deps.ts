/** What the access services are built from (access.ts assembles it), and helpers they share. */
import { freeTextProblem, type TextKind } from '../../../shared/src/text/free-text.js';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { TicketChecks } from '../itsm/itsm.js';
import type { Notifier } from '../notify/notify.js';
import type { SiteCommands } from '../sites/sites.js';
import type {
  AccessRequestStore,
  AssetCatalogueStore,
  GrantStore,
  Site,
  SitePolicyStore,
  SiteStore,
  UserStore,
  WindowStore,
} from '../store/store.js';
import type { Actor } from './visibility.js';
import type { AccessViews } from './views.js';

export interface AccessLimits {
  readonly maxRequestMs: number;
  readonly breakGlassMaxMs: number;
}

export interface AccessDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  readonly users: UserStore;
  readonly sites: SiteStore;
  readonly catalogue: AssetCatalogueStore;
  readonly requests: AccessRequestStore;
  readonly grants: GrantStore;
  readonly windows: WindowStore;
  readonly policies: SitePolicyStore;
  readonly views: AccessViews;
  readonly notifier: Notifier;
  /** Ticket checks against the site's ITSM, when the site names a connector. */
  readonly itsm: TicketChecks;
  /** Lockdown and ending a grant's sessions at the site (announced to listeners first). */
  readonly siteCommands: Pick<SiteCommands, 'setLockdown' | 'endGrantSessions'>;
  readonly limits: AccessLimits;
  /** The portal people are sent to (`http.publicUrl`, else the configured listener), in messages. */
  readonly portalUrl: string;
}

/** `http.publicUrl`, else `https://<host>:<port>` of the listener as configured. */
export function portalUrlOf(http: {
  host: string;
  port: number;
  publicUrl?: string | undefined;
}): string {
  if (http.publicUrl !== undefined) return http.publicUrl.replace(/\/+$/, '');
  const host = http.host.includes(':') ? `[${http.host}]` : http.host;
  return `https://${host}:${http.port}`;
}

/** The gateway's own command line acting (an operator with the data directory), named for the audit log. */
export interface CliOperator {
  readonly cli: string;
}

export type Operator = Actor | CliOperator;

export const isCli = (o: Operator): o is CliOperator => 'cli' in o;
export const operatorName = (o: Operator): string => (isCli(o) ? o.cli : o.name);

export function requireSite(deps: Pick<AccessDeps, 'sites'>, site: string): Site {
  const s = deps.sites.get(site);
  if (s === undefined) throw new AirlockError('not_found', 'site.not_found', `no site ${site}`);
  return s;
}

/**
 * A trimmed free-text field with bounds and no control characters or bidi overrides (one-line for
 * a label; a reason, comment or justification may span lines), or a 400 naming the field. The HTTP
 * bodies were already judged (http/body-text.ts); this holds the rule for the CLI too.
 */
export function requireText(
  value: string | undefined,
  field: string,
  min: number,
  max: number,
  kind: TextKind = field === 'label' ? 'line' : 'multiline',
): string {
  const v = (value ?? '').trim();
  const problem = freeTextProblem(v, kind);
  if (problem !== undefined)
    throw new AirlockError('bad_request', `request.${field}_text`, `${field}: ${problem}`, {
      details: { field },
    });
  if (v.length < min)
    throw new AirlockError(
      'bad_request',
      `request.${field}_required`,
      min <= 1 ? `${field} is required` : `${field} needs at least ${min} characters`,
      { details: { field } },
    );
  if (v.length > max)
    throw new AirlockError(
      'bad_request',
      `request.${field}_too_long`,
      `${field} must be at most ${max} characters`,
      { details: { field } },
    );
  return v;
}

/** Runs a site command after the state change committed; reports delivery, never throws. */
export async function tellSite(
  deps: Pick<AccessDeps, 'log'>,
  what: string,
  run: () => Promise<boolean>,
): Promise<boolean> {
  try {
    return await run();
  } catch (e) {
    deps.log.warn('site command failed', { command: what, err: e });
    return false;
  }
}
