/**
 * Restoring a backup onto a gateway of the same role. Everything is checked before anything is
 * replaced: the archive (read-backup.ts), the restored config (it must load, and name the same site
 * as the config in place), the database (SQLite integrity check) and its audit chain (verified with
 * the restored signing key). Only then are the data directory, the config and the files it names
 * swapped in, each by rename; what they replace is kept beside them as `<name>.before-restore-<time>`
 * (nothing is deleted). Restored files take the owner of what they replace (the data directory's
 * owner for state), so a restore run as root leaves a service that can read its own state.
 * Not guaranteed: atomicity across the several renames of the final swap (a crash between two of
 * them leaves both versions on disk, named, for the operator to finish by hand); that the gateway is
 * stopped (the command line checks that before calling this).
 */
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { AirlockError } from '../errors.js';
import { type BackupSecret, wipeBackupKeys } from '../crypto/backup-cipher.js';
import { integrityProblem } from '../store/online-backup.js';
import type { Result } from '../result.js';
import { newerSchemas, type BackupManifest, type BackupRole } from './backup-format.js';
import { extractBackup, readBackupHeader, unlockBackup } from './read-backup.js';

const ROLE_NAMES: Record<BackupRole, string> = { it: 'an IT gateway', ot: 'an OT gateway' };

/** Where a config puts things: what restore needs to know from the restored config and the current one. */
export interface ConfigLayout {
  readonly dataDir: string;
  readonly databaseFile: string;
  readonly site: string | null;
  /** Files the config names outside dataDir, by slot (the same slots as the backup plan). */
  readonly files: Readonly<Record<string, string>>;
}

export interface RestoreTarget {
  readonly role: BackupRole;
  /** The highest migration per component this build knows. */
  readonly buildSchema: Readonly<Record<string, number>>;
  /** Where the config goes (and, if present, the config in place now). */
  readonly configFile: string;
  /** Reads a config file the way the gateway does (no environment overrides). */
  readonly layoutOf: (configFile: string) => Result<ConfigLayout, string>;
  /** Checks a staged data directory (database in place); returns facts to report, throws to refuse. */
  readonly verifyStaged: (dataDir: string, layout: ConfigLayout) => RestoreCheck;
}

export interface RestoreCheck {
  readonly auditEvents: number;
  readonly checkpointsVerified: number;
}

export interface RestoreResult {
  readonly manifest: BackupManifest;
  readonly dataDir: string;
  readonly configFile: string;
  /** What the restore moved aside (data directory, config, named files), for the operator. */
  readonly keptAside: readonly string[];
  readonly check: RestoreCheck;
}

function refuse(code: string, message: string): AirlockError {
  return new AirlockError('bad_request', code, message);
}

interface Owner {
  readonly uid: number;
  readonly gid: number;
}

function ownerOf(path: string): Owner | undefined {
  try {
    const st = statSync(path);
    return { uid: st.uid, gid: st.gid };
  } catch {
    return undefined;
  }
}

function moveFile(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    copyFileSync(from, to);
    unlinkSync(from);
  }
}

/** Moves the tree `from` into the new directory `to` (0700 directories), owned by `owner`. */
function moveTree(from: string, to: string, owner: Owner | undefined): void {
  mkdirSync(to, { mode: 0o700 });
  if (owner !== undefined) chownSync(to, owner.uid, owner.gid);
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    const dst = join(to, name);
    if (lstatSync(src).isDirectory()) moveTree(src, dst, owner);
    else {
      const mode = statSync(src).mode & 0o777;
      moveFile(src, dst);
      chmodSync(dst, mode);
      if (owner !== undefined) chownSync(dst, owner.uid, owner.gid);
    }
  }
}

