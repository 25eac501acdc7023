/**
 * One OpenID provider as openid-client sees it (the only file that imports openid-client):
 * discovery on first use (kept; tried again after a failure), the authorization URL with PKCE
 * (S256), state and nonce, and the code exchange. The exchange checks what OpenID Connect Core
 * §3.1.3.7 asks of an ID token: signature against the provider's published keys, issuer, audience
 * (and azp), nonce, expiry and issued-at, with time taken from the injected clock; state and the
 * PKCE verifier are checked by the library against the values this gateway kept server-side.
 * The client secret is read from its key file once and never logged or put in an error.
 */
import * as oidc from 'openid-client';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { readSecretFile } from '../../../shared/src/crypto/key-file.js';
import type { SsoProviderConfig } from '../config/config.js';

export interface AuthorizationRequest {
  readonly url: string;
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
}

/** The ID token's claims after every check passed. */
export type VerifiedClaims = Readonly<Record<string, unknown>> & {
  readonly iss: string;
  readonly sub: string;
};

export interface ProviderClient {
  readonly id: string;
  readonly config: SsoProviderConfig;
  authorizationRequest(): Promise<AuthorizationRequest>;
  /** Exchanges the code in `callbackUrl`; throws `unauthenticated` `sso.token_rejected` naming the check. */
  redeem(
    callbackUrl: URL,
    expected: { state: string; nonce: string; verifier: string },
  ): Promise<VerifiedClaims>;
}

function readClientSecret(path: string): string {
  const bytes = readSecretFile(path);
  try {
    const secret = Buffer.from(bytes).toString('utf8').trim();
    if (secret === '')
      throw new AirlockError(
        'bad_request',
        'sso.bad_client_secret',
        `SSO client secret file ${path} is empty`,
      );
    return secret;
  } finally {
    bytes.fill(0);
  }
}

/**
 * The claims with `sub` set to the subject the account is bound by. Entra ID's `sub` is
 * pairwise (one per application), while its SCIM provisioning names users by `oid`; a provider
 * configured with `subjectClaim: oid` binds by that, so an account SCIM created is the one its SSO
 * login finds. A token without that claim proves no identity here (refused, naming the claim).
 */
function boundSubject(claims: VerifiedClaims, claim: 'sub' | 'oid'): VerifiedClaims {
  if (claim === 'sub') return claims;
  const value = claims[claim];
  if (typeof value !== 'string' || value === '' || value.length > 255)
    throw Object.assign(new Error(`the ID token has no usable ${claim} claim`), {
      code: 'subject_claim_missing',
    });
  return { ...claims, sub: value };
}

/**
 * A library error's code, message and the claim it names (openid-client wraps the check's own
 * error as its cause): safe to record, they name checks, never secrets.
 */
function describeRejection(e: unknown): { code: string; message: string; claim?: string } {
  const code =
    typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string'
      ? e.code
      : 'unknown';
  const inner = e instanceof Error && e.cause instanceof Error ? e.cause : undefined;
  const outer = e instanceof Error ? e.message : 'rejected';
  const message = (inner === undefined ? outer : `${outer}: ${inner.message}`).slice(0, 300);
  const details = inner?.cause;
  const claim =
    typeof details === 'object' && details !== null && 'claim' in details
      ? String(details.claim)
      : undefined;
  return claim === undefined ? { code, message } : { code, message, claim };
}

/** A network failure or timeout talking to the provider (not an answer it gave). */
function isUnreachable(e: unknown): boolean {
  let cur: unknown = e;
  for (let depth = 0; depth < 5 && cur instanceof Error; depth++) {
    if (cur.name === 'TimeoutError' || cur.name === 'AbortError') return true;
    if (cur instanceof TypeError && cur.message === 'fetch failed') return true;
    cur = cur.cause;
  }
  return false;
}

export function createProviderClient(
  id: string,
  config: SsoProviderConfig,
  clock: Clock,
): ProviderClient {
  const clientSecret = readClientSecret(config.clientSecretFile);
  let discovered: Promise<oidc.Configuration> | undefined;
  const issuer = new URL(config.issuer);
  // Plain http is allowed by the config schema only for a loopback issuer.
  const insecure = issuer.protocol === 'http:';
  const auth = (): oidc.ClientAuth =>
    config.tokenEndpointAuth === 'client_secret_post'
      ? oidc.ClientSecretPost(clientSecret)
      : oidc.ClientSecretBasic(clientSecret);

  const configuration = (): Promise<oidc.Configuration> => {
    discovered ??= (async () => {
      try {
        const c = await oidc.discovery(issuer, config.clientId, undefined, auth(), {
          timeout: config.timeoutMs / 1000,
          ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
        });
        c.timeout = config.timeoutMs / 1000;
        return c;
      } catch (e) {
        discovered = undefined;
        throw new AirlockError(
          'unavailable',
          'sso.provider_unavailable',
          `the identity provider ${config.displayName} cannot be reached; try again later`,
          { cause: e, details: { provider: id, ...describeRejection(e) } },
        );
      }
    })();
    return discovered;
  };

  return {
    id,
    config,
    async authorizationRequest() {
      const c = await configuration();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(c, {
        redirect_uri: config.redirectUri,
        scope: config.scopes.join(' '),
        response_type: 'code',
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      return { url: url.href, state, nonce, verifier };
    },
    async redeem(callbackUrl, expected) {
      const discoveredConfig = await configuration();
      // Time for the exp/iat checks comes from the gateway's clock (tests move it): the library
      // freezes client metadata, so each exchange gets its own configuration (and fetches the
      // provider's keys afresh, which also follows a key rotation).
      const c = new oidc.Configuration(
        discoveredConfig.serverMetadata(),
        config.clientId,
        { [oidc.clockSkew]: Math.round((clock.now() - Date.now()) / 1000) },
        auth(),
      );
      c.timeout = config.timeoutMs / 1000;
      if (insecure) oidc.allowInsecureRequests(c);
      // The library skips the ID token's signature when the token came straight from the token
      // endpoint over TLS (OIDC Core 3.1.3.7 allows it); we check it anyway, against the
      // provider's published keys: a TLS-terminating proxy or a bad CA is not the provider.
      oidc.enableNonRepudiationChecks(c);
      try {
        const tokens = await oidc.authorizationCodeGrant(c, callbackUrl, {
          pkceCodeVerifier: expected.verifier,
          expectedState: expected.state,
          expectedNonce: expected.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (claims === undefined) throw new Error('no ID token in the token response');
        return boundSubject(claims as VerifiedClaims, config.subjectClaim);
      } catch (e) {
        const r = describeRejection(e);
        if (isUnreachable(e))
          throw new AirlockError(
            'unavailable',
            'sso.provider_unavailable',
            `the identity provider ${config.displayName} cannot be reached; try again later`,
            { cause: e, details: { provider: id, check: r.code, detail: r.message } },
          );
        throw new AirlockError(
          'unauthenticated',
          'sso.token_rejected',
          'the identity provider’s answer was not accepted; log in again',
          { cause: e, details: { provider: id, check: r.code, detail: r.message, claim: r.claim } },
        );
      }
    },
  };
}
