/**
 * One SSO login from start to portal session. `begin` keeps state, nonce and the PKCE verifier
 * server-side (state and browser cookie as hashes, the verifier sealed), bound to the browser
 * that started it, for `loginTimeoutSeconds`; `complete` takes that attempt once (a second
 * callback with the same state is refused as a replay), lets openid-client check the code
 * exchange and the ID token, finds the account by (issuer, subject), maps groups to roles, and
 * either issues the portal session (the provider's MFA counts) or opens the local second-factor
 * step. Every refusal is audited as `auth.login` with method `oidc` and a reason before it is
 * thrown; nothing secret (code, tokens, verifier, client secret) is recorded.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError, type ErrorKind } from '../../../shared/src/errors.js';
import { openSecret, sealSecret, wipe } from '../../../shared/src/crypto/aead.js';
import { utf8 } from '../../../shared/src/crypto/encoding.js';
import { blake2bHex, constantTimeEqual } from '../../../shared/src/crypto/hash.js';
import { randomToken } from '../../../shared/src/crypto/random.js';
import type { IssuedSession, LoginStart, OidcFirstFactor } from '../auth/auth.js';
import type { SsoLoginAttempt, User } from '../store/store.js';
import { bindAccount, type BindingDeps } from './account-binding.js';
import { idpMfaOf } from './identity-claims.js';
import type { ProviderClient, VerifiedClaims } from './provider-client.js';

export interface SsoLoginDeps extends BindingDeps {
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly secretsKey: Uint8Array;
  readonly providers: ReadonlyMap<string, ProviderClient>;
  readonly loginTimeoutMs: number;
  readonly maxPendingPerSource: number;
  readonly maxPending: number;
  readonly flows: {
    beginAfterSso(user: User, source: string, first: OidcFirstFactor): LoginStart;
    completeSso(user: User, source: string, first: OidcFirstFactor): IssuedSession;
  };
}

export interface StartedSsoLogin {
  /** Where to send the browser (the provider's authorization endpoint). */
  readonly redirectTo: string;
  /** Goes to the browser in a cookie; the callback must bring it back. */
  readonly browserSecret: string;
}

export type SsoOutcome =
  | { readonly next: 'session'; readonly session: IssuedSession }
  | { readonly next: 'second-factor' | 'enroll'; readonly step: IssuedSession };

/** Attempts are kept a day after they start, so a late replay is still named as one. */
const KEEP_ATTEMPTS_MS = 86_400_000;

const stateHashOf = (state: string): string => blake2bHex(`airlock:sso-state:${state}`);
const browserHashOf = (secret: string): string => blake2bHex(`airlock:sso-browser:${secret}`);
const verifierAd = (stateHash: string): string => `airlock:sso-verifier:${stateHash}`;

export type RefusalReason =
  | 'idp-error'
  | 'missing-state'
  | 'unknown-state'
  | 'state-replayed'
  | 'attempt-expired'
  | 'browser-mismatch'
  | 'provider-mismatch'
  | 'token-rejected'
  | 'provider-unavailable'
  | 'no-account'
  | 'no-role';

const MESSAGES: Record<RefusalReason, [ErrorKind, string]> = {
  'idp-error': ['unauthenticated', 'the identity provider did not log you in; try again'],
  'missing-state': ['bad_request', 'this is not a login answer from the identity provider'],
  'unknown-state': ['unauthenticated', 'this login is not known here; start again'],
  'state-replayed': ['unauthenticated', 'this login answer was already used; start again'],
  'attempt-expired': ['unauthenticated', 'this login took too long; start again'],
  'browser-mismatch': ['unauthenticated', 'this login was started in another browser; start again'],
  'provider-mismatch': [
    'unauthenticated',
    'this login was started with another provider; start again',
  ],
  'token-rejected': [
    'unauthenticated',
    'the identity provider’s answer was not accepted; log in again',
  ],
  'provider-unavailable': [
    'unavailable',
    'the identity provider cannot be reached; try again later',
  ],
  'no-account': [
    'access_denied',
    'no Airlock account is linked to this identity; ask an administrator',
  ],
  'no-role': ['access_denied', 'your groups give you no role in Airlock; ask an administrator'],
};

export class SsoLogins {
  /** Sources whose refusal for too many pending logins was audited, and when (once a window). */
  private readonly reported = new Map<string, number>();

  constructor(private readonly deps: SsoLoginDeps) {}

  async begin(providerId: string, source: string): Promise<StartedSsoLogin> {
    const { deps } = this;
    const provider = this.provider(providerId);
    this.limitPending(source.slice(0, 64));
    const req = await provider.authorizationRequest();
    const browserSecret = randomToken(32);
    const now = deps.clock.now();
    const stateHash = stateHashOf(req.state);
    deps.sso.prune(now - KEEP_ATTEMPTS_MS);
    deps.sso.addAttempt({
      stateHash,
      browserHash: browserHashOf(browserSecret),
      provider: providerId,
      nonce: req.nonce,
      verifierSealed: sealSecret(utf8(req.verifier), deps.secretsKey, verifierAd(stateHash)),
      source: source.slice(0, 64),
      createdAt: now,
      expiresAt: now + deps.loginTimeoutMs,
    });
    return { redirectTo: req.url, browserSecret };
  }

