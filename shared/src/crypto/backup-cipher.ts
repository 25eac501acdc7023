/**
 * The cryptography of backup archives (libsodium): a key from the operator's passphrase (argon2id,
 * salt and limits kept beside the archive so they can be raised later) or from a 32-byte key file,
 * split into three subkeys: one for the stream, one for the header MAC, one for a key check value.
 * The body is a libsodium secretstream (XChaCha20-Poly1305), chunk by chunk, the last chunk tagged
 * FINAL, so each failure has one meaning:
 *  - the key check value differs: wrong passphrase or key file;
 *  - the header MAC fails (with the right key): the clear header was altered;
 *  - a chunk fails to decrypt: the body was altered (or chunks were reordered, dropped, repeated);
 *  - the input ends before the FINAL chunk: the archive is truncated;
 *  - bytes follow the FINAL chunk: something was appended.
 * Not hidden: the clear header (role, site, times, versions) and the archive's approximate size.
 */
import { randomBytes } from 'node:crypto';
import { AirlockError } from '../errors.js';
import { fromBase64Url, toBase64Url } from './encoding.js';
import { sodium } from './sodium.js';

export const BACKUP_KEY_BYTES = 32;
/** Shortest passphrase accepted for a new backup. */
export const MIN_PASSPHRASE_CHARS = 12;

export type BackupKdf =
  | {
      readonly alg: 'argon2id13';
      readonly salt: string;
      readonly opsLimit: number;
      readonly memLimit: number;
    }
  | { readonly alg: 'key-file' };

/** What the operator keeps: a passphrase, or the bytes of a key file. Wiped after use by the caller. */
export type BackupSecret =
  | { readonly kind: 'passphrase'; readonly passphrase: Uint8Array }
  | { readonly kind: 'key-file'; readonly key: Uint8Array };

export interface BackupKeys {
  readonly stream: Uint8Array;
  readonly mac: Uint8Array;
  /** Public value that tells a wrong key apart from an altered archive. */
  readonly check: string;
}

/** How hard a passphrase is stretched: libsodium's "moderate" (about 2.5 s and 256 MiB here) or "interactive". */
export type PassphraseLimits = 'moderate' | 'interactive';

/** Key derivation parameters for a new archive: argon2id, "moderate" unless told otherwise. */
export function newBackupKdf(
  secret: BackupSecret,
  limits: PassphraseLimits = 'moderate',
): BackupKdf {
  if (secret.kind === 'key-file') return { alg: 'key-file' };
  const s = sodium();
  const moderate = limits === 'moderate';
  return {
    alg: 'argon2id13',
    salt: toBase64Url(new Uint8Array(randomBytes(s.crypto_pwhash_SALTBYTES))),
    opsLimit: moderate ? s.crypto_pwhash_OPSLIMIT_MODERATE : s.crypto_pwhash_OPSLIMIT_INTERACTIVE,
    memLimit: moderate ? s.crypto_pwhash_MEMLIMIT_MODERATE : s.crypto_pwhash_MEMLIMIT_INTERACTIVE,
  };
}

export function deriveBackupKeys(secret: BackupSecret, kdf: BackupKdf): BackupKeys {
  const s = sodium();
  let master: Uint8Array;
  if (kdf.alg === 'key-file') {
    if (secret.kind !== 'key-file')
      throw new AirlockError(
        'bad_request',
        'backup.needs_key_file',
        'this backup was encrypted with a key file, not a passphrase: give --key-file',
      );
    if (secret.key.length !== BACKUP_KEY_BYTES)
      throw new AirlockError(
        'bad_request',
        'backup.key_length',
        `a backup key file holds exactly ${BACKUP_KEY_BYTES} bytes (it holds ${secret.key.length})`,
      );
    master = Uint8Array.from(secret.key);
  } else {
    if (secret.kind !== 'passphrase')
      throw new AirlockError(
        'bad_request',
        'backup.needs_passphrase',
        'this backup was encrypted with a passphrase, not a key file: give --passphrase-file',
      );
    const salt = fromBase64Url(kdf.salt, s.crypto_pwhash_SALTBYTES);
    // Bounds keep a hostile header from asking for gigabytes or hours before the key check.
    if (
      !salt.ok ||
      kdf.opsLimit < s.crypto_pwhash_OPSLIMIT_MIN ||
      kdf.opsLimit > 16 ||
      kdf.memLimit < 8 * 1024 * 1024 ||
      kdf.memLimit > 1024 * 1024 * 1024
    )
      throw new AirlockError(
        'bad_request',
        'backup.bad_header',
        'the backup header has key derivation parameters out of range (altered or not an Airlock backup)',
      );
    master = s.crypto_pwhash(
      BACKUP_KEY_BYTES,
      secret.passphrase,
      salt.value,
      kdf.opsLimit,
      kdf.memLimit,
      s.crypto_pwhash_ALG_ARGON2ID13,
    );
  }
  const stream = s.crypto_kdf_derive_from_key(32, 1, 'airlkbak', master);
  const mac = s.crypto_kdf_derive_from_key(32, 2, 'airlkbak', master);
  const checkKey = s.crypto_kdf_derive_from_key(32, 3, 'airlkbak', master);
  const check = toBase64Url(s.crypto_generichash(16, 'airlock backup key check', checkKey));
  s.memzero(master);
  s.memzero(checkKey);
  return { stream, mac, check };
}

