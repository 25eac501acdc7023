/**
 * Keeps each site's asset catalogue as its OT gateway last published it. The catalogue is
 * validated by the link codec before it gets here; this stores it only when it changed, together
 * with its `site.catalogue` audit event (names added, removed and changed, and the new hash).
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { canonicalJson } from '../../../shared/src/crypto/canonical.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import type { CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import type { AssetCatalogueStore } from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface SiteCatalogueDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly catalogues: AssetCatalogueStore;
  readonly clock: Clock;
}

const MAX_NAMES_IN_AUDIT = 50;

export function catalogueHash(assets: readonly CatalogueAsset[]): string {
  return sha256Hex(
    canonicalJson([...assets].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))),
  );
}

/** Stores `assets` as the site's catalogue if it differs from the stored one; returns whether it did. */
export function updateSiteCatalogue(
  deps: SiteCatalogueDeps,
  site: string,
  gatewayId: string,
  assets: readonly CatalogueAsset[],
): boolean {
  const before = deps.catalogues.list(site);
  const hash = catalogueHash(assets);
  if (before.length > 0 && catalogueHash(before) === hash) return false;
  if (before.length === 0 && assets.length === 0) return false;
  const old = new Map(before.map((a) => [a.name, canonicalJson(a)]));
  const now = new Map(assets.map((a) => [a.name, canonicalJson(a)]));
  const added = [...now.keys()].filter((n) => !old.has(n)).sort();
  const removed = [...old.keys()].filter((n) => !now.has(n)).sort();
  const changed = [...now.keys()].filter((n) => old.has(n) && old.get(n) !== now.get(n)).sort();
  writeTransaction(deps.db, () => {
    deps.catalogues.replace(site, assets, deps.clock.now());
    deps.audit.append({
      action: 'site.catalogue',
      actor: `gateway:${site}`,
      site,
      target: site,
      outcome: 'success',
      details: {
        gatewayId,
        catalogueSha256: hash,
        assets: assets.length,
        added: added.slice(0, MAX_NAMES_IN_AUDIT),
        removed: removed.slice(0, MAX_NAMES_IN_AUDIT),
        changed: changed.slice(0, MAX_NAMES_IN_AUDIT),
      },
    });
  })();
  return true;
}
