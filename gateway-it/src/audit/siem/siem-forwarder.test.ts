import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useCrypto } from '../../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../../shared/src/testing/temp-dir.js';
import { twoLogs } from '../two-logs.fixture.js';
import { createLogger } from '../../../../shared/src/log.js';
import { openItDatabase } from '../../store/it-database.js';
import { SiemForwarder } from './siem-forwarder.js';

useCrypto();

test(
  'a stream whose log no longer continues from the delivered cursor is held and reported once',
  { timeout: 30_000 },
  async (t) => {
    const logs = twoLogs();
    const dir = makeTempDir(t);
    writeFileSync(join(dir, 'ca.pem'), 'not used: nothing is sent in this test');
    const db = openItDatabase(':memory:');
    t.after(() => db.close());
    db.prepare('INSERT INTO siem_cursors (stream, seq, hash, updated_at) VALUES (?, ?, ?, ?)').run(
      'ot:plant-1',
      3,
      'f'.repeat(64),
      0,
    );
    const f = new SiemForwarder({
      db,
      audit: logs.it,
      itChain: logs.itChain,
      siteEvents: logs.sites,
      clock: logs.clock,
      log: createLogger({ name: 'test', level: 'error', write: () => undefined }),
      target: { host: '127.0.0.1', port: 9, caFile: join(dir, 'ca.pem'), timeoutMs: 1000 },
      syslog: { facility: 13, hostname: 'h', enterpriseId: 32473, payload: 'json', version: 'x' },
      forward: { it: false, ot: true },
      startAt: 'beginning',
      batchEvents: 10,
      retryMinMs: 1000,
      retryMaxMs: 1000,
      pollMs: 1000,
    });
    const before = logs.it.head().seq;
    f.start();
    for (let i = 0; i < 5; i++) {
      logs.clock.advance(1000);
      await new Promise((r) => setImmediate(r));
    }
    await f.stop();
    const s = f.status().streams.find((x) => x.stream === 'ot:plant-1');
    assert.equal(s?.held, true);
    assert.equal(s?.cursor, 3, 'the cursor did not move');
    const fails = [...logs.it.iterate({ fromSeq: before + 1 })].filter(
      (e) => e.action === 'audit.forward_fail',
    );
    assert.equal(fails.length, 1);
    assert.equal(fails[0]?.target, 'ot:plant-1');
    assert.match(f.status().lastError ?? '', /does not continue the chain/);
  },
);