function stampOf(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

export async function restoreBackup(
  archive: string,
  secret: BackupSecret,
  target: RestoreTarget,
  now: Date = new Date(),
): Promise<RestoreResult> {
  const opened = readBackupHeader(archive);
  const h = opened.header;
  if (h.role !== target.role)
    throw refuse(
      'backup.wrong_role',
      `this is a backup of ${ROLE_NAMES[h.role]}${h.site === null ? '' : ` (site ${h.site})`}, and this is ${ROLE_NAMES[target.role]}: restore it on ${ROLE_NAMES[h.role]}`,
    );
  const newer = newerSchemas(h.schema, target.buildSchema);
  if (newer.length > 0)
    throw refuse(
      'backup.newer_schema',
      `this backup was made by a newer Airlock (${h.airlockVersion}); its database schema ${newer.join(', ')} is unknown to this version: install Airlock ${h.airlockVersion} or newer first`,
    );
  const current = existsSync(target.configFile) ? target.layoutOf(target.configFile) : undefined;
  if (current !== undefined && current.ok && current.value.site !== h.site)
    throw refuse(
      'backup.wrong_site',
      `this is a backup of site ${h.site ?? '(none)'}, and this gateway is configured for site ${current.value.site ?? '(none)'}`,
    );

  const keys = unlockBackup(opened, secret);
  const staging = mkdtempSync(join(tmpdir(), 'airlock-restore-'));
  const configDir = dirname(target.configFile);
  mkdirSync(configDir, { recursive: true });
  // The restored config is read where it will live, so relative paths in it mean what they will.
  const stagedConfig = join(configDir, `.${basename(target.configFile)}.restoring-${process.pid}`);
  try {
    const manifest = await extractBackup(opened, keys, staging);
    const configEntry = manifest.entries.find((e) => e.kind === 'config');
    if (configEntry === undefined) throw refuse('backup.bad_content', 'the backup has no config');
    moveFile(join(staging, configEntry.path), stagedConfig);
    const layout = target.layoutOf(stagedConfig);
    if (!layout.ok)
      throw refuse('backup.bad_config', `the backup's config does not load here: ${layout.error}`);
    if (layout.value.site !== h.site)
      throw refuse(
        'backup.bad_content',
        "the backup's config names a different site than its header",
      );
    const stagedData = join(staging, 'data');
    mkdirSync(stagedData, { recursive: true, mode: 0o700 });
    const dbEntry = manifest.entries.find((e) => e.kind === 'database');
    if (dbEntry === undefined) throw refuse('backup.bad_content', 'the backup has no database');
    moveFile(join(staging, dbEntry.path), join(stagedData, layout.value.databaseFile));
    const bad = integrityProblem(join(stagedData, layout.value.databaseFile));
    if (bad !== undefined)
      throw refuse(
        'backup.bad_database',
        `the backup's database fails its integrity check: ${bad}`,
      );
    const check = target.verifyStaged(stagedData, layout.value);
    const files = manifest.entries
      .filter((e) => e.kind === 'file')
      .map((e) => {
        const to = e.slot === undefined ? undefined : layout.value.files[e.slot];
        if (to === undefined)
          throw refuse(
            'backup.bad_config',
            `the backup holds ${e.slot ?? e.path}, which its config does not name`,
          );
        return { from: join(staging, e.path), to };
      });

    // Everything checked: swap in. Nothing above changed anything outside the staging area.
    const stamp = stampOf(now);
    const keptAside: string[] = [];
    const aside = (path: string): Owner | undefined => {
      if (!existsSync(path)) return undefined;
      const owner = ownerOf(path);
      const to = `${path}.before-restore-${stamp}`;
      renameSync(path, to);
      keptAside.push(to);
      return owner;
    };
    const dataDir = layout.value.dataDir;
    const dataOwner = ownerOf(dataDir);
    mkdirSync(dirname(dataDir), { recursive: true });
    const incoming = `${dataDir}.restoring-${stamp}`;
    moveTree(stagedData, incoming, dataOwner);
    aside(dataDir);
    renameSync(incoming, dataDir);
    const configOwner = aside(target.configFile);
    renameSync(stagedConfig, target.configFile);
    chmodSync(target.configFile, configEntry.mode & 0o777);
    if (configOwner !== undefined) chownSync(target.configFile, configOwner.uid, configOwner.gid);
    for (const f of files) {
      const mode = statSync(f.from).mode & 0o777;
      const owner = aside(f.to);
      mkdirSync(dirname(f.to), { recursive: true });
      moveFile(f.from, f.to);
      chmodSync(f.to, mode);
      if (owner !== undefined) chownSync(f.to, owner.uid, owner.gid);
    }
    return { manifest, dataDir, configFile: target.configFile, keptAside, check };
  } finally {
    wipeBackupKeys(keys);
    rmSync(staging, { recursive: true, force: true });
    rmSync(stagedConfig, { force: true });
  }
}
