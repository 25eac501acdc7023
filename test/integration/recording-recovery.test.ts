/**
 * kill -9 of a process in the middle of writing a recording: at the next start the recording is
 * closed (the torn last line dropped), its hash audited as recovered, and it plays in asciinema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../../shared/src/clock.js';
import { sequentialIds } from '../../shared/src/ids.js';
import { createRecordings } from '../../gateway-ot/src/recording/recordings.js';
import { openOtDatabase } from '../../gateway-ot/src/store/ot-database.js';
import { createRecordingStore } from '../../gateway-ot/src/store/recording-store.js';
import { asciinemaCat } from '../helpers/asciinema.js';
import { createTestAudit } from '../../gateway-ot/src/sessions/broker-session.fixture.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { distRoot, startNode } from '../../shared/src/testing/processes.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';

useCrypto();

test(
  'a recording cut by kill -9 is closed at the next start and still plays',
  { timeout: 60_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const writer = await startNode(t, [
      join(distRoot, 'test', 'peers', 'recording-writer.js'),
      dir,
    ]);
    const file = String(writer.ready['file']);
    const exited = once(writer.child, 'exit');
    writer.child.kill('SIGKILL');
    await exited;
    assert.match(readFileSync(file, 'utf8'), /torn wri$/);

    const db = openOtDatabase(dir);
    t.after(() => db.close());
    const audit = createTestAudit(db, new FakeClock());
    const recordings = createRecordings({
      store: createRecordingStore(db),
      audit,
      clock: new FakeClock(),
      ids: sequentialIds(),
      site: 'plant-a',
      dir: join(dir, 'recordings'),
    });
    const recovered = recordings.recover();
    assert.equal(recovered.length, 1);
    const bytes = readFileSync(file);
    const text = bytes.toString('utf8');
    assert.ok(text.endsWith('"line 5\\r\\n"]\n'), 'cut after the last complete line');
    for (const line of text.trimEnd().split('\n')) JSON.parse(line);
    const event = audit.get(audit.head().seq);
    assert.equal(event?.action, 'recording.close');
    assert.equal(event?.details['recovered'], true);
    assert.equal(event?.details['droppedBytes'], '[9.5, "o", "torn wri'.length);
    assert.equal(event?.details['sha256'], createHash('sha256').update(bytes).digest('hex'));
    assert.match(asciinemaCat(file), /line 1\r\n[^]*line 5/);
    assert.equal(recordings.recover().length, 0, 'recovered once');
    // Store and forward: listed as unsent, readable in chunks, acknowledged only with the audited hash.
    const [unsent] = recordings.listUnsent();
    assert.ok(unsent);
    assert.equal(unsent.id, writer.ready['id']);
    const chunks: Buffer[] = [];
    for (let off = 0; ;) {
      const c = recordings.readChunk(unsent.id, off, 64);
      if (c.length === 0) break;
      chunks.push(c);
      off += c.length;
    }
    assert.deepEqual(Buffer.concat(chunks), bytes);
    assert.throws(
      () => recordings.markAcknowledged(unsent.id, '0'.repeat(64)),
      /does not match the audited hash/,
    );
    recordings.markAcknowledged(unsent.id, String(event?.details['sha256']));
    assert.equal(recordings.listUnsent().length, 0);
  },
);
