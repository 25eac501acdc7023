/**
 * Authenticated encryption for stored secrets: XChaCha20-Poly1305 (libsodium's IETF AEAD), with a
 * random 192-bit nonce per seal and associated data that binds a ciphertext to what it belongs to
 * (e.g. the asset name), so a ciphertext copied onto another row does not decrypt.
 */
import { randomBytes } from 'node:crypto';
import { AirlockError } from '../errors.js';
import { sodium } from './sodium.js';

export const AEAD_KEY_BYTES = 32;
export const AEAD_NONCE_BYTES = 24;

export function generateAeadKey(): Uint8Array {
  return new Uint8Array(randomBytes(AEAD_KEY_BYTES));
}

/** Returns nonce || ciphertext+tag. */
export function sealSecret(
  plaintext: Uint8Array,
  key: Uint8Array,
  associatedData: string,
): Uint8Array {
  const nonce = new Uint8Array(randomBytes(AEAD_NONCE_BYTES));
  const ct = sodium().crypto_aead_xchacha20poly1305_ietf_encrypt(
    plaintext,
    associatedData,
    null,
    nonce,
    key,
  );
  const out = new Uint8Array(nonce.length + ct.length);
  out.set(nonce, 0);
  out.set(ct, nonce.length);
  return out;
}

export function openSecret(
  sealed: Uint8Array,
  key: Uint8Array,
  associatedData: string,
): Uint8Array {
  if (sealed.length < AEAD_NONCE_BYTES + 16)
    throw new AirlockError('internal', 'secret.corrupt', 'sealed secret is too short');
  try {
    return sodium().crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      sealed.subarray(AEAD_NONCE_BYTES),
      associatedData,
      sealed.subarray(0, AEAD_NONCE_BYTES),
      key,
    );
  } catch (e) {
    throw new AirlockError(
      'internal',
      'secret.undecryptable',
      'sealed secret does not decrypt with this key for this owner',
      { cause: e },
    );
  }
}

/** Overwrites secret bytes once they are no longer needed. */
export function wipe(bytes: Uint8Array): void {
  sodium().memzero(bytes);
}
