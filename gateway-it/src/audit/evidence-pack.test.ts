import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { AUDIT_MIGRATIONS } from '../../../shared/src/audit/audit-migrations.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { generateSigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { openDatabase } from '../../../shared/src/store/open-database.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { sqliteAuditChain } from './audit-chain.js';
import { policyEventBefore, POLICY_LOOKBACK_MS } from './evidence-pack.js';

useCrypto();

test('the OT policy load in force is found before a subject, across pages, within the look-back', () => {
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const db = openDatabase({ path: ':memory:', migrations: AUDIT_MIGRATIONS });
  const key = generateSigningKeyPair();
  const log = new AuditLog({ db, clock, ids: sequentialIds(), signingKey: key });
  const chain = sqliteAuditChain(db, key.publicKey);
  const load = (hash: string) =>
    log.append({
      action: 'config.load',
      actor: 'system:ot',
      site: 'plant-1',
      outcome: 'success',
      details: { policySha256: hash },
    });
  load('a'.repeat(64));
  clock.advance(60_000);
  load('b'.repeat(64));
  const loadedAt = clock.now();
  // 5000 events after it: more than two pages of the backward search.
  for (let i = 0; i < 5000; i++) {
    clock.advance(10);
    log.append({ action: 'modbus.reads', actor: 'vera', site: 'plant-1', outcome: 'success' });
  }
  clock.advance(60_000);
  const found = policyEventBefore(chain, clock.now(), POLICY_LOOKBACK_MS);
  assert.equal(found?.details.policySha256, 'b'.repeat(64));
  assert.equal(found?.time, loadedAt);
  assert.equal(
    policyEventBefore(chain, loadedAt, POLICY_LOOKBACK_MS)?.details.policySha256,
    'a'.repeat(64),
  );
  assert.equal(
    policyEventBefore(chain, clock.now(), 30_000),
    undefined,
    'older than the look-back',
  );
  assert.equal(policyEventBefore(chain, Date.UTC(2026, 0, 1), POLICY_LOOKBACK_MS), undefined);
});
