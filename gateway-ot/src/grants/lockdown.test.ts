import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { generateSigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { openOtDatabase } from '../store/ot-database.js';
import { GatewayStateStore } from '../store/gateway-state-store.js';
import { describeLockdown, Lockdown } from './lockdown.js';

useCrypto();

test('local and IT-side lockdowns are independent switches; the site is locked while either is on; changes are audited', () => {
  const db = openOtDatabase(':memory:');
  const clock = new FakeClock();
  const audit = new AuditLog({
    db,
    clock,
    ids: sequentialIds(),
    signingKey: generateSigningKeyPair(),
    checkpointIntervalMs: 0,
  });
  const lockdown = new Lockdown({
    db,
    state: new GatewayStateStore(db),
    audit,
    clock,
    site: 'plant-1',
  });
  assert.equal(lockdown.status().locked, false);
  assert.equal(lockdown.set('local', true, 'fire drill', 'cli:olga'), true);
  assert.equal(
    lockdown.set('local', true, 'again', 'cli:olga'),
    false,
    'already on: no change, first reason kept',
  );
  assert.equal(
    lockdown.set('it', false, 'lift', 'it-gateway'),
    false,
    'the IT switch was off: lifting it changes nothing',
  );
  assert.equal(lockdown.status().locked, true, 'the local lockdown holds');
  assert.equal(
    describeLockdown(lockdown.status()),
    'site is locked down locally by cli:olga: fire drill',
  );
  lockdown.set('it', true, 'incident 7', 'it-gateway');
  lockdown.set('local', false, 'drill over', 'cli:olga');
  assert.equal(lockdown.status().locked, true, 'still locked from the IT side');
  lockdown.set('it', false, 'incident closed', 'it-gateway');
  assert.equal(lockdown.status().locked, false);
  const events = [...audit.iterate()].map(
    (e) => `${e.action}:${String(e.details.source)}:${e.actor}`,
  );
  assert.deepEqual(events, [
    'site.lockdown:local:cli:olga',
    'site.lockdown:it:it-gateway',
    'site.lockdown_lift:local:cli:olga',
    'site.lockdown_lift:it:it-gateway',
  ]);
});
