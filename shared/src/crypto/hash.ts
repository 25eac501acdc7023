/**
 * Hashing: BLAKE2b (libsodium generichash) for our own chains and recordings, SHA-256
 * (node:crypto) where outside tools must check the value (certificate fingerprints, export
 * manifests: `sha256sum` can verify them).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { toHex } from './encoding.js';
import { sodium } from './sodium.js';

export const BLAKE2B_BYTES = 32;

export function blake2b(data: Uint8Array | string, outLength = BLAKE2B_BYTES): Uint8Array {
  // Buffer.from encodes UTF-8 natively, several times faster than the wrapper's own string path
  // (measured: the verifier hashes a million event lines); same bytes, same digest.
  return sodium().crypto_generichash(
    outLength,
    typeof data === 'string' ? Buffer.from(data, 'utf8') : data,
    null,
  );
}

export function blake2bHex(data: Uint8Array | string, outLength = BLAKE2B_BYTES): string {
  return toHex(blake2b(data, outLength));
}

export interface IncrementalHash {
  update(data: Uint8Array | string): void;
  digestHex(): string;
}

export function createBlake2b(outLength = BLAKE2B_BYTES): IncrementalHash {
  const s = sodium();
  const state = s.crypto_generichash_init(null, outLength);
  let done = false;
  return {
    update(data) {
      if (done) throw new Error('hash already finished');
      s.crypto_generichash_update(state, data);
    },
    digestHex() {
      done = true;
      return toHex(s.crypto_generichash_final(state, outLength));
    },
  };
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 over data given in pieces (files too large to hold in memory at once). */
export function createSha256(): IncrementalHash {
  const h = createHash('sha256');
  return {
    update(data) {
      h.update(data);
    },
    digestHex() {
      return h.digest('hex');
    },
  };
}

/** HMAC-SHA256 (webhook signatures: every receiver's language has it). */
export function hmacSha256Hex(key: Uint8Array, data: Uint8Array | string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** Compares two strings in time independent of where they differ (for MACs and tokens). */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `AB:CD:...` form of a SHA-256 digest, as browsers and `openssl x509 -fingerprint` show it. */
export function formatFingerprint(hexDigest: string): string {
  return (hexDigest.toUpperCase().match(/.{2}/g) ?? []).join(':');
}

/** Accepts a SHA-256 fingerprint with or without colons, any case; returns lowercase hex or undefined. */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text
    .replace(/^sha256:/i, '')
    .replace(/:/g, '')
    .toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}
