/** Random secrets for bearer tokens, nonces and one-time codes (node:crypto's CSPRNG). */
import { randomBytes } from 'node:crypto';
import { toBase64Url } from './encoding.js';

/** `byteLength` random bytes as base64url text (32 bytes: a 256-bit bearer secret). */
export function randomToken(byteLength = 32): string {
  return toBase64Url(new Uint8Array(randomBytes(byteLength)));
}

export function randomBytesArray(byteLength: number): Uint8Array {
  return new Uint8Array(randomBytes(byteLength));
}
