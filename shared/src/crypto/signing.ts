/**
 * Ed25519 detached signatures (libsodium crypto_sign_detached) and signing of objects through
 * their canonical encoding. `verifySignature` never throws: malformed keys or signatures are simply
 * not valid.
 */
import { canonicalBytes } from './canonical.js';
import { sodium } from './sodium.js';

export interface SigningKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export const SIGNATURE_BYTES = 64;
export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 64;

export function generateSigningKeyPair(): SigningKeyPair {
  const kp = sodium().crypto_sign_keypair();
  return { publicKey: kp.publicKey, secretKey: kp.privateKey };
}

/** The public half of an Ed25519 secret key (libsodium keeps it in the last 32 bytes). */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return sodium().crypto_sign_ed25519_sk_to_pk(secretKey);
}

export function signDetached(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return sodium().crypto_sign_detached(message, secretKey);
}

export function verifySignature(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return false;
  try {
    return sodium().crypto_sign_verify_detached(signature, message, publicKey);
  } catch {
    return false;
  }
}

export function signObject(value: unknown, secretKey: Uint8Array): Uint8Array {
  return signDetached(canonicalBytes(value), secretKey);
}

export function verifyObject(
  signature: Uint8Array,
  value: unknown,
  publicKey: Uint8Array,
): boolean {
  let bytes: Uint8Array;
  try {
    bytes = canonicalBytes(value);
  } catch {
    return false;
  }
  return verifySignature(signature, bytes, publicKey);
}
