import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { twoLogs } from './two-logs.fixture.js';
import { verifyBundle } from '../../../shared/src/export/verify-bundle.js';
import { chainEvents, chainEventTexts, type AuditChain } from './audit-chain.js';
import { ingestOtLog } from '../../../test/helpers/ingested-ot-log.js';
import { canonicalJson } from '../../../shared/src/crypto/canonical.js';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import { writeExportBundle } from './export-bundle.js';

useCrypto();

test(
  "the link's ingested OT chain is the export's OT source, and the bundle verifies",
  { timeout: 30_000 },
  async (t) => {
    const logs = twoLogs();
    const source = ingestOtLog(t, logs);
    assert.deepEqual(source.sites(), ['plant-1']);
    assert.equal(source.otChain('plant-2'), undefined);
    const chain = source.otChain('plant-1');
    assert.ok(chain !== undefined);
    assert.deepEqual(chain.head(), logs.ot.head());
    assert.equal(chain.id, 'gw-1');

    const dir = makeTempDir(t);
    const path = join(dir, 'b.tar.gz');
    const from = Date.UTC(2026, 5, 1, 19);
    logs.it.checkpoint();
    await writeExportBundle(
      {
        exportId: 'exp-i',
        site: 'plant-1',
        from,
        to: from + 7_200_000,
        exportedBy: 'audrey',
        createdAt: 1,
      },
      { it: logs.itChain, ot: chain, artifacts: [], signingKey: logs.itKey },
      dir,
      path,
    );
    const v = await verifyBundle(createReadStream(path), {
      expectedPublicKey: logs.itKey.publicKey,
    });
    assert.equal(v.ok, true, v.findings.map((f) => f.message).join('\n'));
    assert.equal(v.logs.ot?.inRange, 14);
  },
);

test(
  'chainEventTexts gives the stored details text, byte for byte the canonical JSON of the parsed details, for the log, the ingest and a chain without pageRows',
  { timeout: 30_000 },
  async (t) => {
    const logs = twoLogs();
    logs.ot.append({
      action: 'modbus.write',
      actor: 'alice',
      site: 'plant-1',
      target: 'plc-1',
      outcome: 'success',
      details: { z: 1, a: ['é', '\u202e', { y: null, b: -0.5 }], m: 'line\nbreak "quoted"' },
    });
    const ingested = ingestOtLog(t, logs).otChain('plant-1');
    assert.ok(ingested !== undefined);
    const { pageRows: _omitted, ...withoutPageRows } = logs.otChain;
    const chains: [string, AuditChain][] = [
      ['the OT log', logs.otChain],
      ['the IT log', logs.itChain],
      ['the ingested OT chain', ingested],
      ['a chain without pageRows', withoutPageRows],
    ];
    for (const [name, chain] of chains) {
      const head = chain.head().seq;
      const parsed: AuditEvent[] = [];
      for await (const e of chainEvents(chain, 0, head)) parsed.push(e);
      const texts = [];
      for await (const x of chainEventTexts(chain, 0, head, 7)) texts.push(x);
      assert.equal(texts.length, head, name);
      texts.forEach((x, i) => {
        const e = parsed[i];
        assert.ok(e !== undefined);
        assert.equal(x.detailsJson, canonicalJson(e.details), `${name}: details of ${e.seq}`);
        assert.deepEqual({ ...x.event, details: e.details }, e, `${name}: event ${e.seq}`);
      });
    }
  },
);
