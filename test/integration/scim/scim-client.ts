/**
 * A SCIM provider's side for the tests: an SSO config whose providers have SCIM token files
 * (written 0600 in a temp dir, random per run), and a client that sends real HTTPS requests to
 * /scim/v2 with one of those tokens, pinned to the gateway's certificate.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { pinnedRequest, type HttpResult } from '../../helpers/https-client.js';
import { SITE, startIt, type ItFixture } from '../../helpers/link-fixture.js';

export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface ScimProviders {
  /** The `sso` config section. */
  readonly sso: unknown;
  readonly tokens: { readonly corp: string; readonly other: string };
  readonly issuer: string;
}

/** Two providers, `corp` (groups `plant-engineers` -> engineer, `plant-owners` -> ot-owner@site) and `other`. */
export function scimProviders(dir: string): ScimProviders {
  const file = (name: string, content: string): string => {
    const p = join(dir, name);
    writeFileSync(p, content, { mode: 0o600 });
    return p;
  };
  const tokens = {
    corp: randomBytes(32).toString('base64url'),
    other: randomBytes(32).toString('base64url'),
  };
  // Never contacted: discovery is lazy and these tests provision only.
  const issuer = 'http://127.0.0.1:9/realms/corp';
  const provider = (id: string) => ({
    displayName: id,
    issuer: id === 'corp' ? issuer : 'http://127.0.0.1:9/realms/other',
    clientId: 'airlock',
    clientSecretFile: file(`${id}.secret`, 'client-secret'),
    redirectUri: `https://airlock.test/sso/${id}/callback`,
    scimTokenFile: file(`${id}.scim-token`, `${tokens[id as 'corp' | 'other']}\n`),
    roles: [
      { group: 'plant-engineers', role: 'engineer' },
      { group: 'plant-owners', role: 'ot-owner', site: SITE },
    ],
  });
  return {
    sso: { providers: { corp: provider('corp'), other: provider('other') } },
    tokens,
    issuer,
  };
}

export interface ScimClient {
  send(
    method: string,
    path: string,
    body?: unknown,
    o?: { token?: string | null; contentType?: string; raw?: string },
  ): Promise<HttpResult>;
}

export function scimClient(baseUrl: string, fingerprint: string, token: string): ScimClient {
  return {
    send(method, path, body, o = {}) {
      const headers: Record<string, string> = { accept: 'application/scim+json' };
      const t = o.token === undefined ? token : o.token;
      if (t !== null) headers.authorization = `Bearer ${t}`;
      const payload = o.raw ?? (body === undefined ? undefined : JSON.stringify(body));
      if (payload !== undefined) headers['content-type'] = o.contentType ?? 'application/scim+json';
      return pinnedRequest(`${baseUrl}/scim/v2${path}`, fingerprint, {
        method,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
      });
    },
  };
}

/** An IT gateway with both providers, a client per provider and its audit, stopped after the test. */
export interface ScimFixture {
  readonly it: ItFixture;
  readonly corp: ScimClient;
  readonly other: ScimClient;
  audit(
    action: string,
  ): { actor: string; outcome: string; details: Readonly<Record<string, unknown>> }[];
}

export async function startScimGateway(t: Pick<TestContext, 'after'>): Promise<ScimFixture> {
  const dir = makeTempDir(t, 'airlock-scim-');
  const providers = scimProviders(dir);
  const it = await startIt(t, { sso: providers.sso });
  const fp = it.running.tlsFingerprint;
  return {
    it,
    corp: scimClient(it.running.url, fp, providers.tokens.corp),
    other: scimClient(it.running.url, fp, providers.tokens.other),
    audit: (action) =>
      [...it.gw.services.store.audit.iterate()]
        .filter((e) => e.action === action)
        .map((e) => ({ actor: e.actor, outcome: e.outcome, details: e.details })),
  };
}
