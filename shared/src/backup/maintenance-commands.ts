/**
 * The maintenance verbs both gateways have on the appliance: `backup`, `restore` and `migrate`,
 * parameterized by the role (what the config calls its files, which database, which signing key).
 * They work on the gateway's files, not through a running gateway: backup reads the live database
 * with SQLite's backup API (the gateway may run), restore replaces files (the gateway must be
 * stopped; the `airlock-<role>` wrapper checks), migrate is what a package upgrade runs between
 * stopping and starting the service. Each records what it did in the gateway's audit chain.
 */
import { chownSync, existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { UsageError, type CliCommand } from '../cli/run-cli.js';
import { parseCommand } from '../cli/parse-args.js';
import { initCrypto } from '../crypto/sodium.js';
import { sha256Hex } from '../crypto/hash.js';
import { formatProblems, type Problem, type Result } from '../result.js';
import { highestVersions, openDatabase, type Migration } from '../store/open-database.js';
import { schemaVersions } from '../store/online-backup.js';
import { readBackupSecret, SECRET_OPTIONS, SECRET_USAGE } from './backup-secret-input.js';
import type { BackupRole } from './backup-format.js';
import { appendOfflineAudit, type OfflineAuditTarget } from './offline-audit.js';
import { restoreBackup, type ConfigLayout } from './restore-backup.js';
import { verifyStagedAuditChain } from './staged-audit-chain.js';
import { writeBackup, type BackupPlan } from './write-backup.js';

export interface MaintenanceDeps<C> {
  readonly role: BackupRole;
  readonly program: string;
  readonly version: string;
  /** Loads the config the way `run` does (environment overrides included); usage error if invalid. */
  readonly configFrom: (file: string | undefined) => C;
  /** Loads a config file as it is on disk, without the environment (restore reads the restored one). */
  readonly loadFile: (file: string) => Result<C, Problem[]>;
  readonly readStdin: () => Promise<Buffer>;
  /** The operator, for the audit actor (`cli:<user>`). */
  readonly actor: string;
  /** This build's migrations of the gateway's database. */
  readonly migrations: readonly Migration[];
  /** Where a config puts state (data directory, database file, files it names outside). */
  readonly layoutOf: (config: C) => ConfigLayout;
  /** The key that signs the gateway's audit checkpoints, relative to the data directory. */
  readonly signingKey: string;
  /** Top-level names in the data directory that are derived output, not state. */
  readonly skip?: readonly string[];
}

/**
 * The files a config names that lie outside its data directory (those inside travel with it), by
 * slot: what a layout's `files` holds.
 */
export function filesOutside(
  dataDir: string,
  named: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [slot, path] of Object.entries(named)) {
    if (path === undefined) continue;
    const r = relative(dataDir, path);
    if (r === '' || r.startsWith('..') || isAbsolute(r)) files[slot] = path;
  }
  return files;
}

/** The audit chain of the gateway whose config is `layout`. */
export function auditTargetOf(layout: ConfigLayout, signingKey: string): OfflineAuditTarget {
  return {
    dataDir: layout.dataDir,
    databaseFile: layout.databaseFile,
    signingKeyPath: join(layout.dataDir, signingKey),
  };
}

/** Database files a root-run verb touched go back to the data directory's owner. */
export function ownDatabaseFiles(layout: ConfigLayout): void {
  if (process.getuid?.() !== 0 || !existsSync(layout.dataDir)) return;
  const { uid, gid } = statSync(layout.dataDir);
  for (const name of readdirSync(layout.dataDir))
    if (name.startsWith(layout.databaseFile)) chownSync(join(layout.dataDir, name), uid, gid);
}

export function planOf(
  layout: ConfigLayout,
  configFile: string,
  role: BackupRole,
  version: string,
  skip: readonly string[] = [],
): BackupPlan {
  return {
    role,
    site: layout.site,
    airlockVersion: version,
    dataDir: layout.dataDir,
    databaseFile: layout.databaseFile,
    configFile,
    files: Object.entries(layout.files).map(([slot, path]) => ({ slot, path })),
    skip,
  };
}

