/**
 * The demo's IT API as the end-to-end tests drive it (test/helpers/demo-launcher.ts starts the
 * demo): requests pinned to the printed certificate fingerprint, the printed users, a login with a
 * password and a second factor, and the request-and-approve step every demo walk starts with (a
 * requester asks for assets on plant-1 for an hour under ticket CHG0001001, an owner approves).
 * Each step asserts the status it expects, with the response body as the message.
 */
import assert from 'node:assert/strict';
import { ifDefined, omitUndefined } from '../../shared/src/omit-undefined.js';
import type { DemoCredentials, DemoRun } from './demo-launcher.js';
import { pinnedRequest, type HttpResult } from './https-client.js';

export type DemoUser = DemoCredentials['users'][number];

export interface RequestAndApprove {
  readonly requesterToken: string;
  readonly approverToken: string;
  /** Asset and profile pairs on plant-1. */
  readonly assets: readonly { readonly asset: string; readonly profile: string }[];
  readonly reason: string;
  readonly comment: string;
  /** The request's start (its end is an hour later). */
  readonly now: number;
}

export interface DemoApi {
  /** One API call; `path` is below /api/v1. */
  call(
    token: string | undefined,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<HttpResult>;
  /** The printed credentials of `name` (fails the test when the demo printed none). */
  user(name: string): DemoUser;
  /** Logs in with the password and `second` (`{ code }` or `{ recoveryCode }`); the bearer token. */
  login(u: DemoUser, second: Record<string, string>): Promise<string>;
  /** Files the request (201) and approves it (200); both responses. */
  requestAndApprove(
    o: RequestAndApprove,
  ): Promise<{ readonly requested: HttpResult; readonly approved: HttpResult }>;
}

/** `apiBase` is the API's root URL, `https://<host>:<port>/api/v1`. */
export function demoApi(
  apiBase: string,
  { fingerprint, credentials }: Pick<DemoRun, 'fingerprint' | 'credentials'>,
): DemoApi {
  const call: DemoApi['call'] = (token, method, path, body) =>
    pinnedRequest(`${apiBase}${path}`, fingerprint, {
      method,
      headers: {
        ...omitUndefined({
          authorization: ifDefined(token, (x) => `Bearer ${x}`),
          'content-type': ifDefined(body, () => 'application/json'),
        }),
      },
      ...omitUndefined({ body: ifDefined(body, (b) => JSON.stringify(b)) }),
    });
  return {
    call,
    user(name) {
      const u = credentials.users.find((x) => x.name === name);
      assert.ok(u !== undefined, `no demo user ${name}`);
      return u;
    },
    async login(u, second) {
      const r = await call(undefined, 'POST', '/auth/login', {
        name: u.name,
        password: u.password,
        ...second,
      });
      assert.equal(r.status, 200, r.body);
      return r.json<{ token: string }>().token;
    },
    async requestAndApprove(o) {
      const { now } = o;
      const requested = await call(o.requesterToken, 'POST', '/requests', {
        site: 'plant-1',
        assets: o.assets,
        start: new Date(now).toISOString(),
        end: new Date(now + 3_600_000).toISOString(),
        reason: o.reason,
        ticketRef: 'CHG0001001',
      });
      assert.equal(requested.status, 201, requested.body);
      const approved = await call(
        o.approverToken,
        'POST',
        `/requests/${requested.json<{ id: string }>().id}/decision`,
        { decision: 'approve', comment: o.comment },
      );
      assert.equal(approved.status, 200, approved.body);
      return { requested, approved };
    },
  };
}
