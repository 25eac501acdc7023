import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { generateSigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import { ENROLLMENT_TOKEN_TTL_MS } from '../../../shared/src/link/enrollment.js';
import { openItDatabase } from '../store/it-database.js';
import { SiteStore } from '../store/site-store.js';
import { SiteGatewayStore } from '../store/site-gateway-store.js';
import { AssetCatalogueStore } from '../store/asset-catalogue-store.js';
import { SiteEnrollment } from './site-enrollment.js';
import { updateSiteCatalogue } from './site-catalogue.js';
import { testAuditLog } from '../../../shared/src/testing/test-audit-log.js';

useCrypto();

function setup() {
  const db = openItDatabase(':memory:');
  const clock = new FakeClock();
  const audit = testAuditLog(db, clock, { checkpointIntervalMs: 0 });
  const sites = new SiteStore(db);
  for (const id of ['plant-1', 'plant-2'])
    sites.insert({ id: id as never, displayName: id, timezone: 'UTC', createdAt: 0 });
  const gateways = new SiteGatewayStore(db);
  const revoked: string[] = [];
  const grantKey = generateSigningKeyPair();
  const enrollment = new SiteEnrollment({
    db,
    audit,
    sites,
    gateways,
    clock,
    ids: sequentialIds(),
    grantPublicKey: grantKey.publicKey,
    tlsFingerprint: 'ab'.repeat(32),
    onRevoked: (s) => revoked.push(s),
  });
  const key = (): string => toBase64Url(generateSigningKeyPair().publicKey);
  const request = (token: string, publicKey: string, site = 'plant-1') => ({
    token,
    site,
    publicKey,
    gatewayVersion: '0.1.0',
  });
  return { db, clock, audit, gateways, enrollment, revoked, grantKey, key, request };
}

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'ok';
};

test('a token is shown once, stored only as its hash, and lets one gateway enroll once within 15 minutes', () => {
  const { db, clock, enrollment, gateways, grantKey, key, request, audit } = setup();
  const issued = enrollment.issueToken('plant-1', 'admin');
  assert.match(issued.token, /^aet_[A-Za-z0-9_-]{43}$/);
  assert.equal(issued.expiresAt, clock.now() + ENROLLMENT_TOKEN_TTL_MS);
  assert.equal(issued.itFingerprint, 'ab'.repeat(32));
  const dump =
    JSON.stringify(db.prepare('SELECT * FROM enrollment_tokens').all()) +
    JSON.stringify([...audit.iterate()]);
  assert.ok(!dump.includes(issued.token), 'the token itself is stored nowhere');
  assert.ok(dump.includes(sha256Hex(issued.token)), 'its hash is');
  const k = key();
  const answer = enrollment.enroll(request(issued.token, k), '127.0.0.1');
  assert.equal(answer.grantPublicKey, toBase64Url(grantKey.publicKey));
  assert.equal(gateways.active('plant-1')?.publicKey, k);
  assert.equal(
    code(() => enrollment.enroll(request(issued.token, k), '127.0.0.1')),
    'enroll.token_used',
  );
  const late = enrollment.issueToken('plant-1', 'admin');
  clock.advance(ENROLLMENT_TOKEN_TTL_MS - 1);
  const stillOk = enrollment.issueToken('plant-1', 'admin');
  assert.equal(
    code(() => enrollment.enroll(request(late.token, key()), 'x')),
    'enroll.token_superseded',
    'a newer token replaced it',
  );
  clock.advance(ENROLLMENT_TOKEN_TTL_MS);
  assert.equal(
    code(() => enrollment.enroll(request(stillOk.token, key()), 'x')),
    'enroll.token_expired',
  );
  const events = [...audit.iterate()].map(
    (e) => `${e.action}:${e.outcome}:${String(e.details.code ?? '')}`,
  );
  assert.deepEqual(events, [
    'site.enroll_token:success:',
    'site.enroll:success:',
    'site.enroll:denied:enroll.token_used',
    'site.enroll_token:success:',
    'site.enroll_token:success:',
    'site.enroll:denied:enroll.token_superseded',
    'site.enroll:denied:enroll.token_expired',
  ]);
});

