/**
 * Creating sites (the sites half of user and site administration; accounts are user-admin.ts).
 * A site is stored with its audit event in one transaction; a bad id or time zone changes
 * nothing. Not here: a site's policy, windows and lockdown (access/).
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { SiteId } from '../../../shared/src/ids.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { NAME_PATTERN } from '../../../shared/src/model/session-ticket.js';
import type { Site, SiteStore } from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface SiteAdminDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly sites: SiteStore;
  readonly clock: Clock;
}

export interface NewSite {
  readonly id: string;
  readonly displayName?: string;
  readonly timezone: string;
}

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz.length > 0;
  } catch {
    return false;
  }
}

export function createSite(deps: SiteAdminDeps, input: NewSite, actor: string): Site {
  if (!NAME_PATTERN.test(input.id))
    throw new AirlockError(
      'bad_request',
      'site.bad_name',
      'site id must be a lowercase name: letters, digits, ".", "_", "-" (max 63)',
      { details: { field: 'id' } },
    );
  if (!isValidTimezone(input.timezone))
    throw new AirlockError(
      'bad_request',
      'site.bad_timezone',
      `unknown timezone "${input.timezone}" (expected an IANA name such as Europe/Berlin)`,
      { details: { field: 'timezone' } },
    );
  if (deps.sites.get(input.id) !== undefined)
    throw new AirlockError('conflict', 'site.exists', `site ${input.id} already exists`);
  const site: Site = {
    id: input.id as SiteId,
    displayName: input.displayName ?? input.id,
    timezone: input.timezone,
    createdAt: deps.clock.now(),
  };
  writeTransaction(deps.db, () => {
    deps.sites.insert(site);
    deps.audit.append({
      action: 'site.create',
      actor,
      site: site.id,
      target: site.id,
      outcome: 'success',
      details: { timezone: site.timezone, displayName: site.displayName },
    });
  })();
  return site;
}
