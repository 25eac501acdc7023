/**
 * Secret files (signing keys, the vault master key): written 0600 and never overwritten by
 * accident; refused on read when group or others may read them, the way OpenSSH refuses a private
 * key with loose permissions.
 */
import {
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeSync,
  closeSync,
  fsyncSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { AirlockError } from '../errors.js';
import {
  publicKeyOf,
  generateSigningKeyPair,
  SECRET_KEY_BYTES,
  type SigningKeyPair,
} from './signing.js';

export function writeSecretFile(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    throw new AirlockError(
      'conflict',
      'key.exists',
      `refusing to overwrite existing secret file ${path}`,
      { cause: e },
    );
  }
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function readSecretFile(path: string, expectedLength?: number): Uint8Array {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    throw new AirlockError('unavailable', 'key.missing', `secret file ${path} cannot be read`, {
      cause: e,
    });
  }
  if ((mode & 0o077) !== 0) {
    throw new AirlockError(
      'access_denied',
      'key.permissions',
      `secret file ${path} is accessible by group or others (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${path}`,
    );
  }
  const bytes = new Uint8Array(readFileSync(path));
  if (expectedLength !== undefined && bytes.length !== expectedLength) {
    throw new AirlockError(
      'bad_request',
      'key.length',
      `secret file ${path} holds ${bytes.length} bytes, expected ${expectedLength}`,
    );
  }
  return bytes;
}

/** Loads the Ed25519 signing key at `path`, creating it (0600) on first start. */
export function loadOrCreateSigningKey(path: string): SigningKeyPair {
  let exists = true;
  try {
    statSync(path);
  } catch {
    exists = false;
  }
  if (!exists) {
    const kp = generateSigningKeyPair();
    writeSecretFile(path, kp.secretKey);
    return kp;
  }
  const secretKey = readSecretFile(path, SECRET_KEY_BYTES);
  return { secretKey, publicKey: publicKeyOf(secretKey) };
}
