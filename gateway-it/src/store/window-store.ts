/**
 * Maintenance windows (per site, or per asset) and vendor job schedules. The time rule is kept as
 * JSON text; access/ parses it on every read and treats a row that does not parse as absent (fail
 * closed: a broken window grants nothing). Deleting keeps the row with deleted_at, for the record.
 */
import type { Db } from '../../../shared/src/store/open-database.js';

export interface WindowRow {
  readonly id: string;
  readonly site: string;
  /** Null: every asset of the site. */
  readonly asset: string | null;
  readonly label: string;
  readonly ruleJson: string;
  readonly createdBy: string;
  readonly createdAt: number;
}

export interface ScheduleRow {
  readonly id: string;
  readonly site: string;
  readonly vendorId: string;
  readonly asset: string;
  readonly profile: string;
  readonly label: string;
  readonly ruleJson: string;
  readonly createdBy: string;
  readonly createdAt: number;
}

interface RawWindow {
  id: string;
  site: string;
  asset: string | null;
  label: string;
  rule: string;
  created_by: string;
  created_at: number;
}

interface RawSchedule extends Omit<RawWindow, 'asset'> {
  vendor_id: string;
  asset: string;
  profile: string;
}

const toWindow = (r: RawWindow): WindowRow => ({
  id: r.id,
  site: r.site,
  asset: r.asset,
  label: r.label,
  ruleJson: r.rule,
  createdBy: r.created_by,
  createdAt: r.created_at,
});
const toSchedule = (r: RawSchedule): ScheduleRow => ({
  id: r.id,
  site: r.site,
  vendorId: r.vendor_id,
  asset: r.asset,
  profile: r.profile,
  label: r.label,
  ruleJson: r.rule,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export class WindowStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      insertWindow: db.prepare(
        'INSERT INTO maintenance_windows (id, site, asset, label, rule, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      windowsOfSite: db.prepare<[string], RawWindow>(
        'SELECT * FROM maintenance_windows WHERE site = ? AND deleted_at IS NULL ORDER BY created_at, id',
      ),
      window: db.prepare<[string], RawWindow>(
        'SELECT * FROM maintenance_windows WHERE id = ? AND deleted_at IS NULL',
      ),
      deleteWindow: db.prepare(
        'UPDATE maintenance_windows SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL',
      ),
      insertSchedule: db.prepare(
        'INSERT INTO vendor_schedules (id, site, vendor_id, asset, profile, label, rule, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      schedulesOfSite: db.prepare<[string], RawSchedule>(
        'SELECT * FROM vendor_schedules WHERE site = ? AND deleted_at IS NULL ORDER BY created_at, id',
      ),
      schedulesOfVendor: db.prepare<[string], RawSchedule>(
        'SELECT * FROM vendor_schedules WHERE vendor_id = ? AND deleted_at IS NULL ORDER BY site, created_at, id',
      ),
      schedule: db.prepare<[string], RawSchedule>(
        'SELECT * FROM vendor_schedules WHERE id = ? AND deleted_at IS NULL',
      ),
      deleteSchedule: db.prepare(
        'UPDATE vendor_schedules SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL',
      ),
    };
  }

  insertWindow(w: WindowRow): void {
    this.stmts.insertWindow.run(
      w.id,
      w.site,
      w.asset,
      w.label,
      w.ruleJson,
      w.createdBy,
      w.createdAt,
    );
  }

  windowsOfSite(site: string): WindowRow[] {
    return this.stmts.windowsOfSite.all(site).map(toWindow);
  }

  getWindow(id: string): WindowRow | undefined {
    const r = this.stmts.window.get(id);
    return r === undefined ? undefined : toWindow(r);
  }

  deleteWindow(id: string, now: number): boolean {
    return this.stmts.deleteWindow.run(now, id).changes === 1;
  }

  insertSchedule(s: ScheduleRow): void {
    this.stmts.insertSchedule.run(
      s.id,
      s.site,
      s.vendorId,
      s.asset,
      s.profile,
      s.label,
      s.ruleJson,
      s.createdBy,
      s.createdAt,
    );
  }

  schedulesOfSite(site: string): ScheduleRow[] {
    return this.stmts.schedulesOfSite.all(site).map(toSchedule);
  }

  schedulesOfVendor(vendorId: string): ScheduleRow[] {
    return this.stmts.schedulesOfVendor.all(vendorId).map(toSchedule);
  }

  getSchedule(id: string): ScheduleRow | undefined {
    const r = this.stmts.schedule.get(id);
    return r === undefined ? undefined : toSchedule(r);
  }

  deleteSchedule(id: string, now: number): boolean {
    return this.stmts.deleteSchedule.run(now, id).changes === 1;
  }
}
