/**
 * Opens a better-sqlite3 database the way both gateways need it: WAL, foreign keys on, a busy
 * timeout, and synchronous=FULL so a committed transaction (an acknowledged audit event) survives
 * power loss, then applies numbered migrations.
 *
 * Migrations belong to a component (`audit`, `it`, `ot`, ...), are numbered from 1 within it and run
 * in the order given, each in its own transaction together with its bookkeeping row. A database
 * that has a migration this build does not know (a newer version) is refused rather than used.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AirlockError } from '../errors.js';
import { AIRLOCK_VERSION } from '../version.js';
import { writeTransaction } from './write-transaction.js';

export type Db = Database.Database;

export interface Migration {
  readonly component: string;
  readonly version: number;
  readonly name: string;
  /** SQL to run, or a function for data migrations. */
  readonly up: string | ((db: Db) => void);
}

export interface OpenDatabaseOptions {
  /** File path, or ':memory:' for tests. */
  readonly path: string;
  readonly migrations: readonly Migration[];
  readonly busyTimeoutMs?: number;
  readonly readonly?: boolean;
}

export function openDatabase(options: OpenDatabaseOptions): Db {
  if (options.path !== ':memory:' && options.readonly !== true)
    mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path, {
    readonly: options.readonly ?? false,
    fileMustExist: options.readonly ?? false,
  });
  try {
    if (options.readonly !== true) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    if (options.readonly !== true) applyMigrations(db, options.migrations);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

export function applyMigrations(db: Db, migrations: readonly Migration[]): void {
  checkMigrationList(migrations);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (component, version)
  ) STRICT`);
  const applied = db
    .prepare<[], { component: string; version: number; name: string }>(
      'SELECT component, version, name FROM schema_migrations',
    )
    .all();
  const known = new Set(migrations.map((m) => `${m.component}/${m.version}`));
  for (const a of applied) {
    // Only components this build manages are checked: a database may be shared by tools.
    if (
      migrations.some((m) => m.component === a.component) &&
      !known.has(`${a.component}/${a.version}`)
    ) {
      const inDb = highestVersions(applied);
      const inBuild = highestVersions(migrations);
      const schema = (v: Record<string, number>): string =>
        Object.entries(v)
          .filter(([c]) => inBuild[c] !== undefined)
          .map(([c, n]) => `${c}/${n}`)
          .join(', ');
      throw new AirlockError(
        'conflict',
        'store.newer_schema',
        `database has migration ${a.component}/${a.version} (${a.name}) that this version does not know; it was written by a newer Airlock. Database schema: ${schema(inDb)}; this build (Airlock ${AIRLOCK_VERSION}) knows up to: ${schema(inBuild)}. Install an Airlock at least as new as the one that wrote it, or restore a backup made by this version.`,
        { details: { database: inDb, build: inBuild, version: AIRLOCK_VERSION } },
      );
    }
  }
  const done = new Set(applied.map((a) => `${a.component}/${a.version}`));
  const record = db.prepare(
    'INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)',
  );
  for (const m of migrations) {
    if (done.has(`${m.component}/${m.version}`)) continue;
    writeTransaction(db, () => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      record.run(m.component, m.version, m.name, Date.now());
    })();
  }
}

/** The highest version of each component in a list of migrations (applied or known). */
export function highestVersions(
  migrations: readonly { readonly component: string; readonly version: number }[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of migrations) out[m.component] = Math.max(out[m.component] ?? 0, m.version);
  return out;
}

function checkMigrationList(migrations: readonly Migration[]): void {
  const last = new Map<string, number>();
  for (const m of migrations) {
    const prev = last.get(m.component) ?? 0;
    if (m.version !== prev + 1) {
      throw new AirlockError(
        'internal',
        'store.migration_order',
        `migration ${m.component}/${m.version} (${m.name}) is out of order: expected version ${prev + 1}`,
      );
    }
    last.set(m.component, m.version);
  }
}
