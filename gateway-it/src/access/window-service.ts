/**
 * Maintenance windows and vendor job schedules: OT owners of a site define them (the gateway's
 * CLI may too); everyone who can see the site sees its windows; a vendor sees only their own
 * schedules. Every change is audited in the same transaction. The read side (`windowRules`,
 * `scheduleRules`) is what requests and the access check consult.
 */
import { AirlockError } from '../../../shared/src/errors.js';
import type { UserId } from '../../../shared/src/ids.js';
import type { ScheduleRow, WindowRow } from '../store/store.js';
import {
  isCli,
  operatorName,
  requireSite,
  requireText,
  type AccessDeps,
  type Operator,
} from './access-deps.js';
import { isAdmin, isAuditorOf, isOtOwnerOf, isVendor, type Actor } from './visibility.js';
import { SOMEONE, seesPeople, type SiteScopes } from './scope.js';
import { describeRule, windowRuleSchema, type WindowRule } from './window-rules.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface MaintenanceWindow {
  readonly id: string;
  readonly site: string;
  /** Null: every asset of the site. */
  readonly asset: string | null;
  readonly label: string;
  readonly rule: WindowRule;
  readonly description: string;
  readonly createdBy: string;
  readonly createdAt: number;
}

export interface VendorSchedule extends Omit<MaintenanceWindow, 'asset'> {
  readonly vendor: { readonly id: string; readonly name: string };
  readonly asset: string;
  readonly profile: string;
}

export interface NewWindow {
  readonly asset: string | null;
  readonly label: string;
  readonly rule: WindowRule;
}

export interface NewSchedule {
  readonly vendor: string;
  readonly asset: string;
  readonly profile: string;
  readonly label: string;
  readonly rule: WindowRule;
}

/** One-off rules may not be longer than this (a year). */
const MAX_ONCE_MS = 366 * 86_400_000;

