/**
 * Branded identifiers, so a GrantId cannot be passed where a UserId is wanted, and the id
 * generator that makes them. Generated ids are random (128 bits, base32), never sequential, so
 * they leak nothing and cannot be guessed; tests inject a sequential generator instead.
 */
import { randomFillSync } from 'node:crypto';

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type UserId = Brand<string, 'UserId'>;
export type SiteId = Brand<string, 'SiteId'>;
export type AssetName = Brand<string, 'AssetName'>;
export type RequestId = Brand<string, 'RequestId'>;
export type GrantId = Brand<string, 'GrantId'>;
export type SessionId = Brand<string, 'SessionId'>;
export type EventId = Brand<string, 'EventId'>;

export interface IdGenerator {
  /** A new unique id, e.g. `grt_7k2m...`. The prefix tells a reader what kind of thing it names. */
  next(prefix: string): string;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

// Random bytes drawn 4 KiB at a time from the same CSPRNG and used once each: a call into it per id
// was a tenth of an audit append's time (profiled; every audit event gets an id).
const POOL = Buffer.alloc(4096);
let poolUsed = POOL.length;

function random16(): Uint8Array {
  if (poolUsed + 16 > POOL.length) {
    randomFillSync(POOL);
    poolUsed = 0;
  }
  const out = POOL.subarray(poolUsed, poolUsed + 16);
  poolUsed += 16;
  return out;
}

export const randomIds: IdGenerator = {
  next(prefix: string): string {
    return `${prefix}_${base32(random16())}`;
  },
};

/** Deterministic ids for tests: `grt_0001`, `grt_0002`, ... per prefix. */
export function sequentialIds(): IdGenerator {
  const counters = new Map<string, number>();
  return {
    next(prefix: string): string {
      const n = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, n);
      return `${prefix}_${String(n).padStart(4, '0')}`;
    },
  };
}
