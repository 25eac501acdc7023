/**
 * A local OpenID Provider for the demo and the tests: oidc-provider (a certified implementation)
 * on loopback, with an RSA signing key made at start, one confidential client (PKCE required),
 * accounts from a list (login, password, stable subject, e-mail, groups, and the `amr`/`acr` its
 * logins report) and two small pages: a login form and a consent form. `tamper` rewrites the ID
 * token the token endpoint returns and `signWith` signs a payload with the provider's key or
 * another, for the tests' refusal cases; the demo uses neither. Not an identity product: accounts
 * live in memory, the pages are bare forms.
 *
 *   node dist/image/demo/idp/idp-standin.js --port N --client-secret-file F --accounts-file A
 *        --redirect-uri U [--redirect-uri ...]
 *
 * prints one JSON line `{"idp": {"issuer": ...}}` and serves until SIGINT/SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export interface IdpAccount {
  /** What is typed into the login form. */
  login: string;
  password: string;
  /** The stable subject: what Airlock binds an account to. */
  sub: string;
  email: string;
  preferredUsername: string;
  name: string;
  groups: string[];
  /** Entra ID's object id, sent as the `oid` claim when set (the same in every app, unlike `sub`). */
  oid?: string;
  /** What this account's logins report as `amr` (and `acr`). */
  amr: string[];
  acr?: string;
}

export interface IdpStandIn {
  readonly issuer: string;
  readonly clientId: string;
  /** Change them freely while it runs (an e-mail change, a mover's groups, a new account). */
  readonly accounts: Map<string, IdpAccount>;
  /** Rewrites each issued ID token while set (tests only). */
  tamper: ((idToken: string) => Promise<string>) | undefined;
  /** Signs `payload` with the provider's key (same kid), or a fresh key claiming that kid. */
  signWith(key: 'provider' | 'other', payload: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export interface IdpOptions {
  readonly clientId?: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  readonly accounts: readonly IdpAccount[];
  readonly port?: number;
  readonly idTokenTtlSeconds?: number;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, action: string, fields: string, button: string): string =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1>` +
  `<form method="post" action="${escapeHtml(action)}">${fields}<button>${button}</button></form>`;

export async function startIdpStandIn(options: IdpOptions): Promise<IdpStandIn> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'idp-key-1', alg: 'RS256', use: 'sig' };
  const accounts = new Map(options.accounts.map((a) => [a.login, a]));
  const clientId = options.clientId ?? 'airlock-it';
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, r) => r.end();
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  server.on('error', () => undefined);
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const bySub = (sub: string): IdpAccount | undefined =>
    [...accounts.values()].find((a) => a.sub === sub);

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: options.clientSecret,
        redirect_uris: [...options.redirectUris],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    pkce: { required: () => true },
    // Scope claims in the ID token itself, amr and acr with every one (as Entra ID, Okta and
    // Keycloak with its mappers send them).
    conformIdTokenClaims: false,
    claims: {
      acr: null,
      amr: null,
      openid: ['sub', 'amr', 'acr', 'oid'],
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
          ...(a.oid === undefined ? {} : { oid: a.oid }),
        }),
      };
    },
  });
  provider.on('server_error', () => undefined);

  const idp: IdpStandIn = {
    issuer,
    clientId,
    accounts,
    tamper: undefined,
    async signWith(key, payload) {
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: jwk.kid ?? '' })
        .sign(key === 'provider' ? privateKey : other.privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  // The ID token as the client receives it: rewritten while a test sets `tamper`.
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (ctx.path === '/token' && idp.tamper !== undefined && typeof body?.id_token === 'string')
      ctx.body = { ...body, id_token: await idp.tamper(body.id_token) };
  });

  const interactions = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const details = await provider.interactionDetails(req, res);
    const uid = details.uid;
    if (req.method === 'GET') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        details.prompt.name === 'login'
          ? page(
              'Demo identity provider: sign in',
              `/interaction/${uid}/login`,
              '<p><label>Login <input name="login" autofocus></label></p>' +
                '<p><label>Password <input name="password" type="password"></label></p>',
              'Sign in',
            )
          : page(
              `Allow ${escapeHtml(String(details.params.client_id))} to know who you are?`,
              `/interaction/${uid}/confirm`,
              '<input type="hidden" name="confirm" value="yes">',
              'Allow',
            ),
      );
      return;
    }
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    if (raw.length > 10_000) throw new Error('form too large');
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
    const client = details.params.client_id;
    if (accountId === undefined || typeof client !== 'string') throw new Error('no session');
    const grant = new provider.Grant({ accountId, clientId: client });
    const scope = details.params.scope;
    if (typeof scope === 'string') grant.addOIDCScope(scope);
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } });
  };

  const oidcHandler = provider.callback();
  handler = (req, res) => {
    if (req.url?.startsWith('/interaction/'))
      interactions(req, res).catch((e: unknown) => {
        res.statusCode = 400;
        res.end(e instanceof Error ? e.message : 'bad interaction');
      });
    else void oidcHandler(req, res);
  };
  return idp;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'client-secret-file': { type: 'string' },
      'accounts-file': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
    },
  });
  const secretFile = values['client-secret-file'];
  const accountsFile = values['accounts-file'];
  const redirectUris = values['redirect-uri'] ?? [];
  if (secretFile === undefined || accountsFile === undefined || redirectUris.length === 0) {
    process.stderr.write(
      'usage: idp-standin --port N --client-secret-file F --accounts-file A --redirect-uri U\n',
    );
    process.exit(2);
  }
  const idp = await startIdpStandIn({
    port: Number(values.port),
    clientSecret: readFileSync(secretFile, 'utf8').trim(),
    accounts: JSON.parse(readFileSync(accountsFile, 'utf8')) as IdpAccount[],
    redirectUris,
  });
  process.stdout.write(`${JSON.stringify({ idp: { issuer: idp.issuer } })}\n`);
  const stop = (): void => void idp.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) void main();
