import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { loadItConfig } from './config.js';

test('the siem block is optional, strict, and resolves its files against the config file', (t) => {
  const dir = makeTempDir(t);
  const file = join(dir, 'it.json');
  writeFileSync(file, JSON.stringify({ dataDir: 'data' }));
  const none = loadItConfig({ file, env: {} });
  assert.ok(none.ok && none.value.siem === undefined);

  writeFileSync(
    file,
    JSON.stringify({
      dataDir: 'data',
      siem: { host: '127.0.0.1', port: 6514, caFile: 'ca.pem', certFingerprint: 'ab'.repeat(32) },
    }),
  );
  const on = loadItConfig({ file, env: {} });
  assert.ok(on.ok, on.ok ? '' : JSON.stringify(on.error));
  assert.equal(on.value.siem?.caFile, join(dir, 'ca.pem'));
  assert.equal(on.value.siem?.payload, 'cef');
  assert.equal(on.value.siem?.facility, 13);
  assert.equal(on.value.siem?.startAt, 'beginning');

  const bad = (siem: unknown): string => {
    writeFileSync(file, JSON.stringify({ dataDir: 'data', siem }));
    const r = loadItConfig({ file, env: {} });
    assert.equal(r.ok, false);
    return r.ok ? '' : JSON.stringify(r.error);
  };
  assert.match(bad({ host: 'h', port: 6514 }), /siem\.caFile/);
  assert.match(bad({ host: 'h', port: 6514, caFile: 'c', payload: 'xml' }), /siem\.payload/);
  assert.match(
    bad({ host: 'h', port: 6514, caFile: 'c', clientCertFile: 'x' }),
    /clientCertFile and clientKeyFile/,
  );
  assert.match(
    bad({ host: 'h', port: 6514, caFile: 'c', certFingerprint: 'nope' }),
    /SHA-256 fingerprint/,
  );
  assert.match(bad({ host: 'h', port: 6514, caFile: 'c', password: 'x' }), /password/);
});
