/**
 * Writing a backup archive (layout in backup-format.ts) while the gateway keeps running: the
 * database through SQLite's online backup API into a temporary copy, every other file of the data
 * directory and the files the config names streamed into the sealed tar as they are read (each
 * file's length is taken when it is reached, so a recording still being written contributes a
 * consistent prefix), then the manifest. The archive is written to a temporary name beside the
 * destination (0600) and renamed into place only when complete, so a failed or interrupted backup
 * never leaves something at the destination that looks like an archive.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Pack } from 'tar-stream';
import { AirlockError } from '../errors.js';
import {
  deriveBackupKeys,
  headerMac,
  newBackupKdf,
  StreamSealer,
  wipeBackupKeys,
  type BackupKeys,
  type BackupSecret,
  type PassphraseLimits,
} from '../crypto/backup-cipher.js';
import { schemaVersions, snapshotDatabase } from '../store/online-backup.js';
import {
  BACKUP_FORMAT,
  BACKUP_MAGIC,
  CHUNK_BYTES,
  encodeHeader,
  MANIFEST_PATH,
  type BackupHeader,
  type BackupManifest,
  type BackupRole,
  type ManifestEntry,
} from './backup-format.js';
import { omitUndefined } from '../omit-undefined.js';

/** What one gateway backs up: given by the gateway from its config. */
export interface BackupPlan {
  readonly role: BackupRole;
  readonly site: string | null;
  readonly airlockVersion: string;
  readonly dataDir: string;
  /** The SQLite database's file name inside dataDir (copied with the backup API, never as a file). */
  readonly databaseFile: string;
  readonly configFile: string;
  /** Files the config names outside dataDir (the OT policy, an imported certificate kept elsewhere). */
  readonly files: readonly { readonly slot: string; readonly path: string }[];
  /** Top-level names in dataDir that are not state (derived output such as export bundles). */
  readonly skip?: readonly string[];
}

export interface BackupResult {
  readonly path: string;
  readonly bytes: number;
  readonly manifest: BackupManifest;
}

/** Seals what passes through into length-prefixed frames after the archive's clear prefix. */
class SealFrames extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private bytesOut = 0;

  constructor(
    prefix: Buffer,
    private readonly sealer: StreamSealer,
  ) {
    super();
    this.push(prefix);
    this.bytesOut += prefix.length;
  }

  get written(): number {
    return this.bytesOut;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= CHUNK_BYTES) {
      const all = Buffer.concat(this.pending);
      this.emitFrame(all.subarray(0, CHUNK_BYTES), false);
      const rest = all.subarray(CHUNK_BYTES);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    this.emitFrame(Buffer.concat(this.pending), true);
    this.pending = [];
    done();
  }

  private emitFrame(plain: Uint8Array, final: boolean): void {
    const sealed = this.sealer.push(plain, final);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(sealed.length);
    this.push(len);
    this.push(Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength));
    this.bytesOut += 4 + sealed.length;
  }
}

interface SourceFile {
  readonly archivePath: string;
  readonly path: string;
  readonly kind: ManifestEntry['kind'];
  readonly slot?: string;
  readonly source?: string;
}

/** Regular files under dir (relative paths, sorted); links and special files are refused. */
function listFiles(dir: string, skip: (rel: string) => boolean, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const r = rel === '' ? name : `${rel}/${name}`;
    if (skip(r)) continue;
    const st = lstatSync(join(dir, r));
    if (st.isDirectory()) out.push(...listFiles(dir, skip, r));
    else if (st.isFile()) out.push(r);
    else
      throw new AirlockError(
        'bad_request',
        'backup.unsupported_file',
        `${join(dir, r)} is neither a regular file nor a directory; a backup copies only those`,
      );
  }
  return out;
}

function addEntry(tar: Pack, f: SourceFile, entries: ManifestEntry[]): Promise<void> {
  const st = lstatSync(f.path);
  if (!st.isFile())
    throw new AirlockError('bad_request', 'backup.unsupported_file', `${f.path} is not a file`);
  const size = st.size;
  const mode = st.mode & 0o7777;
  const hash = createHash('sha256');
  return new Promise<void>((resolve, reject) => {
    const header = { name: f.archivePath, size, mode, mtime: new Date(0) };
    const done = (e?: Error | null): void => {
      if (e !== null && e !== undefined) reject(e);
      else {
        entries.push({
          path: f.archivePath,
          kind: f.kind,
          ...omitUndefined({ slot: f.slot, source: f.source }),
          mode,
          bytes: size,
          sha256: hash.digest('hex'),
        });
        resolve();
      }
    };
    if (size === 0) {
      tar.entry(header, Buffer.alloc(0), done);
      return;
    }
    const entry = tar.entry(header, done);
    const input = createReadStream(f.path, { start: 0, end: size - 1 });
    input.on('data', (chunk) => hash.update(chunk));
    input.on('error', (e) => {
      entry.destroy(e);
      reject(e);
    });
    input.pipe(entry);
  });
}

