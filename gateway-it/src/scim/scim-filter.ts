/**
 * The filters this server answers (RFC 7644 3.4.2.2): one `<attribute> eq "<value>"`, which is what
 * provisioning clients send to find a resource before creating it (`userName eq "x"`,
 * `externalId eq "x"`, `displayName eq "x"`). Anything else is refused with `invalidFilter`
 * rather than answered wrongly: a client told "no such user" when its filter was not understood
 * would create a duplicate.
 */
import type { Result } from '../../../shared/src/result.js';

export interface EqFilter<K extends string> {
  readonly key: K;
  readonly value: string;
}

const EQ = /^\s*([A-Za-z][\w.:-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i;

/** Parses `filter` against the attributes `keys` (matched case-insensitively, as SCIM names are). */
export function parseEqFilter<K extends string>(
  filter: string,
  keys: readonly K[],
): Result<EqFilter<K>, string> {
  const m = EQ.exec(filter);
  if (m?.[1] === undefined || m[2] === undefined)
    return { ok: false, error: `unsupported filter: only <attribute> eq "<value>" is answered` };
  const name = m[1].replace(/^urn:ietf:params:scim:schemas:core:2\.0:(User|Group):/i, '');
  const key = keys.find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined)
    return { ok: false, error: `cannot filter on ${name}: use one of ${keys.join(', ')}` };
  let value: unknown;
  try {
    value = JSON.parse(`"${m[2]}"`);
  } catch {
    return { ok: false, error: 'the filter value is not a valid string' };
  }
  return typeof value === 'string'
    ? { ok: true, value: { key, value } }
    : { ok: false, error: 'the filter value is not a valid string' };
}
