/** Byte <-> text encodings used in link frames, tickets and files (base64url without padding). */
import { err, ok, type Result } from '../result.js';

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function fromBase64Url(text: string, expectedLength?: number): Result<Uint8Array, string> {
  if (!BASE64URL.test(text)) return err('not base64url');
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  if (toBase64Url(bytes) !== text) return err('not canonical base64url');
  if (expectedLength !== undefined && bytes.length !== expectedLength) {
    return err(`expected ${expectedLength} bytes, got ${bytes.length}`);
  }
  return ok(bytes);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