export function wipeBackupKeys(keys: BackupKeys): void {
  sodium().memzero(keys.stream);
  sodium().memzero(keys.mac);
}

export function headerMac(keys: BackupKeys, header: Uint8Array): Uint8Array {
  return sodium().crypto_generichash(32, header, keys.mac);
}

export function isHeaderMacValid(keys: BackupKeys, header: Uint8Array, mac: Uint8Array): boolean {
  const expected = headerMac(keys, header);
  return mac.length === expected.length && sodium().memcmp(mac, expected);
}

export function isKeyCheckValid(keys: BackupKeys, check: string): boolean {
  const a = Buffer.from(keys.check);
  const b = Buffer.from(check);
  return a.length === b.length && sodium().memcmp(a, b);
}

export const STREAM_HEADER_BYTES = 24;
/** Bytes a chunk grows by when sealed. */
export const CHUNK_OVERHEAD = 17;

/** Seals a stream chunk by chunk; the last chunk must be pushed with `final`. */
export class StreamSealer {
  readonly header: Uint8Array;
  private readonly state: ReturnType<
    ReturnType<typeof sodium>['crypto_secretstream_xchacha20poly1305_init_push']
  >['state'];
  private done = false;

  constructor(keys: BackupKeys) {
    const s = sodium().crypto_secretstream_xchacha20poly1305_init_push(keys.stream);
    this.header = s.header;
    this.state = s.state;
  }

  push(chunk: Uint8Array, final: boolean): Uint8Array {
    if (this.done) throw new AirlockError('internal', 'backup.stream_closed', 'stream is final');
    const s = sodium();
    this.done = final;
    return s.crypto_secretstream_xchacha20poly1305_push(
      this.state,
      chunk,
      null,
      final
        ? s.crypto_secretstream_xchacha20poly1305_TAG_FINAL
        : s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
    );
  }
}

/** Opens a sealed stream chunk by chunk; throws `backup.tampered` on the first chunk that fails. */
export class StreamOpener {
  private readonly state: ReturnType<
    ReturnType<typeof sodium>['crypto_secretstream_xchacha20poly1305_init_pull']
  >;
  private chunks = 0;
  private final = false;

  constructor(keys: BackupKeys, header: Uint8Array) {
    if (header.length !== STREAM_HEADER_BYTES)
      throw new AirlockError('bad_request', 'backup.truncated', 'the backup is truncated');
    this.state = sodium().crypto_secretstream_xchacha20poly1305_init_pull(header, keys.stream);
  }

  get isFinal(): boolean {
    return this.final;
  }

  pull(sealed: Uint8Array): Uint8Array {
    this.chunks++;
    if (this.final)
      throw new AirlockError(
        'bad_request',
        'backup.tampered',
        'the backup was tampered with: data follows its final chunk',
      );
    const s = sodium();
    const r = s.crypto_secretstream_xchacha20poly1305_pull(this.state, sealed, null);
    if (r === false)
      throw new AirlockError(
        'bad_request',
        'backup.tampered',
        `the backup was tampered with: chunk ${this.chunks} fails authentication`,
      );
    this.final = r.tag === s.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    return r.message;
  }
}
