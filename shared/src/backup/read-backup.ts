/**
 * Reading a backup archive (layout in backup-format.ts) into a staging directory, checking as it
 * goes, in this order, so the message names the first thing wrong:
 *   not an archive -> other role -> newer schema (caller) -> wrong passphrase or key file -> header
 *   altered -> body altered / truncated / bytes appended -> manifest missing or not matching.
 * Nothing outside the staging directory is written; the caller removes it on failure.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  chmodSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
import { AirlockError } from '../errors.js';
import { formatProblems } from '../result.js';
import {
  CHUNK_OVERHEAD,
  deriveBackupKeys,
  isHeaderMacValid,
  isKeyCheckValid,
  StreamOpener,
  STREAM_HEADER_BYTES,
  type BackupKeys,
  type BackupSecret,
} from '../crypto/backup-cipher.js';
import {
  BACKUP_MAGIC,
  HEADER_MAC_BYTES,
  isSafeArchivePath,
  MANIFEST_PATH,
  MAX_FRAME_BYTES,
  MAX_HEADER_BYTES,
  parseHeader,
  parseManifest,
  type BackupHeader,
  type BackupManifest,
} from './backup-format.js';

export interface OpenedBackup {
  readonly path: string;
  readonly header: BackupHeader;
  readonly headerBytes: Buffer;
  readonly mac: Buffer;
  readonly streamHeader: Buffer;
  /** Where the sealed frames start. */
  readonly bodyOffset: number;
  readonly bytes: number;
}

function refuse(code: string, message: string): AirlockError {
  return new AirlockError('bad_request', code, message);
}

function readExactly(fd: number, length: number, position: number): Buffer | undefined {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) return undefined;
    got += n;
  }
  return buf;
}

/** Reads and parses the clear prefix of an archive; throws naming what is wrong. */
export function readBackupHeader(path: string): OpenedBackup {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new AirlockError('not_found', 'backup.unreadable', `cannot read ${path}`, { cause: e });
  }
  try {
    const bytes = fstatSync(fd).size;
    const magic = readExactly(fd, BACKUP_MAGIC.length, 0);
    if (magic === undefined || !magic.equals(BACKUP_MAGIC))
      throw refuse('backup.not_a_backup', `${path} is not an Airlock backup archive`);
    const lenBytes = readExactly(fd, 4, BACKUP_MAGIC.length);
    if (lenBytes === undefined)
      throw refuse('backup.truncated', `the backup ${path} is truncated (its header is cut short)`);
    const len = lenBytes.readUInt32BE(0);
    if (len === 0 || len > MAX_HEADER_BYTES)
      throw refuse('backup.bad_header', `the backup ${path} has an invalid header length`);
    const start = BACKUP_MAGIC.length + 4;
    const headerBytes = readExactly(fd, len, start);
    const mac = readExactly(fd, HEADER_MAC_BYTES, start + len);
    const streamHeader = readExactly(fd, STREAM_HEADER_BYTES, start + len + HEADER_MAC_BYTES);
    if (headerBytes === undefined || mac === undefined || streamHeader === undefined)
      throw refuse('backup.truncated', `the backup ${path} is truncated (its header is cut short)`);
    const parsed = parseHeader(headerBytes);
    if (!parsed.ok)
      throw refuse(
        'backup.bad_header',
        `the backup header of ${path} is invalid (altered, or from an unknown format): ${formatProblems(parsed.error)}`,
      );
    return {
      path,
      header: parsed.value,
      headerBytes,
      mac,
      streamHeader,
      bodyOffset: start + len + HEADER_MAC_BYTES + STREAM_HEADER_BYTES,
      bytes,
    };
  } finally {
    closeSync(fd);
  }
}

/** Derives the keys and checks them and the header MAC; the caller wipes the keys. */
export function unlockBackup(opened: OpenedBackup, secret: BackupSecret): BackupKeys {
  const keys = deriveBackupKeys(secret, opened.header.kdf);
  if (!isKeyCheckValid(keys, opened.header.keyCheck))
    throw refuse(
      'backup.wrong_secret',
      opened.header.kdf.alg === 'key-file'
        ? 'wrong key file: this backup was encrypted with a different key'
        : 'wrong passphrase: this backup was encrypted with a different passphrase',
    );
  if (!isHeaderMacValid(keys, opened.headerBytes, opened.mac))
    throw refuse(
      'backup.tampered',
      'the backup was tampered with: its header does not match its authentication code',
    );
  return keys;
}

