/**
 * A site's ITSM settings, set by an admin: the connector (one named in the gateway's config), the
 * record states that allow access, each asset's CI name, what happens when the ITSM cannot answer
 * (`deny`, the default, or `allow-and-flag`) and whether a work note is written when a grant ends.
 * Validated in full (the field named on refusal, nothing changed), audited as `itsm.configure`.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type {
  ItsmStore,
  OnUnavailable,
  SiteItsmSettings,
  SiteStore,
  User,
} from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface SettingsChange {
  readonly connector: string;
  readonly allowedStates: readonly string[];
  readonly assetCis?: Readonly<Record<string, string>> | undefined;
  readonly onUnavailable?: OnUnavailable | undefined;
  readonly workNotes?: boolean | undefined;
}

/** An admin, or the gateway's own command line (an operator with the data directory). */
export type SettingsActor = Pick<User, 'name' | 'roles'> | { readonly cli: string };
const nameOf = (a: SettingsActor): string => ('cli' in a ? a.cli : a.name);

export interface SiteSettingsDeps {
  readonly db: Db;
  readonly store: ItsmStore;
  readonly sites: Pick<SiteStore, 'get'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly connectorNames: () => readonly string[];
}

const bad = (field: string, message: string): AirlockError =>
  new AirlockError('bad_request', 'itsm.bad_settings', `${field}: ${message}`, {
    details: { field },
  });

export class SiteItsmSettingsService {
  constructor(private readonly deps: SiteSettingsDeps) {}

  get(site: string): SiteItsmSettings | null {
    this.requireSite(site);
    return this.deps.store.settings(site) ?? null;
  }

  set(actor: SettingsActor, site: string, change: SettingsChange): SiteItsmSettings {
    const { deps } = this;
    this.requireAdmin(actor);
    this.requireSite(site);
    const names = deps.connectorNames();
    if (!names.includes(change.connector))
      throw bad(
        'connector',
        names.length === 0
          ? 'no ITSM connector is configured on this gateway (itsm.connectors)'
          : `no connector ${change.connector}; configured: ${names.join(', ')}`,
      );
    const states = change.allowedStates.map((s) => s.trim());
    if (states.length === 0 || states.length > 20)
      throw bad('allowedStates', 'name 1 to 20 states');
    const badState = states.findIndex((s) => s.length === 0 || s.length > 64);
    if (badState >= 0) throw bad(`allowedStates[${badState}]`, 'a state is 1 to 64 characters');
    const cis = Object.entries(change.assetCis ?? {});
    if (cis.length > 500) throw bad('assetCis', 'at most 500 assets');
    for (const [asset, ci] of cis) {
      if (asset.length === 0 || asset.length > 64)
        throw bad('assetCis', `asset name "${asset.slice(0, 64)}" must be 1 to 64 characters`);
      if (ci.trim().length === 0 || ci.length > 200)
        throw bad(`assetCis.${asset}`, 'a CI name is 1 to 200 characters');
    }
    const next: SiteItsmSettings = {
      site,
      connector: change.connector,
      allowedStates: states,
      assetCis: Object.fromEntries(cis.map(([a, c]) => [a, c.trim()])),
      onUnavailable: change.onUnavailable ?? 'deny',
      workNotes: change.workNotes ?? true,
      updatedAt: deps.clock.now(),
    };
    const before = deps.store.settings(site) ?? null;
    writeTransaction(deps.db, () => {
      deps.store.putSettings(next);
      deps.audit.append({
        action: 'itsm.configure',
        actor: nameOf(actor),
        site,
        target: site,
        outcome: 'success',
        details: {
          ...settingsFacts(next),
          previous: before === null ? null : settingsFacts(before),
        },
      });
    })();
    return next;
  }

  /** Stops checking tickets at the site (the ticket pattern still applies). */
  clear(actor: SettingsActor, site: string): void {
    const { deps } = this;
    this.requireAdmin(actor);
    this.requireSite(site);
    writeTransaction(deps.db, () => {
      const removed = deps.store.deleteSettings(site);
      deps.audit.append({
        action: 'itsm.configure',
        actor: nameOf(actor),
        site,
        target: site,
        outcome: 'success',
        details: { connector: null, removed },
      });
    })();
  }

  private requireSite(site: string): void {
    if (this.deps.sites.get(site) === undefined)
      throw new AirlockError('not_found', 'site.not_found', `no site ${site}`);
  }

  // The admin rule of access/visibility.ts, restated: itsm/ sits below access/ and cannot import it.
  private requireAdmin(actor: SettingsActor): void {
    if (!('cli' in actor) && !actor.roles.some((r) => r.role === 'admin'))
      throw new AirlockError(
        'access_denied',
        'itsm.settings_admin',
        "only an admin sets a site's ITSM check",
      );
  }
}

const settingsFacts = (s: SiteItsmSettings) => ({
  connector: s.connector,
  allowedStates: s.allowedStates,
  assetCis: s.assetCis,
  onUnavailable: s.onUnavailable,
  workNotes: s.workNotes,
});