function parseRule(json: string): WindowRule | undefined {
  try {
    const r = windowRuleSchema.safeParse(JSON.parse(json));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export class WindowService {
  constructor(
    private readonly deps: AccessDeps,
    private readonly scopes: SiteScopes,
  ) {}

  addWindow(operator: Operator, site: string, input: NewWindow): MaintenanceWindow {
    const { deps } = this;
    const s = this.requireOwner(operator, site);
    if (input.asset !== null && deps.catalogue.get(site, input.asset) === undefined) {
      throw new AirlockError(
        'bad_request',
        'window.unknown_asset',
        `site ${site} has no asset ${input.asset}`,
        { details: { field: 'asset' } },
      );
    }
    const label = requireText(input.label, 'label', 1, 100);
    const rule = this.checkRule(input.rule);
    const row: WindowRow = {
      id: deps.ids.next('win'),
      site,
      asset: input.asset,
      label,
      ruleJson: JSON.stringify(rule),
      createdBy: operatorName(operator),
      createdAt: deps.clock.now(),
    };
    writeTransaction(deps.db, () => {
      deps.windows.insertWindow(row);
      deps.audit.append({
        action: 'window.create',
        actor: row.createdBy,
        site,
        target: row.id,
        outcome: 'success',
        details: {
          asset: row.asset,
          label,
          rule: describeRule(rule, s.timezone),
          timezone: s.timezone,
        },
      });
    })();
    return this.toWindow(row, s.timezone) as MaintenanceWindow;
  }

  deleteWindow(operator: Operator, id: string): void {
    const { deps } = this;
    const row = deps.windows.getWindow(id);
    if (row === undefined || (!isCli(operator) && !this.canSeeSite(operator, row.site)))
      throw new AirlockError('not_found', 'window.not_found', `no window ${id}`);
    this.requireOwner(operator, row.site);
    writeTransaction(deps.db, () => {
      if (!deps.windows.deleteWindow(id, deps.clock.now()))
        throw new AirlockError('conflict', 'window.gone', `window ${id} was already removed`);
      deps.audit.append({
        action: 'window.delete',
        actor: operatorName(operator),
        site: row.site,
        target: id,
        outcome: 'success',
        details: { asset: row.asset, label: row.label },
      });
    })();
  }

  /**
   * Windows of a site, for anyone who may see the site; a job-scoped vendor sees only those that
   * apply to their job's assets, and not who wrote them (scope.ts).
   */
  listWindows(actor: Actor, site: string): MaintenanceWindow[] {
    const s = requireSite(this.deps, site);
    if (!this.canSeeSite(actor, site))
      throw new AirlockError('not_found', 'site.not_found', `no site ${site}`);
    const people = seesPeople(actor);
    return this.deps.windows
      .windowsOfSite(site)
      .filter((w) => w.asset === null || this.scopes.canPick(actor, site, w.asset))
      .map((w) => this.toWindow(w, s.timezone))
      .filter((w): w is MaintenanceWindow => w !== undefined)
      .map((w) => (people ? w : { ...w, createdBy: SOMEONE }));
  }

  addSchedule(operator: Operator, site: string, input: NewSchedule): VendorSchedule {
    const { deps } = this;
    const s = this.requireOwner(operator, site);
    const vendor = deps.users.getByName(input.vendor);
    if (vendor === undefined || !isVendor(vendor))
      throw new AirlockError(
        'bad_request',
        'schedule.not_vendor',
        `${input.vendor} is not a vendor account`,
        { details: { field: 'vendor' } },
      );
    const asset = deps.catalogue.get(site, input.asset);
    if (asset === undefined)
      throw new AirlockError(
        'bad_request',
        'schedule.unknown_asset',
        `site ${site} has no asset ${input.asset}`,
        { details: { field: 'asset' } },
      );
    if (!asset.profiles.some((p) => p.name === input.profile))
      throw new AirlockError(
        'bad_request',
        'schedule.unknown_profile',
        `asset ${input.asset} has no profile ${input.profile}`,
        { details: { field: 'profile' } },
      );
    const label = requireText(input.label, 'label', 1, 100);
    const rule = this.checkRule(input.rule);
    const row: ScheduleRow = {
      id: deps.ids.next('sch'),
      site,
      vendorId: vendor.id,
      asset: input.asset,
      profile: input.profile,
      label,
      ruleJson: JSON.stringify(rule),
      createdBy: operatorName(operator),
      createdAt: deps.clock.now(),
    };
    writeTransaction(deps.db, () => {
      deps.windows.insertSchedule(row);
      deps.audit.append({
        action: 'schedule.create',
        actor: row.createdBy,
        site,
        target: row.id,
        outcome: 'success',
        details: {
          vendor: vendor.name,
          asset: row.asset,
          profile: row.profile,
          label,
          rule: describeRule(rule, s.timezone),
          timezone: s.timezone,
        },
      });
    })();
    return this.toSchedule(row, s.timezone) as VendorSchedule;
  }

  deleteSchedule(operator: Operator, id: string): void {
    const { deps } = this;
    const row = deps.windows.getSchedule(id);
    if (
      row === undefined ||
      (!isCli(operator) &&
        !this.canSeeSchedules(operator, row.site) &&
        operator.id !== row.vendorId)
    )
      throw new AirlockError('not_found', 'schedule.not_found', `no schedule ${id}`);
    this.requireOwner(operator, row.site);
    writeTransaction(deps.db, () => {
      if (!deps.windows.deleteSchedule(id, deps.clock.now()))
        throw new AirlockError('conflict', 'schedule.gone', `schedule ${id} was already removed`);
      deps.audit.append({
        action: 'schedule.delete',
        actor: operatorName(operator),
        site: row.site,
        target: id,
        outcome: 'success',
        details: {
          vendor: this.deps.users.getById(row.vendorId)?.name ?? row.vendorId,
          asset: row.asset,
          profile: row.profile,
        },
      });
    })();
  }

  /** A site's schedules for its owners, auditors and admins; a vendor gets only their own. */
  listSchedules(actor: Actor, site: string): VendorSchedule[] {
    const s = requireSite(this.deps, site);
    if (!this.canSeeSite(actor, site))
      throw new AirlockError('not_found', 'site.not_found', `no site ${site}`);
    const all = this.canSeeSchedules(actor, site);
    return this.deps.windows
      .schedulesOfSite(site)
      .filter((r) => all || r.vendorId === actor.id)
      .map((r) => this.toSchedule(r, s.timezone))
      .filter((x): x is VendorSchedule => x !== undefined)
      .map((x) => (seesPeople(actor) ? x : { ...x, createdBy: SOMEONE }));
  }

  /** The site a window belongs to (for redirects after the owner acted on it). */
  siteOfWindow(id: string): string | undefined {
    return this.deps.windows.getWindow(id)?.site;
  }

  siteOfSchedule(id: string): string | undefined {
    return this.deps.windows.getSchedule(id)?.site;
  }

  /** Sites at which a vendor has a schedule (what they may see). */
  vendorSites(vendorId: string): string[] {
    return [...new Set(this.deps.windows.schedulesOfVendor(vendorId).map((s) => s.site))];
  }

  /** The rules of every window that applies to `asset` (site-wide and the asset's own). */
  windowRules(site: string, asset: string): WindowRule[] {
    return this.deps.windows
      .windowsOfSite(site)
      .filter((w) => w.asset === null || w.asset === asset)
      .map((w) => parseRule(w.ruleJson))
      .filter((r): r is WindowRule => r !== undefined);
  }

  /** The rules of the vendor's schedules for this asset and profile. */
  scheduleRules(
    vendorId: UserId | string,
    site: string,
    asset: string,
    profile: string,
  ): WindowRule[] {
    return this.deps.windows
      .schedulesOfVendor(vendorId)
      .filter((s) => s.site === site && s.asset === asset && s.profile === profile)
      .map((s) => parseRule(s.ruleJson))
      .filter((r): r is WindowRule => r !== undefined);
  }

  /** Engineers see every site; owners and auditors theirs; vendors where they have a schedule; admins all. */
  canSeeSite(actor: Actor, site: string): boolean {
    if (isAdmin(actor) || isOtOwnerOf(actor, site) || isAuditorOf(actor, site)) return true;
    if (actor.roles.some((r) => r.role === 'engineer')) return true;
    return isVendor(actor) && this.vendorSites(actor.id).includes(site);
  }

  private canSeeSchedules(actor: Actor, site: string): boolean {
    return isAdmin(actor) || isOtOwnerOf(actor, site) || isAuditorOf(actor, site);
  }

  private requireOwner(operator: Operator, site: string) {
    const s = requireSite(this.deps, site);
    if (!isCli(operator) && !isOtOwnerOf(operator, site))
      throw new AirlockError(
        'access_denied',
        'window.not_site_owner',
        `only an OT owner of ${site} can change its windows and schedules`,
      );
    return s;
  }

  private checkRule(rule: WindowRule): WindowRule {
    const r = windowRuleSchema.safeParse(rule);
    if (!r.success)
      throw new AirlockError(
        'bad_request',
        'window.bad_rule',
        `rule: ${r.error.issues[0]?.message ?? 'invalid'}`,
        { details: { field: 'rule' } },
      );
    if (r.data.kind === 'once') {
      if (r.data.end <= this.deps.clock.now())
        throw new AirlockError(
          'bad_request',
          'window.in_past',
          'rule.end: the window has already ended',
          { details: { field: 'rule.end' } },
        );
      if (r.data.end - r.data.start > MAX_ONCE_MS)
        throw new AirlockError(
          'bad_request',
          'window.too_long',
          'rule: a one-off window may last at most a year',
          { details: { field: 'rule.end' } },
        );
    }
    return r.data;
  }

  private toWindow(w: WindowRow, timeZone: string): MaintenanceWindow | undefined {
    const rule = parseRule(w.ruleJson);
    return rule === undefined
      ? undefined
      : {
          id: w.id,
          site: w.site,
          asset: w.asset,
          label: w.label,
          rule,
          description: describeRule(rule, timeZone),
          createdBy: w.createdBy,
          createdAt: w.createdAt,
        };
  }

  private toSchedule(s: ScheduleRow, timeZone: string): VendorSchedule | undefined {
    const rule = parseRule(s.ruleJson);
    if (rule === undefined) return undefined;
    return {
      id: s.id,
      site: s.site,
      vendor: { id: s.vendorId, name: this.deps.users.getById(s.vendorId)?.name ?? s.vendorId },
      asset: s.asset,
      profile: s.profile,
      label: s.label,
      rule,
      description: describeRule(rule, timeZone),
      createdBy: s.createdBy,
      createdAt: s.createdAt,
    };
  }
}
