/** Sites: the unit of scale. One row per plant; the id is the site's name (`plant-1`). */
import type { Db } from '../../../shared/src/store/open-database.js';
import type { SiteId } from '../../../shared/src/ids.js';

export interface Site {
  readonly id: SiteId;
  readonly displayName: string;
  readonly timezone: string;
  readonly createdAt: number;
}

interface SiteRow {
  id: string;
  display_name: string;
  timezone: string;
  created_at: number;
}

const toSite = (r: SiteRow): Site => ({
  id: r.id as SiteId,
  displayName: r.display_name,
  timezone: r.timezone,
  createdAt: r.created_at,
});

export class SiteStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      insert: db.prepare(
        'INSERT INTO sites (id, display_name, timezone, created_at) VALUES (?, ?, ?, ?)',
      ),
      get: db.prepare<[string], SiteRow>('SELECT * FROM sites WHERE id = ?'),
      list: db.prepare<[], SiteRow>('SELECT * FROM sites ORDER BY id'),
    };
  }

  insert(site: Site): void {
    this.stmts.insert.run(site.id, site.displayName, site.timezone, site.createdAt);
  }

  get(id: string): Site | undefined {
    const r = this.stmts.get.get(id);
    return r === undefined ? undefined : toSite(r);
  }

  list(): Site[] {
    return this.stmts.list.all().map(toSite);
  }
}
