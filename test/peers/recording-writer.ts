/**
 * A process that writes a session recording the way the OT gateway does, for the crash test: it
 * records a few output lines, leaves a torn last line in the file (as a write cut by a crash
 * would), prints `{"event":"ready",...}` and waits to be killed with SIGKILL.
 *   node recording-writer.js <dataDir>
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditLog } from '../../shared/src/audit/audit-log.js';
import { systemClock } from '../../shared/src/clock.js';
import { generateSigningKeyPair } from '../../shared/src/crypto/signing.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { randomIds } from '../../shared/src/ids.js';
import { createRecordings } from '../../gateway-ot/src/recording/recordings.js';
import { openOtDatabase } from '../../gateway-ot/src/store/ot-database.js';
import { createRecordingStore } from '../../gateway-ot/src/store/recording-store.js';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: recording-writer <dataDir>');
await initCrypto();
const db = openOtDatabase(dataDir);
const audit = new AuditLog({
  db,
  clock: systemClock,
  ids: randomIds,
  signingKey: generateSigningKeyPair(),
});
const recordings = createRecordings({
  store: createRecordingStore(db),
  audit,
  clock: systemClock,
  ids: randomIds,
  site: 'plant-a',
  dir: join(dataDir, 'recordings'),
});
const rec = recordings.start({
  sessionId: 'ses_crash',
  asset: 'hmi-1',
  user: 'alice',
  cols: 80,
  rows: 24,
  title: 'crash test',
});
rec.input('ls\r');
for (let i = 1; i <= 5; i++) rec.output(`line ${i}\r\n`);
appendFileSync(rec.file, '[9.5, "o", "torn wri');
process.stdout.write(`${JSON.stringify({ event: 'ready', id: rec.id, file: rec.file })}\n`);
setInterval(() => undefined, 60_000);
