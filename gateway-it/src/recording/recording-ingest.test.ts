/**
 * RecordingIngest on its own (in-memory database, files in a temp dir): offsets other than the held
 * length are answered with the held length and write nothing; bytes past the held length left by an
 * interrupted write are dropped before the next chunk lands; another site's session, an oversized
 * or mis-sized recording are refused and audited; a recording completed before its
 * `recording.close` event arrives is verified once that event is ingested.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { FakeClock } from '../../../shared/src/clock.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { type SiteId } from '../../../shared/src/ids.js';
import type { RecordingChunk } from '../../../shared/src/link/control-messages.js';
import { silentLogger } from '../../../shared/src/log.js';
import { openItDatabase } from '../store/it-database.js';
import { OtAuditStore } from '../store/ot-audit-store.js';
import { RecordingStore } from '../store/recording-store.js';
import { SiteGatewayStore } from '../store/site-gateway-store.js';
import { SiteStore } from '../store/site-store.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { RecordingIngest } from './recording-ingest.js';
import { testAuditLog } from '../../../shared/src/testing/test-audit-log.js';

useCrypto();

const PEER = { site: 'plant-1', gatewayId: 'gw_1' };

function setup(t: Parameters<typeof makeTempDir>[0]) {
  const db = openItDatabase(':memory:');
  t.after(() => db.close());
  const clock = new FakeClock(1_800_000_000_000);
  const sites = new SiteStore(db);
  for (const id of ['plant-1', 'plant-2'])
    sites.insert({ id: id as SiteId, displayName: id, timezone: 'UTC', createdAt: clock.now() });
  const audit = testAuditLog(db, clock);
  const ingest = new RecordingIngest({
    db,
    audit,
    store: new RecordingStore(db),
    clock,
    log: silentLogger,
    dir: makeTempDir(t, 'airlock-rec-'),
  });
  const receive = (e: {
    action: string;
    details: Readonly<Record<string, unknown>>;
    outcome: string;
  }) => e.action === 'recording.receive';
  return { db, audit, ingest, events: () => [...audit.iterate()].filter(receive) };
}

function chunk(
  sessionId: string,
  offset: number,
  data: string,
  final: RecordingChunk['final'] = null,
): RecordingChunk {
  return {
    type: 'recording.chunk',
    sessionId,
    asset: 'hmi-1',
    user: 'alice',
    startedAt: 1_799_999_000_000,
    offset,
    data: Buffer.from(data).toString('base64'),
    final,
  };
}

test(
  'chunks land at the held length only; an interrupted write is cut back; the final SHA-256 is checked',
  { timeout: 20_000 },
  (t) => {
    const { ingest, events } = setup(t);
    assert.deepEqual(
      ingest.ingest(PEER, chunk('ses_a', 5, 'late')),
      { type: 'recording.ack', sessionId: 'ses_a', held: 0, complete: false },
      'an offset ahead of what is held is answered with 0',
    );
    assert.equal(ingest.get('ses_a'), undefined, 'and nothing is recorded');
    assert.equal(ingest.ingest(PEER, chunk('ses_a', 0, 'hello ')).type, 'recording.ack');
    assert.deepEqual(
      ingest.ingest(PEER, chunk('ses_a', 0, 'hello ')),
      { type: 'recording.ack', sessionId: 'ses_a', held: 6, complete: false },
      'a resent chunk is not written twice',
    );
    // A crash after writing but before recording the length leaves extra bytes in the file.
    appendFileSync(ingest.pathOf('plant-1', 'ses_a'), 'GARBAGE');
    const whole = 'hello world';
    const r = ingest.ingest(
      PEER,
      chunk('ses_a', 6, 'world', { size: 11, sha256: sha256Hex(whole) }),
    );
    assert.deepEqual(r, { type: 'recording.ack', sessionId: 'ses_a', held: 11, complete: true });
    assert.equal(readFileSync(ingest.pathOf('plant-1', 'ses_a'), 'utf8'), whole);
    assert.equal(ingest.get('ses_a')?.status, 'complete', 'no recording.close ingested yet');
    assert.deepEqual(
      ingest.ingest(PEER, chunk('ses_a', 0, 'x')),
      { type: 'recording.ack', sessionId: 'ses_a', held: 11, complete: true },
      'a complete recording is not reopened',
    );
    assert.equal(events().at(-1)?.details.auditChain, 'pending');
  },
);

test(
  'a recording completed before its recording.close event is verified when the event is ingested; a differing hash rejects it',
  { timeout: 20_000 },
  (t) => {
    const { db, ingest, events } = setup(t);
    ingest.ingest(PEER, chunk('ses_v', 0, 'abc', { size: 3, sha256: sha256Hex('abc') }));
    ingest.ingest(PEER, chunk('ses_w', 0, 'def', { size: 3, sha256: sha256Hex('def') }));
    new SiteGatewayStore(db).insertGateway({
      id: 'gw_1',
      site: 'plant-1',
      publicKey: 'k1',
      now: 1,
      by: 'test',
      version: 'test',
    });
    const ot = new OtAuditStore(db);
    const event = (seq: number, sessionId: string, sha256: string) => ({
      seq,
      id: `ev_${seq}`,
      time: 1,
      actor: 'system:ot',
      action: 'recording.close',
      site: 'plant-1',
      target: 'hmi-1',
      outcome: 'success' as const,
      details: { sessionId, sha256 },
      prevHash: '0'.repeat(64),
      hash: `${seq}`.padStart(64, '0'),
    });
    ot.insert(
      'gw_1',
      'plant-1',
      [event(1, 'ses_v', sha256Hex('abc')), event(2, 'ses_w', sha256Hex('something else'))],
      [],
      1,
    );
    assert.equal(ingest.verifyPending('plant-2'), 0, "another site's events do not count");
    assert.equal(ingest.verifyPending('plant-1'), 2);
    assert.equal(ingest.get('ses_v')?.status, 'verified');
    assert.equal(ingest.get('ses_w')?.status, 'rejected');
    assert.equal(ingest.get('ses_w')?.problem, 'audit_hash_mismatch');
    const w = events()
      .filter((e) => e.details.sessionId === 'ses_w')
      .at(-1);
    assert.equal(w?.outcome, 'failure');
  },
);

test(
  "refusals: another site's session, a size or hash mismatch; each audited, each final",
  { timeout: 20_000 },
  (t) => {
    const { ingest, events } = setup(t);
    ingest.ingest(PEER, chunk('ses_b', 0, 'abc'));
    const other = ingest.ingest({ site: 'plant-2', gatewayId: 'gw_2' }, chunk('ses_b', 3, 'def'));
    assert.equal(other.type === 'recording.reject' && other.problem, 'wrong_site');
    assert.equal(ingest.get('ses_b')?.heldBytes, 3, 'the other site wrote nothing');
    const size = ingest.ingest(
      PEER,
      chunk('ses_b', 3, 'def', { size: 7, sha256: sha256Hex('abcdef') }),
    );
    assert.equal(size.type === 'recording.reject' && size.problem, 'size_mismatch');
    const hash = ingest.ingest(
      PEER,
      chunk('ses_c', 0, 'abc', { size: 3, sha256: sha256Hex('abd') }),
    );
    assert.equal(hash.type === 'recording.reject' && hash.problem, 'hash_mismatch');
    const again = ingest.ingest(
      PEER,
      chunk('ses_c', 0, 'abc', { size: 3, sha256: sha256Hex('abc') }),
    );
    assert.equal(again.type, 'recording.reject', 'a refused recording stays refused');
    assert.deepEqual(
      events().map((e) => [e.details.sessionId, e.outcome, e.details.problem]),
      [
        ['ses_b', 'denied', 'wrong_site'],
        ['ses_b', 'failure', 'size_mismatch'],
        ['ses_c', 'failure', 'hash_mismatch'],
      ],
    );
  },
);
