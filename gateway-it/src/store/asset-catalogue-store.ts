/** Each site's published asset catalogue, as last received from its OT gateway. */
import type { Db } from '../../../shared/src/store/open-database.js';
import type { CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

interface AssetRow {
  site: string;
  name: string;
  protocol: CatalogueAsset['protocol'];
  description: string;
  address: string;
  service_port: number;
  profiles: string;
  updated_at: number;
}

const toAsset = (r: AssetRow): CatalogueAsset => ({
  name: r.name,
  protocol: r.protocol,
  description: r.description,
  address: r.address,
  servicePort: r.service_port,
  profiles: JSON.parse(r.profiles) as CatalogueAsset['profiles'],
});

export class AssetCatalogueStore {
  private readonly db: Db;
  private readonly stmts;

  constructor(db: Db) {
    this.db = db;
    this.stmts = {
      clear: db.prepare('DELETE FROM site_assets WHERE site = ?'),
      insert: db.prepare(
        'INSERT INTO site_assets (site, name, protocol, description, address, service_port, profiles, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      list: db.prepare<[string], AssetRow>(
        'SELECT * FROM site_assets WHERE site = ? ORDER BY name',
      ),
      get: db.prepare<[string, string], AssetRow>(
        'SELECT * FROM site_assets WHERE site = ? AND name = ?',
      ),
    };
  }

  /** Replaces the site's catalogue in one transaction (callers wrap it with their audit event). */
  replace(site: string, assets: readonly CatalogueAsset[], now: number): void {
    writeTransaction(this.db, () => {
      this.stmts.clear.run(site);
      for (const a of assets)
        this.stmts.insert.run(
          site,
          a.name,
          a.protocol,
          a.description,
          a.address,
          a.servicePort,
          JSON.stringify(a.profiles),
          now,
        );
    })();
  }

  list(site: string): CatalogueAsset[] {
    return this.stmts.list.all(site).map(toAsset);
  }

  get(site: string, name: string): CatalogueAsset | undefined {
    const r = this.stmts.get.get(site, name);
    return r === undefined ? undefined : toAsset(r);
  }
}
