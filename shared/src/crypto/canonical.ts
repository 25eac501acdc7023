/**
 * Canonical JSON for anything that is signed or hashed (tickets, audit events, checkpoints,
 * manifests): object keys sorted by UTF-16 code unit, no whitespace, UTF-8. This is the subset of
 * RFC 8785 (JCS) our values use; numbers must be finite (we sign integers, not floats), and values
 * JSON cannot carry (undefined inside arrays, NaN, bigint, functions, byte arrays) are refused
 * rather than silently changed, because a signature over a changed value is worthless.
 * Properties whose value is undefined are omitted, as JSON.stringify does.
 */
import { utf8 } from './encoding.js';

export class CanonicalEncodingError extends Error {
  override readonly name = 'CanonicalEncodingError';
}

function encodeValue(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value))
        throw new CanonicalEncodingError(`${path || 'value'}: non-finite number`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value
          .map((v, i) => {
            if (v === undefined)
              throw new CanonicalEncodingError(`${path}[${i}]: undefined in array`);
            return encodeValue(v, `${path}[${i}]`);
          })
          .join(',')}]`;
      }
      if (ArrayBuffer.isView(value))
        throw new CanonicalEncodingError(`${path || 'value'}: bytes must be encoded as text first`);
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null)
        throw new CanonicalEncodingError(`${path || 'value'}: only plain objects can be encoded`);
      // A plain loop over the sorted keys: this encodes every audit event written and exported
      // (measured: entries/filter/sort/map/join took most of an export's encoding time).
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        if (out.length > 1) out += ',';
        // Leaves inline: no recursion and no path text unless something is wrong (the path is
        // only for the error message).
        const leaf =
          typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))
            ? JSON.stringify(v)
            : encodeValue(v, path === '' ? k : `${path}.${k}`);
        out += `${JSON.stringify(k)}:${leaf}`;
      }
      return `${out}}`;
    }
    default:
      throw new CanonicalEncodingError(`${path || 'value'}: cannot encode ${typeof value}`);
  }
}

export function canonicalJson(value: unknown): string {
  return encodeValue(value, '');
}

export function canonicalBytes(value: unknown): Uint8Array {
  return utf8(canonicalJson(value));
}
