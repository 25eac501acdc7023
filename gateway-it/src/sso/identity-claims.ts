/**
 * What an ID token's claims mean here, as pure functions: the groups (from the configured claim),
 * the roles they give through the provider's mapping, whether the provider's MFA counts (its
 * `amr` or `acr` against the configured values), and the name a new account takes. None of these
 * choose an account: that is issuer and subject only (account-binding.ts).
 */
import type { SsoProviderConfig } from '../config/config.js';
import type { RoleAssignment } from '../store/store.js';

/** The groups in `claim`: an array of strings (others ignored), or one string. */
export function groupsOf(claims: Readonly<Record<string, unknown>>, claim: string): string[] {
  const v = claims[claim];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return [];
  return v.filter((g): g is string => typeof g === 'string');
}

/** The roles the groups give, without duplicates, in the mapping's order. */
export function rolesFromGroups(
  groups: readonly string[],
  mapping: SsoProviderConfig['roles'],
): RoleAssignment[] {
  const have = new Set(groups);
  const out: RoleAssignment[] = [];
  const seen = new Set<string>();
  for (const m of mapping) {
    if (!have.has(m.group)) continue;
    const key = `${m.role}@${m.site ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(m.site === undefined ? { role: m.role } : { role: m.role, site: m.site });
  }
  return out;
}

export interface IdpMfa {
  readonly amr: readonly string[];
  readonly acr: string | null;
  /** True when the configured amr/acr values say the provider did MFA. */
  readonly counts: boolean;
}

/** The ID token's `amr` and `acr`, and whether they satisfy `acceptIdpMfa` (never when it is absent). */
export function idpMfaOf(
  claims: Readonly<Record<string, unknown>>,
  accept: SsoProviderConfig['acceptIdpMfa'],
): IdpMfa {
  const amr = Array.isArray(claims.amr)
    ? claims.amr.filter((a): a is string => typeof a === 'string').slice(0, 20)
    : [];
  const acr = typeof claims.acr === 'string' ? claims.acr.slice(0, 256) : null;
  const counts =
    accept !== undefined &&
    (amr.some((a) => accept.amr.includes(a)) || (acr !== null && accept.acr.includes(acr)));
  return { amr, acr, counts };
}

/**
 * A user name (`^[a-z][a-z0-9._-]{1,31}$`) from the configured claim (an e-mail's local part, if
 * it is one): lowercased, other characters become `-`; `sso-user` when nothing usable is left.
 */
export function baseUserName(claims: Readonly<Record<string, unknown>>, claim: string): string {
  const raw = claims[claim];
  let text = typeof raw === 'string' ? raw : '';
  const at = text.indexOf('@');
  if (at > 0) text = text.slice(0, at);
  let name = text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 24)
    .replace(/[._-]+$/, '');
  if (name.length < 2) name = 'sso-user';
  return name;
}

/** `base`, or `base-2`, `base-3`... : the first that `isTaken` does not report. */
export function uniqueUserName(base: string, isTaken: (name: string) => boolean): string {
  if (!isTaken(base)) return base;
  for (let i = 2; i < 10_000; i++) {
    const candidate = `${base}-${i}`;
    if (!isTaken(candidate)) return candidate;
  }
  throw new Error('no free user name');
}

/** The `email` claim if it is a string (kept for display; never used to find an account). */
export function emailOf(claims: Readonly<Record<string, unknown>>): string | null {
  return typeof claims.email === 'string' ? claims.email.slice(0, 254) : null;
}

/** A display name from `name`, else the user name. */
export function displayNameOf(claims: Readonly<Record<string, unknown>>, fallback: string): string {
  const n = typeof claims.name === 'string' ? claims.name.trim().slice(0, 100) : '';
  return n === '' ? fallback : n;
}
