/**
 * Walks every route of the real IT gateway application and calls each without credentials. Any
 * route that answers anything but "log in first" (401, or a redirect to /login for a portal page)
 * fails the test unless it is on the explicit public list below; and every entry of the public
 * list must still exist, so the list cannot rot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PORTAL_PUBLIC_ROUTES } from '../../../gateway-it/src/http/portal/portal-app.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';

useCrypto();

const PUBLIC: ReadonlySet<string> = new Set([
  'GET /healthz',
  'GET /api/v1/openapi.json',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/enroll',
  'POST /api/v1/auth/enroll/confirm',
  // First admin set-up: only with the one-time code from the console, only while no admin exists.
  'GET /api/v1/setup',
  'POST /api/v1/setup',
  // An OT gateway enrolls with a one-time token from an admin, not as a user.
  'POST /link/v1/enroll',
  ...PORTAL_PUBLIC_ROUTES,
]);

test(
  'every route that is not on the public list refuses a caller without credentials',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t);
    h.site('plant-1');
    const routes = h.app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => ({ method: r.method, path: r.path }));
    const unique = [...new Map(routes.map((r) => [`${r.method} ${r.path}`, r])).values()];
    assert.ok(
      unique.length > 60,
      `found only ${unique.length} routes: is the walk seeing the real app?`,
    );
    const keys = new Set(unique.map((r) => `${r.method} ${r.path}`));
    for (const p of PUBLIC) assert.ok(keys.has(p), `public list names ${p}, which is not a route`);

    const answering: string[] = [];
    for (const r of unique) {
      const key = `${r.method} ${r.path}`;
      if (PUBLIC.has(key)) continue;
      const path = r.path.replace(/:site\b/g, 'plant-1').replace(/:[A-Za-z_]+/g, 'x_0001');
      const res = await h.app.request(`https://airlock.test${path}`, {
        method: r.method,
        headers: r.method === 'GET' ? {} : { 'content-type': 'application/json' },
        ...(r.method === 'GET' ? {} : { body: '{}' }),
      });
      const ok =
        res.status === 401 || (res.status === 303 && res.headers.get('location') === '/login');
      if (!ok) answering.push(`${key} -> ${res.status} ${(await res.text()).slice(0, 120)}`);
    }
    assert.deepEqual(answering, [], 'routes answering without authentication');

    // The same walk with garbage credentials: a malformed bearer or a made-up cookie is nobody.
    for (const r of unique
      .filter((x) => !PUBLIC.has(`${x.method} ${x.path}`) && x.method === 'GET')
      .slice(0, 20)) {
      const path = r.path.replace(/:site\b/g, 'plant-1').replace(/:[A-Za-z_]+/g, 'x_0001');
      for (const headers of [
        { authorization: 'Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
        { cookie: '__Host-airlock-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      ]) {
        const res = await h.app.request(`https://airlock.test${path}`, { headers });
        assert.ok(
          res.status === 401 || res.status === 303,
          `${r.method} ${r.path} with ${Object.keys(headers)[0]}: ${res.status}`,
        );
      }
    }
  },
);

test(
  'the public routes say nothing secret and the OpenAPI document lists every API operation',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t);
    const doc = await h.call('GET', '/api/v1/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.json.openapi, '3.1.0');
    const apiRoutes = h.app.routes.filter(
      (r) =>
        r.method !== 'ALL' && r.path.startsWith('/api/v1/') && r.path !== '/api/v1/openapi.json',
    );
    for (const r of apiRoutes) {
      const p = r.path.slice('/api/v1'.length).replace(/:([A-Za-z_]+)/g, '{$1}');
      assert.ok(
        doc.json.paths[p]?.[r.method.toLowerCase()] !== undefined,
        `${r.method} ${r.path} is in the OpenAPI document`,
      );
    }
    const login = doc.json.paths['/auth/login'].post;
    assert.deepEqual(login.security, []);
    assert.deepEqual(login.requestBody.content['application/json'].schema.required, [
      'name',
      'password',
    ]);
    assert.ok(
      doc.json.paths['/requests'].post.requestBody.content['application/json'].schema.properties
        .assets,
    );
  },
);
