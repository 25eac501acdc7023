import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../../../shared/src/clock.js';
import { generateAeadKey } from '../../../shared/src/crypto/aead.js';
import { openOtDatabase } from '../store/ot-database.js';
import { createVaultStore } from '../store/vault-store.js';
import { createTestAudit } from '../sessions/broker-session.fixture.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { loadOrCreateVaultKey, openVault } from './credential-vault.js';

useCrypto();

function setup(t: { after(fn: () => void): void }) {
  const db = openOtDatabase(':memory:');
  t.after(() => db.close());
  const clock = new FakeClock();
  const audit = createTestAudit(db, clock);
  const vault = openVault({
    store: createVaultStore(db),
    audit,
    clock,
    site: 'plant-a',
    masterKey: generateAeadKey(),
  });
  const actions = () =>
    audit.verify().ok &&
    Array.from({ length: audit.head().seq }, (_, i) => audit.get(i + 1)?.action);
  return { db, clock, audit, vault, actions };
}

const req = {
  asset: 'hmi-1',
  account: 'operator',
  sessionId: 'ses_1',
  user: 'alice',
  breakGlass: false,
};

test('secrets are sealed, listed without their value, checked out and in with audit', (t) => {
  const { db, vault, audit, actions } = setup(t);
  vault.set({
    asset: 'hmi-1',
    account: 'operator',
    kind: 'password',
    secret: Buffer.from('S3cret-pw'),
    actor: 'local:root',
  });
  const raw = db.prepare('SELECT sealed FROM vault_secrets').get() as { sealed: Buffer };
  assert.equal(raw.sealed.includes(Buffer.from('S3cret-pw')), false, 'not stored in clear');
  assert.deepEqual(
    vault.list().map((e) => [e.asset, e.account, e.kind, e.version, e.hasPending]),
    [['hmi-1', 'operator', 'password', 1, false]],
  );
  assert.equal(JSON.stringify(vault.list()).includes('S3cret'), false);
  const lease = vault.checkOut(req);
  const secret = lease.candidates[0];
  assert.equal(secret?.bytes.toString(), 'S3cret-pw');
  lease.checkIn();
  lease.checkIn();
  assert.equal(
    secret?.bytes.every((b) => b === 0),
    true,
    'zeroed at check-in',
  );
  assert.deepEqual(actions(), ['vault.set', 'vault.checkout', 'vault.checkin']);
  const checkout = audit.get(2);
  assert.equal(checkout?.actor, 'alice');
  assert.equal(checkout?.details['sessionId'], 'ses_1');
  assert.equal(
    JSON.stringify([audit.get(1), audit.get(2), audit.get(3)]).includes('S3cret'),
    false,
    'no secret in audit',
  );
  assert.throws(
    () => vault.checkOut({ ...req, account: 'root' }),
    /no credential for root on hmi-1/,
  );
});

test('a sealed secret moved to another asset does not open', (t) => {
  const { db, vault } = setup(t);
  vault.set({
    asset: 'hmi-1',
    account: 'operator',
    kind: 'password',
    secret: Buffer.from('a'),
    actor: 'x',
  });
  vault.set({
    asset: 'hmi-2',
    account: 'operator',
    kind: 'password',
    secret: Buffer.from('b'),
    actor: 'x',
  });
  db.prepare(
    "UPDATE vault_secrets SET sealed = (SELECT sealed FROM vault_secrets WHERE asset = 'hmi-1') WHERE asset = 'hmi-2'",
  ).run();
  assert.throws(() => vault.checkOut({ ...req, asset: 'hmi-2' }), /does not decrypt/);
});

test('pending secrets: offered after an uncertain rotation, settled by the login that worked', (t) => {
  const { vault, clock, actions } = setup(t);
  vault.set({
    asset: 'hmi-1',
    account: 'operator',
    kind: 'password',
    secret: Buffer.from('old'),
    actor: 'x',
  });
  vault.stagePending('hmi-1', 'operator', Buffer.from('new'));
  // While a rotation is running, a login with the old one does not discard its pending secret.
  const during = vault.checkOut(req);
  assert.deepEqual(
    during.candidates.map((c) => c.bytes.toString()),
    ['old', 'new'],
  );
  during.confirm(0);
  during.checkIn();
  assert.equal(vault.list()[0]?.hasPending, true);
  vault.markPendingUnknown('hmi-1', 'operator');
  const after = vault.checkOut(req);
  after.confirm(1);
  after.checkIn();
  assert.deepEqual(
    vault.list().map((e) => [e.version, e.hasPending]),
    [[2, false]],
  );
  assert.equal(
    vault
      .checkOut(req)
      .candidates.map((c) => c.bytes.toString())
      .join(),
    'new',
  );
  assert.ok((actions() || []).includes('vault.rotate'));
  // An old `rotating` pending (a rotation that crashed) is settled too; here the old one still works.
  vault.stagePending('hmi-1', 'operator', Buffer.from('newer'));
  clock.advance(11 * 60_000);
  const stale = vault.checkOut(req);
  stale.confirm(0);
  assert.equal(vault.list()[0]?.hasPending, false);
});

test('the master key file is created 0600 and refused when others can read it', (t) => {
  const path = join(makeTempDir(t), 'keys', 'vault-master.key');
  const key = loadOrCreateVaultKey(path);
  assert.equal(key.length, 32);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(loadOrCreateVaultKey(path), key);
  chmodSync(path, 0o640);
  assert.throws(() => loadOrCreateVaultKey(path), /accessible by group or others/);
});