test('tokens are per site; keys belong to one site; a new key replaces the old one; a revoked key never comes back', () => {
  const { enrollment, gateways, key, request, revoked, audit } = setup();
  assert.equal(
    code(() => enrollment.issueToken('plant-9', 'admin')),
    'site.not_found',
  );
  const forTwo = enrollment.issueToken('plant-2', 'admin');
  assert.equal(
    code(() => enrollment.enroll(request(forTwo.token, key(), 'plant-1'), 'x')),
    'enroll.wrong_site',
  );
  const first = key();
  enrollment.enroll(request(enrollment.issueToken('plant-1', 'admin').token, first), 'x');
  assert.equal(
    code(() => enrollment.enroll(request(forTwo.token, first, 'plant-2'), 'x')),
    'enroll.key_other_site',
  );
  // Same key, new token: re-enrolled, same gateway id.
  const id = gateways.active('plant-1')?.id;
  enrollment.enroll(request(enrollment.issueToken('plant-1', 'admin').token, first), 'x');
  assert.equal(gateways.active('plant-1')?.id, id);
  // A new key replaces the old one.
  const second = key();
  enrollment.enroll(request(enrollment.issueToken('plant-1', 'admin').token, second), 'x');
  assert.equal(gateways.byPublicKey(first)?.state, 'replaced');
  assert.equal(gateways.active('plant-1')?.publicKey, second);
  // Revoked: refused for good, and live links are told.
  const g = enrollment.revoke('plant-1', 'admin', 'box stolen');
  assert.equal(g.state, 'revoked');
  assert.deepEqual(revoked, ['plant-1']);
  assert.equal(gateways.active('plant-1'), undefined);
  assert.equal(gateways.latest('plant-1')?.state, 'revoked');
  assert.equal(
    code(() => enrollment.revoke('plant-1', 'admin', 'again')),
    'site.no_gateway',
  );
  assert.equal(
    code(() =>
      enrollment.enroll(request(enrollment.issueToken('plant-1', 'admin').token, second), 'x'),
    ),
    'enroll.key_revoked',
  );
  const rev = [...audit.iterate()].find((e) => e.action === 'site.revoke');
  assert.deepEqual([rev?.actor, rev?.details.reason], ['admin', 'box stolen']);
});

test('a catalogue is stored and audited only when it changes, with what changed', () => {
  const { db, clock, audit } = setup();
  const catalogues = new AssetCatalogueStore(db);
  const deps = { db, audit, catalogues, clock };
  const plc = {
    name: 'plc-1',
    protocol: 'modbus' as const,
    description: '',
    address: '10.0.0.1',
    servicePort: 502,
    profiles: [{ name: 'read-only', description: '' }],
  };
  const hmi = {
    name: 'hmi-1',
    protocol: 'ssh' as const,
    description: 'HMI',
    address: '10.0.0.2',
    servicePort: 22,
    profiles: [{ name: 'maintenance', description: '' }],
  };
  assert.equal(updateSiteCatalogue(deps, 'plant-1', 'gw_1', [plc, hmi]), true);
  assert.equal(
    updateSiteCatalogue(deps, 'plant-1', 'gw_1', [hmi, plc]),
    false,
    'same catalogue, other order',
  );
  assert.equal(
    updateSiteCatalogue(deps, 'plant-1', 'gw_1', [{ ...plc, address: '10.0.0.9' }]),
    true,
  );
  assert.deepEqual(
    catalogues.list('plant-1').map((a) => [a.name, a.address]),
    [['plc-1', '10.0.0.9']],
  );
  const changes = [...audit.iterate()]
    .filter((e) => e.action === 'site.catalogue')
    .map((e) => [e.details.added, e.details.removed, e.details.changed]);
  assert.deepEqual(changes, [
    [['hmi-1', 'plc-1'], [], []],
    [[], ['hmi-1'], ['plc-1']],
  ]);
});
