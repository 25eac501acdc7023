import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../testing/crypto.js';
import { FakeClock } from '../clock.js';
import { sequentialIds } from '../ids.js';
import { openDatabase, type Db } from '../store/open-database.js';
import { generateSigningKeyPair } from '../crypto/signing.js';
import { canonicalJson } from '../crypto/canonical.js';
import { AuditLog } from './audit-log.js';
import { AUDIT_MIGRATIONS } from './audit-migrations.js';
import { computeEventHash, GENESIS_HASH, type AuditEventInput } from './audit-event.js';

useCrypto();

function fresh(): { db: Db; log: AuditLog } {
  const db = openDatabase({ path: ':memory:', migrations: AUDIT_MIGRATIONS });
  const log = new AuditLog({
    db,
    clock: new FakeClock(),
    ids: sequentialIds(),
    signingKey: generateSigningKeyPair(),
    checkpointEvery: 4,
    checkpointIntervalMs: 0,
  });
  return { db, log };
}

const ev = (actor: string, action = 'modbus.write'): AuditEventInput => ({
  action,
  actor,
  site: 'plant-1',
  target: 'plc-1',
  outcome: 'success',
  details: { value: actor.length },
});

test('appendDurable: callers of one turn share one commit, each gets its event once it is stored', async () => {
  const { db, log } = fresh();
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM audit_events');
  const before = log.commits;
  const got = await Promise.all(
    ['a', 'b', 'c', 'd', 'e'].map(async (actor) => {
      const e = await log.appendDurable(ev(actor));
      // Durable before the caller proceeds: the row is committed when the promise resolves.
      assert.ok((count.get()?.n ?? 0) >= e.seq);
      return e;
    }),
  );
  assert.deepEqual(
    got.map((e) => [e.seq, e.actor]),
    [
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
      [4, 'd'],
      [5, 'e'],
    ],
  );
  assert.equal(log.commits - before, 1);
  assert.equal((await log.appendDurable(ev('f'))).seq, 6);
  assert.equal(log.commits - before, 2);
  assert.equal(log.verify().ok, true);
  log.close();
});

test('appendDurable: an unknown action fails its caller only; a failed commit fails the whole group and stores nothing', async () => {
  const { db, log } = fresh();
  const bad = log.appendDurable(ev('x', 'no.such_action'));
  const good = log.appendDurable(ev('ok'));
  await assert.rejects(bad, /not in the catalogue/);
  assert.equal((await good).seq, 1);

  db.exec(
    "CREATE TRIGGER refuse_boom BEFORE INSERT ON audit_events WHEN NEW.actor = 'boom' BEGIN SELECT RAISE(ABORT, 'disk says no'); END;",
  );
  const group = [log.appendDurable(ev('p')), log.appendDurable(ev('boom'))];
  for (const r of await Promise.allSettled(group)) assert.equal(r.status, 'rejected');
  assert.equal(log.head().seq, 1);
  assert.equal((await log.appendDurable(ev('q'))).seq, 2);
  log.close();
  await assert.rejects(log.appendDurable(ev('late')), /closed/);
});

test('the hash computed around pre-encoded details equals the general one', () => {
  const base = {
    seq: 7,
    id: 'evt_7',
    time: 1_767_225_600_000,
    actor: 'vera "ops"',
    action: 'ssh.command',
    site: null,
    target: 'hmi\u202e-1',
    outcome: 'denied' as const,
    details: { z: 1, a: ['x', null, { k: 'é' }] },
    prevHash: GENESIS_HASH,
  };
  for (const e of [base, { ...base, site: 'plant-1', target: null, details: {} }])
    assert.equal(computeEventHash(e, canonicalJson(e.details)), computeEventHash(e));
});
