/**
 * Password hashing with argon2id (libsodium crypto_pwhash_str, interactive limits: 64 MiB, 2 passes).
 * The encoded string carries its own salt and parameters, so limits can be raised later and old
 * hashes still verify (and `needsRehash` tells when to upgrade one).
 */
import { sodium } from './sodium.js';

export function hashPassword(password: string): string {
  const s = sodium();
  return s.crypto_pwhash_str(
    password,
    s.crypto_pwhash_OPSLIMIT_INTERACTIVE,
    s.crypto_pwhash_MEMLIMIT_INTERACTIVE,
  );
}

export function verifyPassword(encoded: string, password: string): boolean {
  if (!encoded.startsWith('$argon2id$')) return false;
  try {
    return sodium().crypto_pwhash_str_verify(encoded, password);
  } catch {
    return false;
  }
}

export function needsRehash(encoded: string): boolean {
  const s = sodium();
  return s.crypto_pwhash_str_needs_rehash(
    encoded,
    s.crypto_pwhash_OPSLIMIT_INTERACTIVE,
    s.crypto_pwhash_MEMLIMIT_INTERACTIVE,
  );
}
