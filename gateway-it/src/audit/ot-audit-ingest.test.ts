import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { AUDIT_MIGRATIONS } from '../../../shared/src/audit/audit-migrations.js';
import { computeEventHash, type AuditEvent } from '../../../shared/src/audit/audit-event.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { openDatabase } from '../../../shared/src/store/open-database.js';
import { generateSigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { openItDatabase } from '../store/it-database.js';
import { OtAuditStore } from '../store/ot-audit-store.js';
import { SiteStore } from '../store/site-store.js';
import { SiteGatewayStore } from '../store/site-gateway-store.js';
import { OtAuditIngest } from './ot-audit-ingest.js';
import { testAuditLog } from '../../../shared/src/testing/test-audit-log.js';

useCrypto();

function setup() {
  // The OT side's own log.
  const otKey = generateSigningKeyPair();
  const otClock = new FakeClock();
  const ot = new AuditLog({
    db: openDatabase({ path: ':memory:', migrations: AUDIT_MIGRATIONS }),
    clock: otClock,
    ids: sequentialIds(),
    signingKey: otKey,
    checkpointEvery: 10,
    checkpointIntervalMs: 0,
  });
  for (let i = 1; i <= 40; i++)
    ot.append({
      action: 'modbus.write',
      actor: 'alice',
      site: 'plant-1',
      target: 'plc-1',
      outcome: 'success',
      details: { value: i },
    });
  // The IT side.
  const db = openItDatabase(':memory:');
  const clock = new FakeClock();
  const audit = testAuditLog(db, clock, { checkpointIntervalMs: 0 });
  new SiteStore(db).insert({
    id: 'plant-1' as never,
    displayName: 'p',
    timezone: 'UTC',
    createdAt: 0,
  });
  new SiteGatewayStore(db).insertGateway({
    id: 'gw_1',
    site: 'plant-1',
    publicKey: 'k',
    now: 0,
    by: 'test',
    version: '0.1.0',
  });
  const store = new OtAuditStore(db);
  const ingest = new OtAuditIngest({ db, audit, store, clock, onIngested: () => undefined });
  const source = { gatewayId: 'gw_1', site: 'plant-1', publicKey: otKey.publicKey };
  const events = [...ot.iterate()];
  const batch = (from: number, to: number): [AuditEvent[], ReturnType<AuditLog['checkpoints']>] => [
    events.filter((e) => e.seq >= from && e.seq <= to),
    ot.checkpointsBetween(from - 1, to),
  ];
  return { ot, otKey, audit, store, ingest, source, events, batch };
}

test('batches are ingested in order, verified against the enrolled key, and acknowledged by head', () => {
  const { ingest, source, batch, store, audit, events } = setup();
  const r1 = ingest.ingest(source, ...batch(1, 15));
  assert.deepEqual(r1.ok ? [r1.head.seq, r1.ingested] : r1, [15, 15]);
  const r2 = ingest.ingest(source, ...batch(16, 40));
  assert.deepEqual(r2.ok ? [r2.head.seq, r2.ingested] : r2, [40, 25]);
  assert.deepEqual(
    [...store.events('gw_1')].map((e) => e.hash),
    events.map((e) => e.hash),
  );
  assert.deepEqual(
    store.checkpoints('gw_1').map((c) => c.seq),
    [10, 20, 30, 40],
  );
  assert.deepEqual(
    [...audit.iterate()].map((e) => `${e.action}:${String(e.details.events)}`),
    ['link.ingest:15', 'link.ingest:25'],
  );
});

test('a batch sent again (a lost acknowledgement) adds nothing; an overlapping one adds only what is new', () => {
  const { ingest, source, batch, store } = setup();
  ingest.ingest(source, ...batch(1, 20));
  const again = ingest.ingest(source, ...batch(1, 20));
  assert.deepEqual(
    again.ok ? [again.head.seq, again.ingested, again.duplicates] : again,
    [20, 0, 20],
  );
  const overlap = ingest.ingest(source, ...batch(11, 30));
  assert.deepEqual(
    overlap.ok ? [overlap.head.seq, overlap.ingested, overlap.duplicates] : overlap,
    [30, 10, 10],
  );
  assert.equal([...store.events('gw_1')].length, 30);
});

test('gaps, edits, forks, forged checkpoints and other keys are refused whole and audited', () => {
  const { ingest, source, batch, store, audit, events } = setup();
  ingest.ingest(source, ...batch(1, 10));
  const edited = batch(11, 20);
  edited[0][3] = { ...edited[0][3]!, details: { value: 999 } };
  const reforged = batch(11, 20);
  const e = reforged[0][0]!;
  const fork = { ...events[4]!, actor: 'mallory' };
  const forkHashed = { ...fork, hash: computeEventHash(fork) };
  const cases: [string, AuditEvent[], ReturnType<AuditLog['checkpoints']>, string][] = [
    ['gap', batch(12, 20)[0], batch(12, 20)[1], 'gap'],
    ['edited event', edited[0], edited[1], 'hash_mismatch'],
    ['fork below the head', [forkHashed, ...batch(11, 12)[0]], [], 'fork'],
    [
      'forged checkpoint',
      batch(11, 20)[0],
      batch(11, 20)[1].map((c) =>
        c.seq === 20
          ? { ...c, signature: c.signature.replace(/^./, (x) => (x === 'A' ? 'B' : 'A')) }
          : c,
      ),
      'bad_checkpoint',
    ],
    ['checkpoint beyond the batch', batch(11, 15)[0], batch(11, 20)[1], 'truncated'],
    [
      'relinked event',
      [
        {
          ...e,
          prevHash: 'f'.repeat(64),
          hash: computeEventHash({ ...e, prevHash: 'f'.repeat(64) }),
        },
      ],
      [],
      'broken_link',
    ],
  ];
  for (const [name, evs, cps, problem] of cases) {
    const r = ingest.ingest(source, evs, cps);
    assert.equal(r.ok ? 'ok' : r.problem, problem, name);
  }
  const otherKey = ingest.ingest(
    { ...source, publicKey: generateSigningKeyPair().publicKey },
    ...batch(11, 20),
  );
  assert.equal(otherKey.ok ? 'ok' : otherKey.problem, 'bad_checkpoint');
  assert.equal(store.head('gw_1').seq, 10, 'nothing of any refused batch was stored');
  const fails = [...audit.iterate()].filter((x) => x.action === 'link.ingest_fail');
  assert.equal(fails.length, cases.length + 1);
  assert.equal(
    ingest.ingest(source, ...batch(11, 40)).ok,
    true,
    'the genuine continuation is still accepted',
  );
});
