/**
 * The backup archive's layout, in one place. An archive is:
 *
 *   "AIRLOCK-BACKUP\n" | u32 header length | header (JSON) | header MAC (32) | stream header (24)
 *   | frames: u32 length | sealed chunk ...  (the last chunk tagged FINAL, see crypto/backup-cipher.ts)
 *
 * The clear header says what the archive is (role, site, versions, schema, key derivation) so a
 * wrong role or a too new schema is refused before any decryption; its MAC (under a key only the
 * passphrase or key file gives) proves it was not altered. The sealed body is a tar stream whose
 * entries are `database/<file>` (SQLite online backup), `data/<path>` (the rest of the data
 * directory: keys, certificates, recordings), `config/config.json`, `files/<slot>` (files the
 * config names outside the data directory, e.g. the OT policy), and `manifest.json` last, listing
 * every entry with its size, mode and SHA-256.
 */
import { z } from 'zod';
import { parseWith } from '../config/format-issues.js';
import { err, ok, type Problem, type Result } from '../result.js';

export const BACKUP_MAGIC = Buffer.from('AIRLOCK-BACKUP\n', 'ascii');
export const BACKUP_FORMAT = 1;
export const MAX_HEADER_BYTES = 64 * 1024;
export const HEADER_MAC_BYTES = 32;
/** Plaintext bytes per sealed chunk. */
export const CHUNK_BYTES = 64 * 1024;
export const MAX_FRAME_BYTES = CHUNK_BYTES + 64;

export const backupRoleSchema = z.enum(['it', 'ot']);
export type BackupRole = z.output<typeof backupRoleSchema>;

const schemaVersionsSchema = z.record(z.string().max(64), z.number().int().min(0));

export const backupHeaderSchema = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  role: backupRoleSchema,
  site: z.string().max(63).nullable(),
  createdAt: z.iso.datetime(),
  airlockVersion: z.string().max(64),
  schema: schemaVersionsSchema,
  kdf: z.discriminatedUnion('alg', [
    z.strictObject({
      alg: z.literal('argon2id13'),
      salt: z.string().max(64),
      opsLimit: z.number().int(),
      memLimit: z.number().int(),
    }),
    z.strictObject({ alg: z.literal('key-file') }),
  ]),
  keyCheck: z.string().max(64),
  chunkBytes: z.literal(CHUNK_BYTES),
});
export type BackupHeader = z.output<typeof backupHeaderSchema>;

export const ENTRY_KINDS = ['database', 'data', 'config', 'file'] as const;

export const manifestEntrySchema = z.strictObject({
  /** Name inside the tar stream. */
  path: z.string().min(1).max(1024),
  kind: z.enum(ENTRY_KINDS),
  /** For `file` entries: what the config calls it (`policy`, `tls-cert`, ...). */
  slot: z.string().max(64).optional(),
  /** For `file` and `config` entries: where it was on the backed-up machine. */
  source: z.string().max(4096).optional(),
  mode: z.number().int().min(0).max(0o7777),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ManifestEntry = z.output<typeof manifestEntrySchema>;

export const backupManifestSchema = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  role: backupRoleSchema,
  site: z.string().max(63).nullable(),
  createdAt: z.iso.datetime(),
  airlockVersion: z.string().max(64),
  schema: schemaVersionsSchema,
  entries: z.array(manifestEntrySchema).max(1_000_000),
});
export type BackupManifest = z.output<typeof backupManifestSchema>;

export const MANIFEST_PATH = 'manifest.json';

/** Archive paths are relative, forward-slashed and never climb out (`..`) or start at `/`. */
export function isSafeArchivePath(p: string): boolean {
  if (p.length === 0 || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

export function encodeHeader(header: BackupHeader): Buffer {
  return Buffer.from(JSON.stringify(header), 'utf8');
}

export function parseHeader(bytes: Uint8Array): Result<BackupHeader, Problem[]> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
  } catch {
    return err([{ path: '', message: 'the backup header is not JSON' }]);
  }
  return parseWith(backupHeaderSchema, json);
}

export function parseManifest(bytes: Uint8Array): Result<BackupManifest, Problem[]> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
  } catch {
    return err([{ path: '', message: 'the manifest is not JSON' }]);
  }
  const r = parseWith(backupManifestSchema, json);
  if (!r.ok) return r;
  for (const e of r.value.entries)
    if (!isSafeArchivePath(e.path))
      return err([{ path: 'entries', message: `unsafe entry path ${JSON.stringify(e.path)}` }]);
  return ok(r.value);
}

/** Components whose schema in `backup` is newer than in `build`, as `it/6 (this build: it/5)`. */
export function newerSchemas(
  backup: Readonly<Record<string, number>>,
  build: Readonly<Record<string, number>>,
): string[] {
  return Object.entries(backup)
    .filter(([c, v]) => build[c] !== undefined && v > (build[c] ?? 0))
    .map(([c, v]) => `${c}/${v} (this build: ${c}/${build[c] ?? 0})`);
}
