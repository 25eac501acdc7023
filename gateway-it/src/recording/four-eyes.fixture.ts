/**
 * What the four-eyes unit tests (playback requests here, export requests in audit/) both stand
 * on: actors with roles at plant-1 and plant-2, and a database that knows those two sites.
 * For tests only.
 */
import type { Db } from '../../../shared/src/store/open-database.js';
import type { Actor } from '../access/visibility.js';
import type { Role } from '../store/user-store.js';

export const person = (name: string, roles: { role: Role; site?: string }[]): Actor => ({
  id: `usr_${name}` as Actor['id'],
  name,
  roles,
  state: 'active',
  contractEnd: null,
  canBreakGlass: false,
});
/** An auditor of plant-1. */
export const audrey = person('audrey', [{ role: 'auditor', site: 'plant-1' }]);
/** The OT owner of plant-1. */
export const olga = person('olga', [{ role: 'ot-owner', site: 'plant-1' }]);
/** The OT owner of plant-2 (none of plant-1's business). */
export const otto = person('otto', [{ role: 'ot-owner', site: 'plant-2' }]);

/** Inserts the sites plant-1 and plant-2 (UTC). */
export function insertTwoSites(db: Db): void {
  for (const site of ['plant-1', 'plant-2'])
    db.prepare(
      'INSERT INTO sites (id, display_name, timezone, created_at) VALUES (?, ?, ?, ?)',
    ).run(site, site, 'UTC', 0);
}
