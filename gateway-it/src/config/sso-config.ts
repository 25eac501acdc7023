/**
 * The `sso` section of the IT gateway's config: OpenID Connect providers (docs/access.md). Each
 * provider names its issuer, client, a key file holding the client secret (never inline), the
 * redirect URI registered with the provider, the claim that carries groups and the groups that
 * give roles. An issuer must use https, except on a loopback address (a local test or demo
 * provider). Vendors are not mapped from groups: a vendor needs a company and a contract end.
 */
import { z } from 'zod';

/** A provider's id: in the login URL (`/sso/<id>/login`) and the redirect URI. */
export const SSO_PROVIDER_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** `URL.parse` arrived in Node 22. */
function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** https, or http to a loopback address. */
export function isAcceptableIssuer(url: string): boolean {
  const u = parseUrl(url);
  if (u === null) return false;
  return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname));
}

const mappedRole = z
  .strictObject({
    /** The group as the provider puts it in the claim (a name, or an object id for Entra ID). */
    group: z.string().min(1).max(256),
    role: z.enum(['admin', 'engineer', 'ot-owner', 'auditor']),
    /** For ot-owner and auditor: the site the role is for. */
    site: z.string().min(1).max(64).optional(),
  })
  .refine((r) => (r.role === 'ot-owner' || r.role === 'auditor') === (r.site !== undefined), {
    message: 'ot-owner and auditor need a site; admin and engineer take none',
  });

export const ssoProviderSchema = z.strictObject({
  /** What the login page's button says: "Log in with <displayName>". */
  displayName: z.string().min(1).max(64),
  /** The issuer identifier; discovery reads `<issuer>/.well-known/openid-configuration`. */
  issuer: z.url().refine(isAcceptableIssuer, {
    message: 'issuer must be an https URL (http only on 127.0.0.1, localhost or [::1])',
  }),
  clientId: z.string().min(1).max(256),
  /** File (0600) holding the client secret; never inline. */
  clientSecretFile: z.string().min(1),
  /** How the secret is sent to the token endpoint. */
  tokenEndpointAuth: z
    .enum(['client_secret_basic', 'client_secret_post'])
    .default('client_secret_basic'),
  /** Registered with the provider; its path must be /sso/<id>/callback. */
  redirectUri: z.url({ protocol: /^https?$/ }),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope is printable ASCII'))
    .max(20)
    .default(['openid', 'profile', 'email'])
    .refine((s) => s.includes('openid'), { message: 'scopes must include openid' }),
  /** The ID token claim with the user's groups (Entra ID and Keycloak: groups; Okta: as configured). */
  groupsClaim: z.string().min(1).max(128).default('groups'),
  /** The claim an account created on first login takes its name from (made unique if taken). */
  userNameClaim: z.string().min(1).max(128).default('preferred_username'),
  /** Groups and the roles they give; a login whose groups give no role is refused. */
  roles: z.array(mappedRole).max(500).default([]),
  /** Create an account on first login (bound to issuer and subject); off: an admin links one. */
  jitCreate: z.boolean().default(false),
  /**
   * The provider's MFA counts when the ID token's `amr` holds one of these values or its `acr`
   * is one of these; absent: the local second factor (TOTP) is always asked after SSO.
   */
  acceptIdpMfa: z
    .strictObject({
      amr: z.array(z.string().min(1).max(128)).max(20).default([]),
      acr: z.array(z.string().min(1).max(256)).max(20).default([]),
    })
    .refine((m) => m.amr.length + m.acr.length > 0, {
      message: 'acceptIdpMfa needs at least one amr or acr value',
    })
    .optional(),
  /**
   * File (0600) holding the bearer token this provider's SCIM client sends to /scim/v2 (at least
   * 32 characters); absent: the provider does not provision accounts through SCIM.
   */
  scimTokenFile: z.string().min(1).optional(),
  /** Each request to the provider (discovery, keys, token) must finish within this time. */
  timeoutMs: z.number().int().min(100).max(60_000).default(5000),
});

export const ssoConfigSchema = z
  .strictObject({
    providers: z
      .record(
        z.string().regex(SSO_PROVIDER_ID, 'a provider id is lowercase letters, digits and -'),
        ssoProviderSchema,
      )
      .default({}),
    /** How long a login may take at the provider (state, nonce and PKCE verifier are kept this long). */
    loginTimeoutSeconds: z.number().int().min(30).max(3600).default(600),
    /** Logins started and not finished from one address; one more is refused (429). */
    maxPendingPerSource: z.number().int().min(1).max(1000).default(20),
    /** Logins started and not finished in all; one more is refused (429). */
    maxPending: z.number().int().min(1).max(1_000_000).default(10_000),
  })
  .prefault({})
  .superRefine((s, ctx) => {
    for (const [id, p] of Object.entries(s.providers)) {
      const path = parseUrl(p.redirectUri)?.pathname;
      if (path !== `/sso/${id}/callback`)
        ctx.addIssue({
          code: 'custom',
          path: ['providers', id, 'redirectUri'],
          message: `redirectUri's path must be /sso/${id}/callback`,
        });
    }
  });

export type SsoConfig = z.output<typeof ssoConfigSchema>;
export type SsoProviderConfig = z.output<typeof ssoProviderSchema>;
