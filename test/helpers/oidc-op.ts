/**
 * The tests' OpenID Provider: the demo's stand-in (image/demo/idp, oidc-provider on 127.0.0.1,
 * an ephemeral port) with a client secret made here, closed after the test; and `authorize`,
 * which drives it like a browser with plain HTTP: redirects followed by hand, the login form and
 * the consent form posted, until it redirects back to the client.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { decodeJwt } from 'jose';
import {
  startIdpStandIn,
  type IdpAccount,
  type IdpStandIn,
} from '../../image/demo/idp/idp-standin.js';

export type OpAccount = IdpAccount;

export interface OidcOp extends IdpStandIn {
  readonly clientSecret: string;
  /** From the authorization URL to the redirect back to the client (its URL). */
  authorize(authorizationUrl: string, login: string, password?: string): Promise<URL>;
}

export async function startOidcOp(
  t: Pick<TestContext, 'after'>,
  options: { redirectUris: string[]; idTokenTtlSeconds?: number },
): Promise<OidcOp> {
  const clientSecret = randomBytes(24).toString('base64url');
  const idp = await startIdpStandIn({
    clientSecret,
    redirectUris: options.redirectUris,
    accounts: [],
    ...(options.idTokenTtlSeconds === undefined
      ? {}
      : { idTokenTtlSeconds: options.idTokenTtlSeconds }),
  });
  t.after(() => idp.close());
  const authorize = async (
    authorizationUrl: string,
    login: string,
    password?: string,
  ): Promise<URL> => {
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
    const account = idp.accounts.get(login);
    let url = authorizationUrl;
    for (let hops = 0; hops < 20; hops++) {
      const res = await send(url);
      const location = res.headers.get('location');
      if (location !== null) {
        await res.arrayBuffer();
        const next = new URL(location, url);
        if (!next.href.startsWith(idp.issuer)) return next;
        url = next.href;
        continue;
      }
      const html = await res.text();
      const action = /action="([^"]+)"/.exec(html)?.[1];
      if (res.status !== 200 || action === undefined)
        throw new Error(`provider answered ${res.status}: ${html.slice(0, 300)}`);
      const fields = html.includes('name="login"')
        ? new URLSearchParams({ login, password: password ?? account?.password ?? '' })
        : new URLSearchParams({ confirm: 'yes' });
      const posted = await send(new URL(action, url).href, fields);
      const to = posted.headers.get('location');
      await posted.arrayBuffer();
      if (to === null) throw new Error(`provider form ${action} answered ${posted.status}`);
      url = new URL(to, url).href;
    }
    throw new Error('too many redirects at the provider');
  };
  return Object.assign(idp, { clientSecret, authorize });
}

/** The claims of a compact JWT (not verified: for building a tampered copy). */
export function claimsOf(jwt: string): Record<string, unknown> {
  return decodeJwt(jwt) as Record<string, unknown>;
}
