import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useCrypto } from '../testing/crypto.js';
import { makeTempDir } from '../testing/temp-dir.js';
import { FakeClock } from '../clock.js';
import { randomIds, sequentialIds } from '../ids.js';
import { openDatabase, type Db } from '../store/open-database.js';
import { generateSigningKeyPair, type SigningKeyPair } from '../crypto/signing.js';
import { toBase64Url } from '../crypto/encoding.js';
import { signObject } from '../crypto/signing.js';
import { AuditLog } from './audit-log.js';
import { AUDIT_MIGRATIONS } from './audit-migrations.js';
import { computeEventHash, type AuditEvent } from './audit-event.js';
import { verifyChain } from './verify-chain.js';
import { AUDIT_EVENTS } from './catalogue.js';

useCrypto();

interface Fixture {
  db: Db;
  log: AuditLog;
  key: SigningKeyPair;
  clock: FakeClock;
}

/** A log with `n` events and a checkpoint every 10 (so 25 events give checkpoints at 10 and 20). */
function fixture(n = 25, path = ':memory:'): Fixture {
  const db = openDatabase({ path, migrations: AUDIT_MIGRATIONS });
  const key = generateSigningKeyPair();
  const clock = new FakeClock();
  const log = new AuditLog({
    db,
    clock,
    ids: sequentialIds(),
    signingKey: key,
    checkpointEvery: 10,
    checkpointIntervalMs: 0,
  });
  for (let i = 1; i <= n; i++) {
    clock.advance(1000);
    log.append({
      action: 'modbus.write',
      actor: 'alice',
      site: 'plant-1',
      target: 'plc-1',
      outcome: 'success',
      details: { address: 40000 + i, value: i },
    });
  }
  return { db, log, key, clock };
}

/** What an attacker with the file can do: lift the append-only triggers. */
function unlock(db: Db): void {
  db.exec(
    'DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete; DROP TRIGGER audit_checkpoints_no_update; DROP TRIGGER audit_checkpoints_no_delete;',
  );
}

function rehash(db: Db, fromSeq: number): void {
  const rows = db
    .prepare<[number], { seq: number }>('SELECT seq FROM audit_events WHERE seq >= ? ORDER BY seq')
    .all(fromSeq);
  let prev =
    db
      .prepare<[number], { hash: string }>('SELECT hash FROM audit_events WHERE seq = ?')
      .get(fromSeq - 1)?.hash ?? '0'.repeat(64);
  for (const { seq } of rows) {
    const r = db
      .prepare<[number], Record<string, unknown>>('SELECT * FROM audit_events WHERE seq = ?')
      .get(seq) as Record<string, string | number | null>;
    const e = {
      seq,
      id: String(r.id),
      time: Number(r.time),
      actor: String(r.actor),
      action: String(r.action),
      site: r.site as string | null,
      target: r.target as string | null,
      outcome: r.outcome as AuditEvent['outcome'],
      details: JSON.parse(String(r.details)) as Record<string, unknown>,
      prevHash: prev,
    };
    const hash = computeEventHash(e);
    db.prepare('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?').run(
      prev,
      hash,
      seq,
    );
    prev = hash;
  }
}

test('an intact log verifies, with its checkpoints', () => {
  const { log, key } = fixture();
  const v = log.verify(key.publicKey);
  assert.equal(v.ok, true, v.problem?.message);
  assert.equal(v.events, 25);
  assert.equal(v.lastSeq, 25);
  assert.equal(v.checkpointsVerified, 2);
});

test('the database refuses updates and deletes of events', () => {
  const { db, log } = fixture(3);
  log.checkpoint();
  assert.throws(
    () => db.prepare('UPDATE audit_events SET actor = ? WHERE seq = 1').run('mallory'),
    /append-only/,
  );
  assert.throws(() => db.prepare('DELETE FROM audit_events WHERE seq = 1').run(), /append-only/);
  assert.throws(() => db.prepare('DELETE FROM audit_checkpoints').run(), /append-only/);
});

test('an action missing from the catalogue is refused and nothing is written', () => {
  const { log } = fixture(1);
  assert.throws(
    () => log.append({ action: 'made.up', actor: 'x', outcome: 'success' }),
    /not in the catalogue/,
  );
  assert.equal(log.head().seq, 1);
});

test('appendMany is all or nothing', () => {
  const { log } = fixture(1);
  assert.throws(() =>
    log.appendMany([
      { action: 'auth.login', actor: 'a', outcome: 'success' },
      { action: 'nope', actor: 'b', outcome: 'success' },
    ]),
  );
  assert.equal(log.head().seq, 1);
  const two = log.appendMany([
    { action: 'auth.login', actor: 'a', outcome: 'success' },
    { action: 'auth.logout', actor: 'a', outcome: 'success' },
  ]);
  assert.deepEqual(
    two.map((e) => e.seq),
    [2, 3],
  );
  assert.equal(two[1]?.prevHash, two[0]?.hash);
});

