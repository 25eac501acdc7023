/**
 * Single sign-on with OpenID Connect providers (authorization code flow with PKCE, openid-client).
 * Owns the providers in the config, the login attempts sent to them and the binding of an
 * identity to an account by (issuer, subject). Guarantees: an ID token is accepted only after its
 * signature, issuer, audience, nonce and expiry are checked and the state and PKCE verifier kept
 * server-side for that browser match, each attempt once and within `loginTimeoutSeconds`; an
 * account is never found by e-mail or user name; roles come from the provider's groups through
 * the configured mapping; the provider's MFA counts only when its amr/acr is one configured,
 * otherwise the portal session is issued only after the local second factor (auth/'s step).
 * Every login and refusal is audited (`auth.login`, method `oidc`). Local accounts are untouched:
 * a break-glass admin with password and TOTP keeps working beside SSO.
 */
import type { Clock } from '../../../shared/src/clock.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Auth } from '../auth/auth.js';
import type { ItConfig } from '../config/config.js';
import type { ItStore, User } from '../store/store.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { linkAccount } from './account-binding.js';
import { createProviderClient, type ProviderClient } from './provider-client.js';
import { SsoLogins, type StartedSsoLogin, type SsoOutcome } from './sso-login.js';

export type { StartedSsoLogin, SsoOutcome } from './sso-login.js';

export interface SsoIdentityView {
  readonly provider: string;
  readonly issuer: string;
  readonly subject: string;
  /** The e-mail the provider last sent (display only). */
  readonly email: string | null;
  readonly lastLoginAt: number | null;
}

export interface SsoProviderView {
  readonly id: string;
  readonly displayName: string;
}

export interface Sso {
  /** The configured providers, for the login page's buttons (in config order). */
  providers(): readonly SsoProviderView[];
  /** Starts a login at provider `id`: where to send the browser and the cookie it must keep. */
  begin(id: string, source: string): Promise<StartedSsoLogin>;
  /** The provider's answer at the redirect URI: a session, or the local second-factor step. */
  complete(
    id: string,
    callbackUrl: URL,
    browserSecret: string | undefined,
    source: string,
  ): Promise<SsoOutcome>;
  /** The identity an account is bound to, if any (the admin's account page shows it). */
  identityOf(userId: string): SsoIdentityView | undefined;
  /** Binds an existing account to `subject` at provider `id` (audited as `user.update`). */
  link(id: string, subject: string, userName: string, actor: string): User;
}

export interface SsoDeps {
  readonly config: Pick<ItConfig, 'sso'>;
  readonly store: Pick<ItStore, 'db' | 'audit' | 'keys' | 'users' | 'sites' | 'sso'>;
  readonly auth: Pick<Auth, 'flows' | 'userAdmin'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/** Reads each provider's client secret file now (a missing or open file stops the start). */
export function createSso(deps: SsoDeps): Sso {
  const { config, store, clock } = deps;
  const providers = new Map<string, ProviderClient>(
    Object.entries(config.sso.providers).map(([id, p]) => [id, createProviderClient(id, p, clock)]),
  );
  const logins = new SsoLogins({
    db: store.db,
    audit: store.audit,
    users: store.users,
    sites: store.sites,
    sso: store.sso,
    clock,
    ids: deps.ids,
    secretsKey: store.keys.secrets,
    providers,
    loginTimeoutMs: config.sso.loginTimeoutSeconds * 1000,
    maxPendingPerSource: config.sso.maxPendingPerSource,
    maxPending: config.sso.maxPending,
    flows: deps.auth.flows,
    accountChanges: deps.auth.userAdmin.accountChanges,
  });
  const views = [...providers.values()].map((p) => ({
    id: p.id,
    displayName: p.config.displayName,
  }));
  return {
    providers: () => views,
    begin: (id, source) => logins.begin(id, source),
    complete: (id, url, browserSecret, source) => logins.complete(id, url, browserSecret, source),
    identityOf(userId) {
      const i = store.sso.identityOfUser(userId);
      return i === undefined
        ? undefined
        : {
            provider: i.provider,
            issuer: i.issuer,
            subject: i.subject,
            email: i.email,
            lastLoginAt: i.lastLoginAt,
          };
    },
    link(id, subject, userName, actor) {
      const p = config.sso.providers[id];
      if (p === undefined)
        throw new AirlockError(
          'not_found',
          'sso.unknown_provider',
          `no single sign-on provider ${id}`,
        );
      if (subject === '' || subject.length > 255)
        throw new AirlockError(
          'bad_request',
          'sso.bad_subject',
          'subject must be 1-255 characters',
        );
      const binding = {
        db: store.db,
        audit: store.audit,
        users: store.users,
        sites: store.sites,
        sso: store.sso,
        clock,
        ids: deps.ids,
        accountChanges: deps.auth.userAdmin.accountChanges,
      };
      // The ID token's iss equals the configured issuer (openid-client checks it at discovery).
      return linkAccount(binding, { providerId: id, issuer: p.issuer, subject, userName, actor });
    },
  };
}

/** The claim rules SCIM provisioning shares with SSO logins (same mapping, same user names). */
export { baseUserName, rolesFromGroups, uniqueUserName } from './identity-claims.js';
