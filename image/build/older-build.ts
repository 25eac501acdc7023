/**
 * An "older release" built from this tree for the upgrade test: the version lowered and the newest
 * migration of one component left out, as the previous release shipped it. Two single, checked
 * edits of the compiled files in the package being built (never of dist/ itself):
 *  - `AIRLOCK_VERSION` in shared/src/version.js;
 *  - the gateway's migration list keeps every entry but that one (checked by loading the edited
 *    module: one entry fewer, the one left out is the component's newest).
 * Only meaningful when that migration is one the code does not depend on (an index, as it/6 is);
 * the upgrade test says which component it names.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Role } from './debian-metadata.js';

export interface OlderBuild {
  /** The version the older build reports (AIRLOCK_VERSION), lower than this tree's. */
  readonly version: string;
  /** The component whose newest migration the older build does not have, e.g. `it`. */
  readonly omitNewestMigrationOf: string;
}

interface MigrationLike {
  readonly component: string;
  readonly version: number;
}

function replaceOnce(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0)
    throw new Error(`${file}: expected exactly one "${from}" to edit for the older build`);
  writeFileSync(file, text.slice(0, at) + to + text.slice(at + from.length));
}

async function migrationsIn(file: string, name: string): Promise<readonly MigrationLike[]> {
  const m = (await import(`${pathToFileURL(file).href}?v=${Date.now()}`)) as Record<
    string,
    unknown
  >;
  const list = m[name];
  if (!Array.isArray(list)) throw new Error(`${file} does not export ${name}`);
  return list as MigrationLike[];
}

/** Edits the package tree at `lib` (its dist/) into the older build. */
export async function applyOlderBuild(lib: string, role: Role, older: OlderBuild): Promise<void> {
  const versionFile = join(lib, 'dist', 'shared', 'src', 'version.js');
  const current = /AIRLOCK_VERSION = '([^']+)'/.exec(readFileSync(versionFile, 'utf8'))?.[1];
  if (current === undefined) throw new Error(`${versionFile} has no AIRLOCK_VERSION`);
  replaceOnce(
    versionFile,
    `AIRLOCK_VERSION = '${current}'`,
    `AIRLOCK_VERSION = '${older.version}'`,
  );

  const exportName = `${role.toUpperCase()}_MIGRATIONS`;
  const file = join(lib, 'dist', `gateway-${role}`, 'src', 'store', `${role}-migrations.js`);
  const all = await migrationsIn(file, exportName);
  const newest = Math.max(
    ...all.filter((m) => m.component === older.omitNewestMigrationOf).map((m) => m.version),
  );
  if (!Number.isFinite(newest))
    throw new Error(`no migration of component ${older.omitNewestMigrationOf} in ${file}`);
  replaceOnce(file, `export const ${exportName} = [`, 'const ALL_MIGRATIONS = [');
  writeFileSync(
    file,
    `${readFileSync(file, 'utf8')}\n// Older build for the upgrade test: without ${older.omitNewestMigrationOf}/${newest}.\nexport const ${exportName} = ALL_MIGRATIONS.filter((m) => !(m.component === ${JSON.stringify(older.omitNewestMigrationOf)} && m.version === ${newest}));\n`,
  );
  const edited = await migrationsIn(file, exportName);
  if (
    edited.length !== all.length - 1 ||
    edited.some((m) => m.component === older.omitNewestMigrationOf && m.version === newest)
  )
    throw new Error(`the older build's migration list of ${file} is not the expected one`);
}
