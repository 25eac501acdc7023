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
    group: z
      .string()
      .min(1)
      .max(256)
      .describe(
        'The group as the provider puts it in the claim (a name, or an object id for Entra ID).',
      ),
    role: z
      .enum(['admin', 'engineer', 'ot-owner', 'auditor'])
      .describe('The role members of the group get (vendors are never mapped from groups).'),
    site: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe('For ot-owner and auditor: the site the role is for.'),
  })
  .refine((r) => (r.role === 'ot-owner' || r.role === 'auditor') === (r.site !== undefined), {
    message: 'ot-owner and auditor need a site; admin and engineer take none',
  });

export const ssoProviderSchema = z.strictObject({
  displayName: z
    .string()
    .min(1)
    .max(64)
    .describe('What the login page\'s button says: "Log in with <displayName>".'),
  issuer: z
    .url()
    .refine(isAcceptableIssuer, {
      message: 'issuer must be an https URL (http only on 127.0.0.1, localhost or [::1])',
    })
    .describe(
      'The issuer identifier; discovery reads `<issuer>/.well-known/openid-configuration`.',
    ),
  clientId: z.string().min(1).max(256).describe('The client id registered with the provider.'),
  clientSecretFile: z
    .string()
    .min(1)
    .describe('File (0600) holding the client secret; never inline.'),
  tokenEndpointAuth: z
    .enum(['client_secret_basic', 'client_secret_post'])
    .default('client_secret_basic')
    .describe('How the secret is sent to the token endpoint.'),
  redirectUri: z
    .url({ protocol: /^https?$/ })
    .describe('Registered with the provider; its path must be /sso/<id>/callback.'),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope is printable ASCII'))
    .max(20)
    .default(['openid', 'profile', 'email'])
    .refine((s) => s.includes('openid'), { message: 'scopes must include openid' })
    .describe('Scopes asked for at login; must include openid.'),
  groupsClaim: z
    .string()
    .min(1)
    .max(128)
    .default('groups')
    .describe(
      "The ID token claim with the user's groups (Entra ID and Keycloak: groups; Okta: as configured).",
    ),
  subjectClaim: z
    .enum(['sub', 'oid'])
    .default('sub')
    .describe(
      "The ID token claim an account is bound by, with the issuer: `sub`, or for Entra ID `oid` (the user's object id, the same in every app and the `externalId` Entra's SCIM provisioning sends; Entra's `sub` differs per app).",
    ),
  userNameClaim: z
    .string()
    .min(1)
    .max(128)
    .default('preferred_username')
    .describe(
      'The claim an account created on first login takes its name from (made unique if taken).',
    ),
  roles: z
    .array(mappedRole)
    .max(500)
    .default([])
    .describe('Groups and the roles they give; a login whose groups give no role is refused.'),
  jitCreate: z
    .boolean()
    .default(false)
    .describe(
      'Create an account on first login (bound to issuer and subject); off: an admin links one.',
    ),
  acceptIdpMfa: z
    .strictObject({
      amr: z
        .array(z.string().min(1).max(128))
        .max(20)
        .default([])
        .describe('`amr` values that count as MFA (e.g. mfa, otp, hwk).'),
      acr: z
        .array(z.string().min(1).max(256))
        .max(20)
        .default([])
        .describe('`acr` values that count as MFA.'),
    })
    .refine((m) => m.amr.length + m.acr.length > 0, {
      message: 'acceptIdpMfa needs at least one amr or acr value',
    })
    .optional()
    .describe(
      "The provider's MFA counts when the ID token's `amr` holds one of these values or its `acr` is one of these; absent: the local second factor (TOTP) is always asked after SSO.",
    ),
  scimTokenFile: z
    .string()
    .min(1)
    .optional()
    .describe(
      "File (0600) holding the bearer token this provider's SCIM client sends to /scim/v2 (at least 32 characters); absent: the provider does not provision accounts through SCIM.",
    ),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(5000)
    .describe(
      'Each request to the provider (discovery, keys, token) must finish within this time.',
    ),
});

export const ssoConfigSchema = z
  .strictObject({
    providers: z
      .record(
        z.string().regex(SSO_PROVIDER_ID, 'a provider id is lowercase letters, digits and -'),
        ssoProviderSchema,
      )
      .default({})
      .describe(
        'Providers by id (lowercase letters, digits and -): the id is in the login URL /sso/<id>/login.',
      ),
    loginTimeoutSeconds: z
      .number()
      .int()
      .min(30)
      .max(3600)
      .default(600)
      .describe(
        'How long a login may take at the provider (state, nonce and PKCE verifier are kept this long).',
      ),
    maxPendingPerSource: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(20)
      .describe('Logins started and not finished from one address; one more is refused (429).'),
    maxPending: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(10_000)
      .describe('Logins started and not finished in all; one more is refused (429).'),
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