export function maintenanceCommands<C>(deps: MaintenanceDeps<C>): Record<string, CliCommand> {
  const p = deps.program;
  const roleName = deps.role === 'it' ? 'IT' : 'OT';
  return {
    backup: {
      summary: 'write an encrypted backup of state, keys and config (the gateway may keep running)',
      usage: `usage: ${p} backup --config <file> --out <archive> (--passphrase-file <file|-> | --key-file <file|->)

Copies the database with SQLite's online backup API, the keys, certificates and recordings in the
data directory, the config and the files it names, into one archive sealed with the passphrase or
key file (libsodium), with a manifest of every file's SHA-256. Restore it with \`${p} restore\`.
  ${SECRET_USAGE}`,
      async run(argv) {
        const a = parseCommand(argv, {
          config: { type: 'string' },
          out: { type: 'string' },
          ...SECRET_OPTIONS,
        });
        if (!a.ok) throw new UsageError(a.error);
        const v = a.value.values;
        if (v.config === undefined || v.out === undefined)
          throw new UsageError('--config and --out are required');
        const layout = deps.layoutOf(deps.configFrom(v.config));
        await initCrypto();
        const secret = await readBackupSecret(v, deps.readStdin, true);
        const r = await writeBackup(
          planOf(layout, v.config, deps.role, deps.version, deps.skip),
          secret,
          v.out,
        );
        appendOfflineAudit(auditTargetOf(layout, deps.signingKey), [
          {
            action: 'backup.create',
            actor: deps.actor,
            target: v.out,
            outcome: 'success',
            ...(layout.site === null ? {} : { site: layout.site }),
            details: {
              bytes: r.bytes,
              files: r.manifest.entries.length,
              schema: r.manifest.schema,
              manifestSha256: sha256Hex(Buffer.from(JSON.stringify(r.manifest))),
            },
          },
        ]);
        process.stdout.write(
          `${JSON.stringify({ backup: r.path, role: deps.role, site: layout.site, bytes: r.bytes, files: r.manifest.entries.length, schema: r.manifest.schema, createdAt: r.manifest.createdAt })}\n`,
        );
        return 0;
      },
    },
    restore: {
      summary:
        'restore a backup onto this (stopped) gateway; anything wrong is refused and nothing changed',
      usage: `usage: ${p} restore --config <file> --in <archive> (--passphrase-file <file|-> | --key-file <file|->)

Stop the gateway first. Checks the archive (an ${roleName} gateway's backup, not altered, not
truncated, the right passphrase or key file, a schema this version knows), its database (integrity)
and its audit chain (signed checkpoints) before replacing anything; then swaps in the data
directory, the config and the files it names, keeping what they replace as
<name>.before-restore-<time>. Start the gateway afterwards (migrations run if the backup is older).
  ${SECRET_USAGE}`,
      async run(argv) {
        const a = parseCommand(argv, {
          config: { type: 'string' },
          in: { type: 'string' },
          ...SECRET_OPTIONS,
        });
        if (!a.ok) throw new UsageError(a.error);
        const v = a.value.values;
        if (v.config === undefined || v.in === undefined)
          throw new UsageError('--config and --in are required');
        await initCrypto();
        const secret = await readBackupSecret(v, deps.readStdin, false);
        const layoutOfFile = (file: string): Result<ConfigLayout, string> => {
          const c = deps.loadFile(file);
          return c.ok
            ? { ok: true, value: deps.layoutOf(c.value) }
            : { ok: false, error: formatProblems(c.error) };
        };
        const r = await restoreBackup(v.in, secret, {
          role: deps.role,
          buildSchema: highestVersions(deps.migrations),
          configFile: v.config,
          layoutOf: layoutOfFile,
          verifyStaged: (dataDir, layout) =>
            verifyStagedAuditChain(
              join(dataDir, layout.databaseFile),
              join(dataDir, deps.signingKey),
            ),
        });
        const restored = layoutOfFile(v.config);
        if (restored.ok) {
          appendOfflineAudit(auditTargetOf(restored.value, deps.signingKey), [
            {
              action: 'backup.restore',
              actor: deps.actor,
              target: v.in,
              outcome: 'success',
              ...(restored.value.site === null ? {} : { site: restored.value.site }),
              details: {
                createdAt: r.manifest.createdAt,
                airlockVersion: r.manifest.airlockVersion,
                schema: r.manifest.schema,
                files: r.manifest.entries.length,
                auditEventsVerified: r.check.auditEvents,
              },
            },
          ]);
          ownDatabaseFiles(restored.value);
        }
        process.stdout.write(
          `${JSON.stringify({ restored: v.in, role: deps.role, site: r.manifest.site, createdAt: r.manifest.createdAt, from: r.manifest.airlockVersion, schema: r.manifest.schema, auditChain: { ok: true, events: r.check.auditEvents, checkpointsVerified: r.check.checkpointsVerified }, keptAside: r.keptAside })}\n`,
        );
        return 0;
      },
    },
    migrate: {
      summary: "bring the database schema up to this version's (a package upgrade runs this)",
      usage: `usage: ${p} migrate --config <file>

Applies this version's database migrations and prints the schema before and after. Refuses a
database written by a newer Airlock, naming both schema versions. A database that does not exist
yet is left alone (the first start creates it).`,
      async run(argv) {
        const a = parseCommand(argv, { config: { type: 'string' } });
        if (!a.ok) throw new UsageError(a.error);
        const layout = deps.layoutOf(deps.configFrom(a.value.values.config));
        const path = join(layout.dataDir, layout.databaseFile);
        if (!existsSync(path)) {
          process.stdout.write(`${JSON.stringify({ database: path, exists: false })}\n`);
          return 0;
        }
        const before = schemaVersions(path);
        openDatabase({ path, migrations: deps.migrations }).close();
        const after = schemaVersions(path);
        if (JSON.stringify(before) !== JSON.stringify(after)) {
          await initCrypto();
          appendOfflineAudit(auditTargetOf(layout, deps.signingKey), [
            {
              action: 'gateway.migrate',
              actor: deps.actor,
              outcome: 'success',
              ...(layout.site === null ? {} : { site: layout.site }),
              details: { before, after, version: deps.version },
            },
          ]);
        }
        ownDatabaseFiles(layout);
        process.stdout.write(`${JSON.stringify({ database: path, before, after })}\n`);
        return 0;
      },
    },
  };
}
