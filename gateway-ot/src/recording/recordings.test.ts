import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { generateSigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { openOtDatabase } from '../store/ot-database.js';
import { createRecordingStore } from '../store/recording-store.js';
import { createRecordings } from './recordings.js';

useCrypto();

/** How many of this process's descriptors are open on `file`. */
function descriptorsOn(file: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      // closed between the listing and the read
    }
  }
  return n;
}

function setUp(t: Parameters<typeof makeTempDir>[0]) {
  const db = openOtDatabase(':memory:');
  const clock = new FakeClock();
  const audit = new AuditLog({
    db,
    clock,
    ids: sequentialIds(),
    signingKey: generateSigningKeyPair(),
    checkpointIntervalMs: 0,
  });
  const recordings = createRecordings({
    store: createRecordingStore(db),
    audit,
    clock,
    ids: sequentialIds(),
    site: 'plant-1',
    dir: makeTempDir(t),
  });
  const meta = { sessionId: 'ses_1', asset: 'hmi-1', user: 'alice', cols: 80, rows: 24 };
  return { audit, clock, recordings, meta: { ...meta, title: 'test' } };
}

test('a recording closed while its periodic fsync is still on the thread pool is complete, its audited hash is of the bytes on disk, and its descriptor is closed once that fsync returns', async (t) => {
  const { audit, clock, recordings, meta } = setUp(t);
  const rec = recordings.start(meta); // the header's fsync is now on the thread pool
  rec.input('ls\r');
  rec.output('file-a  file-b\r\n');
  clock.advance(1000); // the interval finds the file dirty again: at most one fsync in flight
  rec.output('$ ');
  const closed = rec.close();

  const onDisk = readFileSync(rec.file);
  assert.equal(closed.bytes, onDisk.length);
  assert.equal(closed.sha256, createHash('sha256').update(onDisk).digest('hex'));
  const lines = onDisk.toString('utf8').trimEnd().split('\n');
  assert.equal(lines.length, 4, 'header, input and two outputs');
  assert.deepEqual(JSON.parse(lines[3] ?? 'null'), [1, 'o', '$ ']);
  const event = audit.get(audit.head().seq);
  assert.equal(event?.action, 'recording.close');
  assert.equal((event?.details as { sha256?: string }).sha256, closed.sha256);
  assert.deepEqual(rec.close(), closed, 'close is idempotent');

  // The descriptor outlives close() only until the pending fsync returns; it is never leaked.
  for (let i = 0; descriptorsOn(rec.file) > 0; i++) {
    assert.ok(i < 500, 'the descriptor was not closed after the pending fsync returned');
    await new Promise((r) => setTimeout(r, 10));
  }
  rec.output('after close');
  assert.equal(readFileSync(rec.file).length, onDisk.length, 'nothing is written after close');
});
