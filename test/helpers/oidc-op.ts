/**
 * A real OpenID Provider for tests: oidc-provider (a certified implementation) on 127.0.0.1 with
 * an ephemeral port, an RSA signing key generated at start, one confidential client with PKCE
 * required, and a test account store whose accounts the test may change (e-mail, groups, amr).
 * Its login and consent pages are two small forms (login + password; confirm), so a test drives
 * the whole flow with plain HTTP. `tamper` rewrites the ID token in the token endpoint's answer,
 * for the refusal tests; `signWith` re-signs a payload with the provider's own key or another.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  decodeJwt,
  decodeProtectedHeader,
  type JWK,
} from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export interface OpAccount {
  /** What is typed into the provider's login form. */
  login: string;
  password: string;
  /** The stable subject: what Airlock binds to. */
  sub: string;
  email: string;
  preferredUsername: string;
  name: string;
  groups: string[];
  /** The `amr` and `acr` the provider records for this account's logins. */
  amr: string[];
  acr?: string;
}

export interface OidcOp {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly accounts: Map<string, OpAccount>;
  /** Rewrites each issued ID token while set. */
  tamper: ((idToken: string) => Promise<string>) | undefined;
  /** Signs `payload` with the provider's key (same kid), or with a fresh key claiming that kid. */
  signWith(key: 'provider' | 'other', payload: Record<string, unknown>): Promise<string>;
  /**
   * Drives the provider from its authorization URL to the redirect back to the client: follows
   * redirects by hand, posts the login form, then the consent form. Returns the redirect URL.
   */
  authorize(authorizationUrl: string, login: string, password?: string): Promise<URL>;
}

const form = (action: string, fields: string, button: string): string =>
  `<!doctype html><form method="post" action="${action}">${fields}<button>${button}</button></form>`;

export async function startOidcOp(
  t: Pick<TestContext, 'after'>,
  options: { redirectUris: string[]; idTokenTtlSeconds?: number },
): Promise<OidcOp> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'op-key-1', alg: 'RS256', use: 'sig' };
  const accounts = new Map<string, OpAccount>();
  const clientId = 'airlock-it';
  const clientSecret = randomBytes(24).toString('base64url');
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, r) => r.end();
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const bySub = (sub: string): OpAccount | undefined =>
    [...accounts.values()].find((a) => a.sub === sub);

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    pkce: { required: () => true },
    // Scope claims in the ID token itself (Entra ID, Okta and Keycloak can all be set to do so).
    conformIdTokenClaims: false,
    // amr and acr with every ID token, as Entra ID, Okta and Keycloak (with its mappers) send them.
    claims: {
      acr: null,
      amr: null,
      openid: ['sub', 'amr', 'acr'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    features: { devInteractions: { enabled: false } },
    interactions: {
      url: (_ctx: KoaContextWithOIDC, i: { uid: string }) => `/interaction/${i.uid}`,
    },
    ttl: { IdToken: options.idTokenTtlSeconds ?? 3600 },
    findAccount: (_ctx: KoaContextWithOIDC, sub: string) => {
      const a = bySub(sub);
      if (a === undefined) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: a.email,
          email_verified: true,
          name: a.name,
          preferred_username: a.preferredUsername,
          groups: a.groups,
        }),
      };
    },
  });

  const op: OidcOp = {
    issuer,
    clientId,
    clientSecret,
    accounts,
    tamper: undefined,
    async signWith(key, payload) {
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: jwk.kid ?? '' })
        .sign(key === 'provider' ? privateKey : other.privateKey);
    },
    async authorize(authorizationUrl, login, password) {
      const jar = new Map<string, string>();
      const send = async (url: string, body?: URLSearchParams): Promise<Response> => {
        const res = await fetch(url, {
          method: body === undefined ? 'GET' : 'POST',
          redirect: 'manual',
          headers: {
            cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
            ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
          },
          ...(body === undefined ? {} : { body }),
        });
        for (const line of res.headers.getSetCookie()) {
          const pair = line.split(';')[0] ?? '';
          const eq = pair.indexOf('=');
          jar.set(pair.slice(0, eq), pair.slice(eq + 1));
        }
        return res;
      };
      const account = accounts.get(login);
      let url = authorizationUrl;
      for (let hops = 0; hops < 20; hops++) {
        const res = await send(url);
        const location = res.headers.get('location');
        if (location !== null) {
          await res.arrayBuffer();
          const next = new URL(location, url);
          if (!next.href.startsWith(issuer)) return next;
          url = next.href;
          continue;
        }
        const page = await res.text();
        const action = /action="([^"]+)"/.exec(page)?.[1];
        if (res.status !== 200 || action === undefined)
          throw new Error(`provider answered ${res.status}: ${page.slice(0, 300)}`);
        const fields = page.includes('name="login"')
          ? new URLSearchParams({ login, password: password ?? account?.password ?? '' })
          : new URLSearchParams({ confirm: 'yes' });
        const posted = await send(new URL(action, url).href, fields);
        const to = posted.headers.get('location');
        await posted.arrayBuffer();
        if (to === null) throw new Error(`provider form ${action} answered ${posted.status}`);
        url = new URL(to, url).href;
      }
      throw new Error('too many redirects at the provider');
    },
  };

  // The ID token as the client receives it: rewritten while a test sets `tamper`.
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (ctx.path === '/token' && op.tamper !== undefined && typeof body?.id_token === 'string')
      ctx.body = { ...body, id_token: await op.tamper(body.id_token) };
  });

  const interactions = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const details = await provider.interactionDetails(req, res);
    const uid = details.uid;
    if (req.method === 'GET') {
      res.setHeader('content-type', 'text/html');
      res.end(
        details.prompt.name === 'login'
          ? form(
              `/interaction/${uid}/login`,
              '<input name="login"><input name="password" type="password">',
              'Sign in',
            )
          : form(
              `/interaction/${uid}/confirm`,
              '<input type="hidden" name="confirm" value="yes">',
              'Allow',
            ),
      );
      return;
    }
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const fields = new URLSearchParams(raw);
    if (req.url?.endsWith('/login')) {
      const a = accounts.get(fields.get('login') ?? '');
      if (a === undefined || a.password !== fields.get('password')) {
        await provider.interactionFinished(req, res, {
          error: 'access_denied',
          error_description: 'wrong login or password',
        });
        return;
      }
      await provider.interactionFinished(req, res, {
        login: { accountId: a.sub, amr: a.amr, ...(a.acr === undefined ? {} : { acr: a.acr }) },
      });
      return;
    }
    const accountId = details.session?.accountId;
    const clientIdOf = details.params.client_id;
    if (accountId === undefined || typeof clientIdOf !== 'string') throw new Error('no session');
    const grant = new provider.Grant({ accountId, clientId: clientIdOf });
    const scope = details.params.scope;
    if (typeof scope === 'string') grant.addOIDCScope(scope);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } });
  };

  const oidcHandler = provider.callback();
  handler = (req, res) => {
    if (req.url?.startsWith('/interaction/'))
      interactions(req, res).catch((e: unknown) => {
        res.statusCode = 500;
        res.end(String(e));
      });
    else void oidcHandler(req, res);
  };
  return op;
}

/** The claims of a compact JWT (not verified: for building a tampered copy). */
export function claimsOf(jwt: string): Record<string, unknown> {
  return decodeJwt(jwt) as Record<string, unknown>;
}

export { decodeProtectedHeader };