test('tamper: an edited event is reported as a hash mismatch at that event', () => {
  const { db, log, key } = fixture();
  unlock(db);
  db.prepare(
    `UPDATE audit_events SET details = '{"address":40007,"value":9999}' WHERE seq = 7`,
  ).run();
  const v = log.verify(key.publicKey);
  assert.equal(v.ok, false);
  assert.deepEqual([v.problem?.kind, v.problem?.seq], ['hash_mismatch', 7]);
  assert.equal(v.lastSeq, 6);
});

test('tamper: an edited event with a recomputed hash breaks the next link', () => {
  const { db, log, key } = fixture();
  unlock(db);
  db.prepare(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 7`).run();
  const row = db
    .prepare<[], Record<string, string | number | null>>('SELECT * FROM audit_events WHERE seq = 7')
    .get()!;
  const e = {
    seq: 7,
    id: String(row.id),
    time: Number(row.time),
    actor: 'mallory',
    action: String(row.action),
    site: row.site as string,
    target: row.target as string,
    outcome: 'success' as const,
    details: JSON.parse(String(row.details)) as Record<string, unknown>,
    prevHash: String(row.prev_hash),
  };
  db.prepare('UPDATE audit_events SET hash = ? WHERE seq = 7').run(computeEventHash(e));
  const v = log.verify(key.publicKey);
  assert.deepEqual([v.problem?.kind, v.problem?.seq], ['broken_link', 8]);
});

test('tamper: a chain rewritten with recomputed hashes is caught by the next signed checkpoint', () => {
  const { db, log, key } = fixture();
  unlock(db);
  db.prepare(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 7`).run();
  rehash(db, 7);
  const v = log.verify(key.publicKey);
  assert.deepEqual([v.problem?.kind, v.problem?.seq], ['checkpoint_mismatch', 10]);
  assert.match(v.problem?.message ?? '', /rewritten after it was signed/);
});

test('tamper: a deleted event is reported as a gap', () => {
  const { db, log, key } = fixture();
  unlock(db);
  db.prepare('DELETE FROM audit_events WHERE seq = 12').run();
  const v = log.verify(key.publicKey);
  assert.deepEqual([v.problem?.kind, v.problem?.seq], ['gap', 12]);
  assert.equal(
    v.problem?.message,
    'event 12 is missing before event 13 (deleted, or moved out of order)',
  );
});

test('tamper: an inserted event (later ones renumbered) is caught where the chain no longer fits', () => {
  const { db, log, key } = fixture();
  unlock(db);
  // Shift 13..25 up by one and slip a well-formed event in at 13 that links to 12.
  db.exec(
    'UPDATE audit_events SET seq = seq + 1000 WHERE seq >= 13; UPDATE audit_events SET seq = seq - 999 WHERE seq >= 1000;',
  );
  const prev = db
    .prepare<[], { hash: string }>('SELECT hash FROM audit_events WHERE seq = 12')
    .get()!.hash;
  const forged = {
    seq: 13,
    id: 'evt_forged',
    time: 1,
    actor: 'mallory',
    action: 'auth.login',
    site: null,
    target: null,
    outcome: 'success' as const,
    details: {},
    prevHash: prev,
  };
  db.prepare('INSERT INTO audit_events VALUES (?,?,?,?,?,?,?,?,?,?,?)').run(
    13,
    forged.id,
    1,
    'mallory',
    'auth.login',
    null,
    null,
    'success',
    '{}',
    prev,
    computeEventHash(forged),
  );
  const v = log.verify(key.publicKey);
  assert.deepEqual([v.problem?.kind, v.problem?.seq], ['hash_mismatch', 14]);
  assert.match(v.problem?.message ?? '', /insertion/);
});

test('tamper: two events swapped in place are caught at the first', () => {
  const { db, log, key } = fixture();
  unlock(db);
  db.exec(`
    UPDATE audit_events SET seq = -5 WHERE seq = 5;
    UPDATE audit_events SET seq = 5 WHERE seq = 6;
    UPDATE audit_events SET seq = 6 WHERE seq = -5;`);
  const v = log.verify(key.publicKey);
  assert.deepEqual([v.problem?.kind, v.problem?.seq], ['hash_mismatch', 5]);
});

test('tamper: reordered events in a stream are reported as out of order', () => {
  const { log, key } = fixture(6);
  const events = [...log.iterate()];
  const swapped = [events[0], events[1], events[3], events[2], events[4], events[5]].filter(
    (e): e is AuditEvent => e !== undefined,
  );
  const v = verifyChain(swapped, log.checkpoints(), { publicKey: key.publicKey });
  // Event 4 arrives where 3 is due: a gap of 3, then 3 after 4 would be out of order.
  assert.deepEqual([v.problem?.kind, v.problem?.seq], ['gap', 3]);
  const dup = verifyChain([events[0]!, events[1]!, events[1]!], [], { publicKey: key.publicKey });
  assert.deepEqual([dup.problem?.kind, dup.problem?.seq], ['out_of_order', 2]);
});