  async complete(
    providerId: string,
    callbackUrl: URL,
    browserSecret: string | undefined,
    source: string,
  ): Promise<SsoOutcome> {
    const { deps } = this;
    const provider = this.provider(providerId);
    const base = { via: 'portal', method: 'oidc', provider: providerId, source };
    const refuse = (
      reason: RefusalReason,
      extra: Record<string, unknown> = {},
      actor = 'anonymous',
    ): never => {
      const [kind, message] = MESSAGES[reason];
      deps.audit.append({
        action: 'auth.login',
        actor,
        target: actor === 'anonymous' ? null : actor,
        outcome:
          reason === 'token-rejected' || reason === 'idp-error' || reason === 'provider-unavailable'
            ? 'failure'
            : 'denied',
        details: { ...base, reason, ...extra },
      });
      throw new AirlockError(kind, `sso.${reason.replace(/-/g, '_')}`, message, { audited: true });
    };
    const params = callbackUrl.searchParams;
    const state = params.get('state');
    if (state === null || state === '') return refuse('missing-state');
    // Without the cookie nothing can match: an empty hash never equals a stored one.
    const browserHash = browserSecret === undefined ? '' : browserHashOf(browserSecret);
    const taken = deps.sso.take(stateHashOf(state), browserHash, deps.clock.now());
    if (taken === undefined) return refuse('unknown-state');
    const attempt = taken.attempt;
    if (attempt.usedAt !== null) return refuse('state-replayed');
    if (!constantTimeEqual(browserHash, attempt.browserHash)) return refuse('browser-mismatch');
    // Both callbacks of a race passed the checks above; only one marked the attempt used.
    if (!taken.fresh) return refuse('state-replayed');
    if (deps.clock.now() >= attempt.expiresAt) return refuse('attempt-expired');
    if (attempt.provider !== providerId) return refuse('provider-mismatch');
    const idpError = params.get('error');
    if (idpError !== null)
      return refuse('idp-error', {
        error: idpError.slice(0, 64),
        errorDescription: (params.get('error_description') ?? '').slice(0, 200),
      });
    let claims: VerifiedClaims;
    const verifier = this.verifierOf(attempt);
    try {
      // The configured redirect URI with the answer's parameters: the request's own URL may
      // differ behind a reverse proxy, and the token request must name the registered one.
      const answer = new URL(provider.config.redirectUri);
      answer.search = callbackUrl.search;
      claims = await provider.redeem(answer, { state, nonce: attempt.nonce, verifier });
    } catch (e) {
      if (e instanceof AirlockError && e.code === 'sso.provider_unavailable')
        return refuse('provider-unavailable', { check: e.details.check, detail: e.details.detail });
      if (e instanceof AirlockError && e.code === 'sso.token_rejected')
        // No issuer or subject here: a rejected token proves no identity.
        return refuse('token-rejected', {
          check: e.details.check,
          detail: e.details.detail,
          ...(e.details.claim === undefined ? {} : { claim: e.details.claim }),
        });
      throw e;
    }
    const mfa = idpMfaOf(claims, provider.config.acceptIdpMfa);
    const first: OidcFirstFactor = {
      method: 'oidc',
      provider: providerId,
      issuer: claims.iss,
      subject: claims.sub,
      amr: mfa.amr,
      acr: mfa.acr,
    };
    const who = { issuer: claims.iss, subject: claims.sub };
    const binding = bindAccount(deps, providerId, provider.config, claims);
    if (!binding.ok) return refuse(binding.reason, who, binding.user?.name);
    if (mfa.counts)
      return { next: 'session', session: deps.flows.completeSso(binding.user, source, first) };
    const started = deps.flows.beginAfterSso(binding.user, source, first);
    return { next: started.next, step: started.step };
  }

  /**
   * Each started login keeps a row until it is used or expires: an address (and everyone
   * together) may have only so many open, so nobody fills the database with logins never finished.
   * The first refusal per address and window is audited (`auth.rate_limit`).
   */
  private limitPending(source: string): void {
    const { deps } = this;
    const now = deps.clock.now();
    const fromSource = deps.sso.pending(now, source) >= deps.maxPendingPerSource;
    if (!fromSource && deps.sso.pending(now) < deps.maxPending) return;
    const key = fromSource ? source : '*';
    const last = this.reported.get(key);
    if (last === undefined || now - last >= deps.loginTimeoutMs) {
      for (const [k, at] of this.reported)
        if (now - at >= deps.loginTimeoutMs) this.reported.delete(k);
      this.reported.set(key, now);
      deps.audit.append({
        action: 'auth.rate_limit',
        actor: 'system:it',
        target: fromSource ? source : null,
        outcome: 'success',
        details: { scope: fromSource ? 'sso-pending-source' : 'sso-pending', source },
      });
    }
    throw new AirlockError(
      'limit_exceeded',
      'sso.too_many_pending',
      fromSource
        ? 'too many unfinished single sign-on logins from this address; finish one or wait a few minutes'
        : 'too many unfinished single sign-on logins; try again in a few minutes',
    );
  }

  private provider(id: string): ProviderClient {
    const p = this.deps.providers.get(id);
    if (p === undefined)
      throw new AirlockError(
        'not_found',
        'sso.unknown_provider',
        `no single sign-on provider ${id}`,
      );
    return p;
  }

  private verifierOf(attempt: SsoLoginAttempt): string {
    const bytes = openSecret(
      attempt.verifierSealed,
      this.deps.secretsKey,
      verifierAd(attempt.stateHash),
    );
    const v = Buffer.from(bytes).toString('utf8');
    wipe(bytes);
    return v;
  }
}