async function packAll(
  tar: Pack,
  files: readonly SourceFile[],
  manifestBase: Omit<BackupManifest, 'entries'>,
): Promise<BackupManifest> {
  const entries: ManifestEntry[] = [];
  for (const f of files) await addEntry(tar, f, entries);
  const manifest: BackupManifest = { ...manifestBase, entries };
  const bytes = Buffer.from(JSON.stringify(manifest, null, 2), 'utf8');
  await new Promise<void>((resolve, reject) =>
    tar.entry(
      { name: MANIFEST_PATH, size: bytes.length, mode: 0o600, mtime: new Date(0) },
      bytes,
      (e) => (e === null || e === undefined ? resolve() : reject(e)),
    ),
  );
  tar.finalize();
  return manifest;
}

export interface WriteBackupOptions {
  readonly now?: Date;
  /** How hard a passphrase is stretched (default "moderate"; the archive records it). */
  readonly limits?: PassphraseLimits;
}

export async function writeBackup(
  plan: BackupPlan,
  secret: BackupSecret,
  out: string,
  options: WriteBackupOptions = {},
): Promise<BackupResult> {
  const now = options.now ?? new Date();
  if (existsSync(out))
    throw new AirlockError('conflict', 'backup.exists', `refusing to overwrite ${out}`);
  const work = mkdtempSync(join(dirname(out), `.${basename(out)}.work-`));
  const partial = join(dirname(out), `.${basename(out)}.${randomBytes(6).toString('hex')}.partial`);
  let keys: BackupKeys | undefined;
  try {
    const db = join(work, plan.databaseFile);
    await snapshotDatabase(join(plan.dataDir, plan.databaseFile), db);
    const schema = schemaVersions(db);
    const dbNames = new Set(['', '-wal', '-shm', '-journal'].map((s) => plan.databaseFile + s));
    const skipTop = new Set(plan.skip ?? []);
    const dataFiles = listFiles(
      plan.dataDir,
      (rel) => dbNames.has(rel) || skipTop.has(rel) || rel.startsWith('.'),
    );
    const files: SourceFile[] = [
      { archivePath: `database/${plan.databaseFile}`, path: db, kind: 'database' },
      ...dataFiles.map((rel) => ({
        archivePath: `data/${rel}`,
        path: join(plan.dataDir, rel),
        kind: 'data' as const,
      })),
      {
        archivePath: 'config/config.json',
        path: plan.configFile,
        kind: 'config',
        source: plan.configFile,
      },
      ...plan.files.map((f) => ({
        archivePath: `files/${f.slot}`,
        path: f.path,
        kind: 'file' as const,
        slot: f.slot,
        source: f.path,
      })),
    ];
    const kdf = newBackupKdf(secret, options.limits);
    keys = deriveBackupKeys(secret, kdf);
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      role: plan.role,
      site: plan.site,
      createdAt: now.toISOString(),
      airlockVersion: plan.airlockVersion,
      schema,
      kdf,
      keyCheck: keys.check,
      chunkBytes: CHUNK_BYTES,
    };
    const headerBytes = encodeHeader(header);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(headerBytes.length);
    const sealer = new StreamSealer(keys);
    const prefix = Buffer.concat([
      BACKUP_MAGIC,
      len,
      headerBytes,
      Buffer.from(headerMac(keys, headerBytes)),
      Buffer.from(sealer.header),
    ]);
    const tar = tarPack();
    const seal = new SealFrames(prefix, sealer);
    const sink = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
    const written = pipeline(tar, seal, sink);
    const { entries: _e, ...base } = {
      format: BACKUP_FORMAT,
      role: plan.role,
      site: plan.site,
      createdAt: header.createdAt,
      airlockVersion: plan.airlockVersion,
      schema,
      entries: [],
    } satisfies BackupManifest;
    let manifest: BackupManifest;
    try {
      manifest = await packAll(tar, files, base);
    } catch (e) {
      tar.destroy(e as Error);
      await written.catch(() => undefined);
      throw e;
    }
    await written;
    const fd = openSync(partial, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(partial, out);
    return { path: out, bytes: seal.written, manifest };
  } finally {
    if (keys !== undefined) wipeBackupKeys(keys);
    rmSync(work, { recursive: true, force: true });
    rmSync(partial, { force: true });
  }
}
