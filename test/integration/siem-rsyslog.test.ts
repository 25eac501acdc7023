/**
 * SIEM forwarding against a real collector: rsyslogd over TLS on loopback. Events produced while
 * the collector runs, while it is stopped, and after it is back all arrive exactly once, in order
 * per stream, with the chain position (log, seq, hash) intact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { startCollector } from '../helpers/rsyslog.js';
import { waitFor } from '../helpers/wait-for.js';
import { AuditLog } from '../../shared/src/audit/audit-log.js';
import { AUDIT_MIGRATIONS } from '../../shared/src/audit/audit-migrations.js';
import { systemClock } from '../../shared/src/clock.js';
import { randomIds } from '../../shared/src/ids.js';
import { createLogger } from '../../shared/src/log.js';
import { openDatabase } from '../../shared/src/store/open-database.js';
import { generateSigningKeyPair } from '../../shared/src/crypto/signing.js';
import { openItDatabase } from '../../gateway-it/src/store/it-database.js';
import { sqliteAuditChain } from '../../gateway-it/src/audit/audit-chain.js';
import { SiemForwarder } from '../../gateway-it/src/audit/siem/siem-forwarder.js';

useCrypto();

function until(what: string, cond: () => boolean): Promise<true> {
  return waitFor(what, () => cond() || undefined, 30_000, 50);
}

const SD =
  /\[airlock@32473 log="(it|ot)"(?: site="([^"]*)")? seq="(\d+)" id="[^"]*" hash="([0-9a-f]{64})"\]/;

test(
  'rsyslog receives every event exactly once, in order, including those produced while it was stopped',
  { timeout: 120_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const collector = await startCollector(t, dir);
    const db = openItDatabase(dir);
    const otDb = openDatabase({ path: ':memory:', migrations: AUDIT_MIGRATIONS });
    t.after(() => {
      db.close();
      otDb.close();
    });
    const itKey = generateSigningKeyPair();
    const otKey = generateSigningKeyPair();
    const it = new AuditLog({
      db,
      clock: systemClock,
      ids: randomIds,
      signingKey: itKey,
      checkpointEvery: 8,
      checkpointIntervalMs: 0,
    });
    const ot = new AuditLog({
      db: otDb,
      clock: systemClock,
      ids: randomIds,
      signingKey: otKey,
      checkpointEvery: 8,
      checkpointIntervalMs: 0,
    });
    const itChain = sqliteAuditChain(db, itKey.publicKey);
    const otChain = sqliteAuditChain(otDb, otKey.publicKey);
    const forwarder = new SiemForwarder({
      db,
      audit: it,
      itChain,
      siteEvents: {
        sites: () => ['plant-1'],
        otChain: (s) => (s === 'plant-1' ? otChain : undefined),
      },
      clock: systemClock,
      log: createLogger({ name: 'siem-test', level: 'error' }),
      target: {
        host: '127.0.0.1',
        port: collector.port,
        caFile: collector.caFile,
        certFingerprint: collector.fingerprint,
        timeoutMs: 5_000,
      },
      syslog: {
        facility: 13,
        hostname: 'airlock-test',
        enterpriseId: 32473,
        payload: 'cef',
        version: 'test',
      },
      forward: { it: true, ot: true },
      startAt: 'beginning',
      batchEvents: 7,
      retryMinMs: 100,
      retryMaxMs: 400,
      pollMs: 100,
    });
    t.after(() => forwarder.stop());
    const produce = (n: number, tag: string): void => {
      for (let i = 0; i < n; i++) {
        it.append({
          action: 'request.create',
          actor: 'vera',
          site: 'plant-1',
          target: 'hmi-1',
          outcome: 'success',
          details: { tag, i, note: 'a "quoted" ] value\nwith a line break' },
        });
        if (i % 2 === 0)
          ot.append({
            action: 'modbus.write',
            actor: 'vera',
            site: 'plant-1',
            target: 'plc-1',
            outcome: 'success',
            details: { tag, i },
          });
      }
    };
    const total = (): number => it.head().seq + ot.head().seq;
    const caughtUp = (): boolean =>
      forwarder.status().streams.every((s) => s.cursor === s.head) &&
      collector.lines().length === total();

    produce(10, 'before');
    forwarder.start();
    await until('the first events to arrive', caughtUp);

    await collector.stop();
    produce(10, 'while-stopped');
    await until('the forwarder to notice the collector is down', () => !forwarder.status().healthy);
    produce(4, 'while-stopped-2');
    assert.ok(
      forwarder.status().streams.some((s) => s.cursor < s.head),
      'events are held back while the collector is down',
    );

    await collector.restart();
    produce(6, 'after');
    await until('every event to arrive', caughtUp);
    await forwarder.stop();

    const lines = collector.lines();
    const seen = { it: [] as number[], ot: [] as number[] };
    for (const line of lines) {
      const m = SD.exec(line);
      assert.ok(m !== null, `not an Airlock RFC 5424 message: ${line}`);
      const [, log, , seq, hash] = m;
      const chain = log === 'it' ? itChain : otChain;
      assert.equal(
        chain.page(Number(seq) - 1, Number(seq), 1)[0]?.hash,
        hash,
        `${log} event ${seq} arrived with another hash`,
      );
      seen[log as 'it' | 'ot'].push(Number(seq));
      assert.match(line, /^<(10[4-9]|110)>1 \S+ airlock-test airlock-(it|ot) - AL\d+ \[/);
      assert.match(line, /CEF:0\|Airlock\|airlock-(it|ot)\|test\|/);
    }
    const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
    assert.deepEqual(seen.it, range(it.head().seq), 'IT events: each exactly once, in order');
    assert.deepEqual(seen.ot, range(ot.head().seq), 'OT events: each exactly once, in order');
    assert.ok(
      lines.some((l) => l.includes('act=audit.forward_fail')),
      'the outage itself was audited and forwarded',
    );
    assert.ok(lines.some((l) => l.includes('while-stopped')));
  },
);
