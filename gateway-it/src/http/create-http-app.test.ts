import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { AirlockError } from '../../../shared/src/errors.js';
import type { UserId } from '../../../shared/src/ids.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { AIRLOCK_VERSION } from '../../../shared/src/version.js';
import { HARNESS_START, startHarness } from '../../../test/helpers/it-harness.js';
import { authenticate, requireRole, type HttpVariables, type Principal } from './principal.js';
import { respondWithError } from './error-response.js';

useCrypto();

test('GET /healthz answers JSON with security headers', async (t) => {
  const h = await startHarness(t);
  const s = h.gw.services;
  const res = await h.app.request('/healthz');
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    status: 'ok',
    gateway: 'it',
    version: AIRLOCK_VERSION,
    time: new Date(HARNESS_START).toISOString(),
    uptimeSeconds: 0,
    tlsFingerprint: s.store.keys.tls.fingerprint,
    sshHostKeyFingerprint: s.ssh?.hostKey.fingerprint,
    sites: [],
  });
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=31536000/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
});

test('unknown routes answer a JSON 404 naming the route', async (t) => {
  const h = await startHarness(t);
  const res = await h.app.request('/api/v1/nothing', { method: 'DELETE' });
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), {
    error: { code: 'http.not_found', message: 'no route for DELETE /api/v1/nothing' },
  });
});

test('guards: no principal is 401, a principal without the role is 403, with it passes', async () => {
  const alice: Principal = {
    userId: 'usr_1' as UserId,
    name: 'alice',
    roles: [{ role: 'engineer' }],
    via: 'token',
  };
  const build = (p: Principal | undefined): Hono<{ Variables: HttpVariables }> => {
    const app = new Hono<{ Variables: HttpVariables }>();
    app.use(
      '*',
      authenticate(() => p),
    );
    app.get('/admin', requireRole('admin'), (c) => c.text('ok'));
    app.onError((e, c) =>
      respondWithError(c, e instanceof AirlockError ? e : new AirlockError('internal', 'x', 'x')),
    );
    return app;
  };
  assert.equal((await build(undefined).request('/admin')).status, 401);
  assert.equal((await build(alice).request('/admin')).status, 403);
  assert.equal(
    (await build({ ...alice, roles: [{ role: 'admin' }] }).request('/admin')).status,
    200,
  );
});

test('internal errors never leak their cause', async () => {
  const app = new Hono();
  app.get('/boom', () => {
    throw new Error('database file /secret/path is locked');
  });
  app.onError((e, c) =>
    respondWithError(
      c,
      e instanceof AirlockError
        ? e
        : new AirlockError('internal', 'internal', 'internal error', { cause: e }),
    ),
  );
  const res = await app.request('/boom');
  assert.equal(res.status, 500);
  assert.deepEqual(await res.json(), { error: { code: 'internal', message: 'internal error' } });
});