test('tamper: a truncated tail is caught by a checkpoint beyond the end', () => {
  const { db, log, key } = fixture();
  unlock(db);
  db.prepare('DELETE FROM audit_events WHERE seq > 15').run();
  db.prepare('DELETE FROM audit_checkpoints WHERE seq = 10').run();
  const v = log.verify(key.publicKey);
  assert.deepEqual([v.problem?.kind, v.problem?.seq], ['truncated', 16]);
  assert.match(
    v.problem?.message ?? '',
    /ends at event 15 but a signed checkpoint covers event 20/,
  );
});

test('tamper: a truncated tail past the last checkpoint is caught by an independently known head', () => {
  const { db, log, key } = fixture();
  const head = log.head();
  unlock(db);
  db.prepare('DELETE FROM audit_events WHERE seq > 22').run();
  assert.equal(log.verify(key.publicKey).ok, true, 'undetectable from the log alone: documented');
  const v = log.verify(key.publicKey, head);
  assert.deepEqual([v.problem?.kind, v.problem?.seq], ['truncated', 23]);
});

test('tamper: a forged checkpoint (other key, or altered) is reported', () => {
  const { db, log, key, clock } = fixture();
  unlock(db);
  const mallory = generateSigningKeyPair();
  const h = db.prepare<[], { hash: string }>('SELECT hash FROM audit_events WHERE seq = 15').get()!
    .hash;
  const time = clock.now();
  db.prepare('INSERT INTO audit_checkpoints VALUES (?,?,?,?,?)').run(
    15,
    h,
    time,
    toBase64Url(signObject({ seq: 15, hash: h, time }, mallory.secretKey)),
    toBase64Url(mallory.publicKey),
  );
  const v = log.verify(key.publicKey);
  assert.deepEqual([v.problem?.kind, v.problem?.seq], ['bad_checkpoint', 15]);
  db.prepare('DELETE FROM audit_checkpoints WHERE seq = 15').run();
  db.prepare('UPDATE audit_checkpoints SET time = time + 1 WHERE seq = 20').run();
  const w = log.verify(key.publicKey);
  assert.deepEqual([w.problem?.kind, w.problem?.seq], ['bad_checkpoint', 20]);
});

test('a range verifies from an anchor', () => {
  const { log, key } = fixture();
  const anchor = log.get(10)!;
  const v = verifyChain(log.iterate({ fromSeq: 11, toSeq: 20 }), log.checkpoints(), {
    publicKey: key.publicKey,
    anchor: { seq: 10, hash: anchor.hash },
  });
  assert.equal(v.ok, true, v.problem?.message);
  assert.equal(v.events, 10);
});

test('events survive reopening the file and the chain continues', (t) => {
  const dir = makeTempDir(t);
  const path = join(dir, 'audit.db');
  const a = fixture(5, path);
  a.log.close();
  a.db.close();
  const db = openDatabase({ path, migrations: AUDIT_MIGRATIONS });
  const log = new AuditLog({
    db,
    clock: a.clock,
    ids: randomIds,
    signingKey: a.key,
    checkpointIntervalMs: 0,
  });
  log.append({ action: 'gateway.start', actor: 'system:test', outcome: 'success' });
  assert.equal(log.head().seq, 6);
  assert.equal(log.verify().ok, true);
  assert.equal(log.checkpoints().at(-1)?.seq, 5, 'close() signed the head');
  db.close();
});

test('a checkpoint is signed on the interval when the head moved', () => {
  const db = openDatabase({ path: ':memory:', migrations: AUDIT_MIGRATIONS });
  const clock = new FakeClock();
  const log = new AuditLog({
    db,
    clock,
    ids: sequentialIds(),
    signingKey: generateSigningKeyPair(),
    checkpointEvery: 1000,
    checkpointIntervalMs: 60_000,
  });
  log.append({ action: 'gateway.start', actor: 'system:test', outcome: 'success' });
  assert.equal(log.checkpoints().length, 0);
  clock.advance(60_000);
  assert.equal(log.checkpoints().length, 1);
  clock.advance(60_000);
  assert.equal(log.checkpoints().length, 1, 'no new checkpoint without new events');
  log.close();
});

test('catalogue names are noun.verb and codes are unique', () => {
  const codes = new Set<string>();
  for (const [name, spec] of Object.entries(AUDIT_EVENTS)) {
    assert.match(name, /^[a-z]+\.[a-z_]+$/, name);
    assert.ok(!codes.has(spec.code), `duplicate code ${spec.code}`);
    codes.add(spec.code);
  }
});
