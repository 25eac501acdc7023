import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../../test/helpers/crypto.js';
import { AuditLog } from '../../../../shared/src/audit/audit-log.js';
import { FakeClock } from '../../../../shared/src/clock.js';
import { sequentialIds, type UserId } from '../../../../shared/src/ids.js';
import { silentLogger } from '../../../../shared/src/log.js';
import { generateSigningKeyPair } from '../../../../shared/src/crypto/signing.js';
import { generateAeadKey } from '../../../../shared/src/crypto/aead.js';
import { toBase64Url } from '../../../../shared/src/crypto/encoding.js';
import { openItDatabase } from '../../store/it-database.js';
import { SiteStore } from '../../store/site-store.js';
import { UserStore } from '../../store/user-store.js';
import { SiteGatewayStore } from '../../store/site-gateway-store.js';
import { AssetCatalogueStore } from '../../store/asset-catalogue-store.js';
import { OtAuditStore } from '../../store/ot-audit-store.js';
import { UserAdmin } from '../../auth/user-admin.js';
import { OtAuditIngest } from '../../audit/ot-audit-ingest.js';
import { SiteEnrollment } from '../../sites/site-enrollment.js';
import { SiteDirectory } from '../../sites/site-directory.js';
import { SiteLinks } from '../../link/site-links.js';
import { createHttpApp } from '../create-http-app.js';
import type { Principal } from '../principal.js';
import type { HealthReport } from '../../status/health-report.js';

useCrypto();

const health = (): HealthReport => ({ status: 'ok', gateway: 'it', version: '0.1.0', time: '', uptimeSeconds: 0, tlsFingerprint: '', sites: [] });
const admin: Principal = { userId: 'usr_1' as UserId, name: 'root', roles: [{ role: 'admin' }], via: 'token' };
const engineer: Principal = { userId: 'usr_2' as UserId, name: 'alice', roles: [{ role: 'engineer' }], via: 'token' };

function setup() {
  const db = openItDatabase(':memory:');
  const clock = new FakeClock();
  const ids = sequentialIds();
  const audit = new AuditLog({ db, clock, ids, signingKey: generateSigningKeyPair(), checkpointIntervalMs: 0 });
  const sites = new SiteStore(db);
  const gateways = new SiteGatewayStore(db);
  const catalogues = new AssetCatalogueStore(db);
  const userAdmin = new UserAdmin({ db, audit, users: new UserStore(db), sites, clock, ids, secretsKey: generateAeadKey(), issuer: 'Airlock' });
  const links = new SiteLinks({
    clock,
    log: silentLogger,
    audit,
    gateways,
    openTimeoutMs: 1000,
    commandTimeoutMs: 1000,
    control: { clock, log: silentLogger, audit, ingest: new OtAuditIngest({ db, audit, store: new OtAuditStore(db), clock }), gateways, updateCatalogue: () => false, heartbeatMs: 1000, offlineAfterMs: 3000 },
  });
  const enrollment = new SiteEnrollment({ db, audit, sites, gateways, clock, ids, grantPublicKey: generateSigningKeyPair().publicKey, tlsFingerprint: 'ab'.repeat(32) });
  const directory = new SiteDirectory(sites, catalogues, () => links);
  let principal: Principal | undefined = admin;
  const app = createHttpApp({ log: silentLogger, health, authenticator: () => principal, sites: { directory, enrollment, createSite: (i, a) => userAdmin.createSite(i, a) } });
  const call = async (method: string, path: string, body?: unknown, as: Principal | null = admin) => {
    principal = as ?? undefined;
    const res = await app.request(path, { method, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string; problems?: { path: string }[] } } };
  };
  return { call, audit };
}

test('the sites API is for admins only: 401 without a principal, 403 without the role', async () => {
  const { call } = setup();
  for (const [method, path] of [['GET', '/api/v1/sites'], ['POST', '/api/v1/sites'], ['GET', '/api/v1/sites/plant-1'], ['POST', '/api/v1/sites/plant-1/enrollment-tokens'], ['POST', '/api/v1/sites/plant-1/gateway/revoke']] as const) {
    assert.equal((await call(method, path, undefined, null)).status, 401, `${method} ${path}`);
    assert.equal((await call(method, path, undefined, engineer)).status, 403, `${method} ${path}`);
  }
});

