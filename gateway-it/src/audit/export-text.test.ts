import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { BUNDLE_VERSION } from '../../../shared/src/export/bundle-manifest.js';
import { verifyBundle } from '../../../shared/src/export/verify-bundle.js';
import { writeExportBundle } from './export-bundle.js';
import { readBundleFiles, twoLogs } from './two-logs.fixture.js';

useCrypto();

const UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

test(
  'text stored with control characters leaves an export neutralised in CSV and CEF, exact in JSON Lines, and verifies',
  { timeout: 30_000 },
  async (t) => {
    const logs = twoLogs();
    const from = logs.clock.now();
    // Stored before input was checked: an ESC sequence, a bidi override, a DEL, a C1 CSI.
    logs.it.append({
      action: 'request.create',
      actor: '\u001b[2J\u001b[31mvera',
      site: 'plant-1',
      target: 'hmi-1\u202Etxt.exe',
      outcome: 'success',
      details: { reason: 'fix\u007f it\u009b2J', lines: 'one\r\ntwo' },
    });
    logs.it.append({
      action: 'request.create',
      actor: 'plain\u007fdel',
      site: 'plant-1',
      target: 'hmi-1',
      outcome: 'success',
      details: {},
    });
    logs.clock.advance(60_000);
    logs.it.checkpoint();
    const dir = makeTempDir(t);
    const path = join(dir, 'bundle.tar.gz');
    await writeExportBundle(
      {
        exportId: 'exp-text',
        site: 'plant-1',
        from,
        to: logs.clock.now(),
        exportedBy: 'audrey',
        createdAt: logs.clock.now(),
      },
      {
        it: logs.itChain,
        ot: logs.sites.otChain('plant-1'),
        artifacts: [],
        signingKey: logs.itKey,
      },
      dir,
      path,
      () => undefined,
    );
    const v = await verifyBundle(createReadStream(path), {
      expectedPublicKey: logs.itKey.publicKey,
    });
    assert.equal(v.ok, true, v.findings.map((f) => `${f.check}: ${f.message}`).join('\n'));
    const files = new Map((await readBundleFiles(path)).map((f) => [f.name, f.data.toString()]));
    assert.equal(JSON.parse(files.get('manifest.json') ?? '{}').version, BUNDLE_VERSION);
    for (const name of ['events/it.csv', 'events/it.cef']) {
      const text = files.get(name) ?? '';
      assert.match(text, /\uFFFD\[2J\uFFFD\[31mvera/, name);
      assert.match(text, /hmi-1\uFFFDtxt\.exe/, name);
      assert.match(text, /plain\uFFFDdel/, name);
      assert.doesNotMatch(text, UNSAFE, `${name} holds no control character or bidi override`);
    }
    // The verifiable chain keeps the exact values (JSON escapes the C0 ones).
    const jsonl = files.get('events/it.jsonl') ?? '';
    assert.match(jsonl, /\\u001b\[2J/);
    assert.match(jsonl, /hmi-1\u202Etxt/);
  },
);