/** Splits the body into frames and opens each; errors name truncation or tampering. */
class OpenFrames extends Transform {
  private carry: Buffer = Buffer.alloc(0);

  constructor(private readonly opener: StreamOpener) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      let buf = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
      while (buf.length >= 4) {
        const len = buf.readUInt32BE(0);
        if (len < CHUNK_OVERHEAD || len > MAX_FRAME_BYTES)
          throw refuse(
            'backup.tampered',
            'the backup was tampered with: a frame length is invalid',
          );
        if (buf.length < 4 + len) break;
        const plain = this.opener.pull(buf.subarray(4, 4 + len));
        if (plain.length > 0) this.push(Buffer.from(plain.buffer, plain.byteOffset, plain.length));
        buf = buf.subarray(4 + len);
      }
      this.carry = Buffer.from(buf);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.carry.length > 0 || !this.opener.isFinal)
      done(
        refuse(
          'backup.truncated',
          'the backup is truncated: it ends before its final chunk (an incomplete copy or download)',
        ),
      );
    else done();
  }
}

interface Written {
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * Decrypts the body into `staging` (one file per entry, at its archive path) and checks it against
 * the manifest. Returns the manifest; modes from it are applied to the staged files.
 */
export async function extractBackup(
  opened: OpenedBackup,
  keys: BackupKeys,
  staging: string,
): Promise<BackupManifest> {
  const opener = new StreamOpener(keys, opened.streamHeader);
  const written = new Map<string, Written>();
  let manifestBytes: Buffer | undefined;
  const ex = tarExtract();
  ex.on('entry', (header, stream, next) => {
    const name = header.name;
    const fail = (message: string): void => {
      stream.resume();
      next(refuse('backup.bad_content', message));
    };
    if (header.type !== 'file') return fail(`unexpected ${header.type ?? 'entry'} ${name}`);
    if (!isSafeArchivePath(name)) return fail(`unsafe entry path ${JSON.stringify(name)}`);
    if (written.has(name) || (name === MANIFEST_PATH && manifestBytes !== undefined))
      return fail(`entry ${name} appears twice`);
    if (name === MANIFEST_PATH) {
      const parts: Buffer[] = [];
      stream.on('data', (d: unknown) => {
        parts.push(d as Buffer);
      });
      stream.on('end', () => {
        manifestBytes = Buffer.concat(parts);
        next();
      });
      stream.on('error', (e) => next(e));
      return;
    }
    const target = join(staging, name);
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    const hash = createHash('sha256');
    let bytes = 0;
    stream.on('data', (d: unknown) => {
      const b = d as Buffer;
      hash.update(b);
      bytes += b.length;
    });
    const sink = createWriteStream(target, { flags: 'wx', mode: 0o600 });
    pipeline(stream, sink).then(
      () => {
        written.set(name, { bytes, sha256: hash.digest('hex') });
        next();
      },
      (e: unknown) => next(e as Error),
    );
  });
  try {
    await pipeline(
      createReadStream(opened.path, { start: opened.bodyOffset }),
      new OpenFrames(opener),
      ex,
    );
  } catch (e) {
    if (e instanceof AirlockError) throw e;
    throw refuse(
      'backup.bad_content',
      `the backup's content cannot be read: ${(e as Error).message}`,
    );
  }
  if (manifestBytes === undefined) throw refuse('backup.bad_content', 'the backup has no manifest');
  const parsed = parseManifest(manifestBytes);
  if (!parsed.ok)
    throw refuse(
      'backup.bad_content',
      `the backup's manifest is invalid: ${formatProblems(parsed.error)}`,
    );
  const manifest = parsed.value;
  if (manifest.role !== opened.header.role || manifest.site !== opened.header.site)
    throw refuse('backup.bad_content', "the manifest's role or site differs from the header's");
  const listed = new Set(manifest.entries.map((e) => e.path));
  for (const name of written.keys())
    if (!listed.has(name))
      throw refuse('backup.bad_content', `entry ${name} is not in the manifest`);
  for (const e of manifest.entries) {
    const w = written.get(e.path);
    if (w === undefined)
      throw refuse('backup.bad_content', `the manifest lists ${e.path}, which is missing`);
    if (w.bytes !== e.bytes || w.sha256 !== e.sha256)
      throw refuse(
        'backup.bad_content',
        `${e.path} does not match its manifest entry (size or SHA-256)`,
      );
    chmodSync(join(staging, e.path), e.mode & 0o777);
  }
  return manifest;
}