test('create and list sites with their link state; bad input is a 400 naming the field and changes nothing', async () => {
  const { call, audit } = setup();
  const bad: [unknown, RegExp][] = [
    [{ id: 'plant-1' }, /timezone/],
    [{ id: 'plant-1', timezone: 'UTC', colour: 'red' }, /colour: unknown key/],
    [{ id: 'Plant 1', timezone: 'UTC' }, /site id must be/],
    [{ id: 'plant-1', timezone: 'Mars/Olympus' }, /unknown timezone/],
    ['{"id":', /JSON/],
    [{ id: 'plant-1', timezone: 'UTC', displayName: 'x'.repeat(5000) }, /exceeds 4096 bytes/],
  ];
  for (const [body, expected] of bad) {
    const r = await call('POST', '/api/v1/sites', body);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(`${r.json.error?.message ?? ''} ${JSON.stringify(r.json.error?.problems ?? [])}`, expected);
  }
  assert.equal(audit.head().seq, 0, 'nothing was written');
  const created = await call('POST', '/api/v1/sites', { id: 'plant-1', timezone: 'Europe/Berlin', displayName: 'Plant 1' });
  assert.equal(created.status, 201);
  assert.deepEqual((created.json.site as { link: unknown }).link, { state: 'not-enrolled', lastSeen: null, gatewayVersion: null, clockOffsetMs: null });
  assert.equal((await call('POST', '/api/v1/sites', { id: 'plant-1', timezone: 'UTC' })).status, 409);
  const list = await call('GET', '/api/v1/sites');
  assert.deepEqual((list.json.sites as { id: string; displayName: string; assetCount: number }[]).map((s) => [s.id, s.displayName, s.assetCount]), [['plant-1', 'Plant 1', 0]]);
  assert.equal((await call('GET', '/api/v1/sites/plant-9')).status, 404);
});

test('an admin gets an enrollment token once (not cached); the public enroll call uses it; revoke shows as revoked', async () => {
  const { call } = setup();
  await call('POST', '/api/v1/sites', { id: 'plant-1', timezone: 'UTC' });
  const issued = await call('POST', '/api/v1/sites/plant-1/enrollment-tokens');
  assert.equal(issued.status, 201);
  assert.equal(issued.headers.get('cache-control'), 'no-store');
  assert.match(String(issued.json.token), /^aet_/);
  assert.equal(issued.json.itFingerprint, Array(32).fill('AB').join(':'));
  assert.equal((await call('POST', '/api/v1/sites/plant-9/enrollment-tokens')).status, 404);

  const publicKey = toBase64Url(generateSigningKeyPair().publicKey);
  const malformed = await call('POST', '/link/v1/enroll', { token: issued.json.token, site: 'plant-1' }, null);
  assert.equal(malformed.status, 400);
  assert.match(JSON.stringify(malformed.json.error?.problems), /publicKey/);
  const enrolled = await call('POST', '/link/v1/enroll', { token: issued.json.token, site: 'plant-1', publicKey, gatewayVersion: '0.1.0' }, null);
  assert.equal(enrolled.status, 200, JSON.stringify(enrolled.json));
  assert.equal(enrolled.json.site, 'plant-1');
  const reused = await call('POST', '/link/v1/enroll', { token: issued.json.token, site: 'plant-1', publicKey, gatewayVersion: '0.1.0' }, null);
  assert.deepEqual([reused.status, reused.json.error?.code], [401, 'enroll.token_used']);
  assert.equal(((await call('GET', '/api/v1/sites/plant-1')).json.site as { link: { state: string } }).link.state, 'offline');

  assert.equal((await call('POST', '/api/v1/sites/plant-1/gateway/revoke', {})).status, 400, 'a reason is required');
  const revoked = await call('POST', '/api/v1/sites/plant-1/gateway/revoke', { reason: 'box stolen' });
  assert.deepEqual([revoked.status, revoked.json.state], [200, 'revoked']);
  assert.equal(((await call('GET', '/api/v1/sites/plant-1')).json.site as { link: { state: string } }).link.state, 'revoked');
  assert.equal((await call('POST', '/api/v1/sites/plant-1/gateway/revoke', { reason: 'again' })).status, 404);
});
