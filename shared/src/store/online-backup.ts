/**
 * Consistent copies of a live gateway database for backups: SQLite's online backup API (through
 * better-sqlite3), never a file copy, so a gateway may keep writing while the copy is taken and the
 * copy is one committed state (a file copy of a WAL database can tear between the main file and
 * its log). Also reads what a copy holds (schema versions) and checks it before a restore uses it.
 * Guarantees: the source is opened without applying migrations (a backup never changes the schema
 * it copies); the copy is a standalone database in rollback-journal mode (no -wal/-shm beside it).
 * Not guaranteed: that the copy's contents are meaningful to this build (see `schemaVersions`).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { AirlockError } from '../errors.js';
import { highestVersions } from './open-database.js';

/** Copies the database at `sourcePath` to `destPath` (which must not exist) while it may be in use. */
export async function snapshotDatabase(sourcePath: string, destPath: string): Promise<void> {
  if (!existsSync(sourcePath))
    throw new AirlockError('not_found', 'backup.no_database', `no database at ${sourcePath}`);
  if (existsSync(destPath))
    throw new AirlockError('conflict', 'backup.exists', `refusing to overwrite ${destPath}`);
  const source = new Database(sourcePath, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 10000');
    await source.backup(destPath);
  } finally {
    source.close();
  }
  const copy = new Database(destPath, { fileMustExist: true });
  try {
    // The copy is a file in an archive: no write-ahead log beside it.
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/** The highest applied migration of each component in a database file (`{}` when it has none). */
export function schemaVersions(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const hasTable = db
      .prepare<[], { n: number }>(
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
      )
      .get();
    if (hasTable === undefined || hasTable.n === 0) return {};
    return highestVersions(
      db
        .prepare<[], { component: string; version: number }>(
          'SELECT component, version FROM schema_migrations',
        )
        .all(),
    );
  } finally {
    db.close();
  }
}

/** SQLite's own consistency check of a database file: undefined when it is sound, else what is wrong. */
export function integrityProblem(path: string): string | undefined {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    return `cannot open as a database: ${(e as Error).message}`;
  }
  try {
    const rows = db.prepare<[], { integrity_check: string }>('PRAGMA integrity_check').all();
    const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
    return problems.length === 0 ? undefined : problems.slice(0, 5).join('; ');
  } catch (e) {
    return (e as Error).message;
  } finally {
    db.close();
  }
}
