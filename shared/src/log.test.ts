import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from './log.js';
import { AirlockError } from './errors.js';

test('logs are one JSON object per line, with level filtering and bound fields', () => {
  const lines: string[] = [];
  const log = createLogger({
    name: 'it',
    level: 'info',
    write: (l) => lines.push(l),
    now: () => 0,
  }).child({ site: 'plant-1' });
  log.debug('hidden');
  log.info('link up', { gatewayVersion: '0.1.0' });
  assert.equal(lines.length, 1);
  assert.deepEqual(JSON.parse(lines[0]!), {
    time: '1970-01-01T00:00:00.000Z',
    level: 'info',
    name: 'it',
    msg: 'link up',
    site: 'plant-1',
    gatewayVersion: '0.1.0',
  });
});

test('secret-looking fields are redacted at any depth; errors keep only their messages', () => {
  const lines: string[] = [];
  const log = createLogger({ name: 'ot', write: (l) => lines.push(l) });
  log.warn('oops', {
    password: 'hunter2',
    nested: { apiToken: 'abc', totpCode: '123456', masterKey: 'k', fine: 'ok' },
    list: [{ secret: 's' }],
    headers: { authorization: 'Bearer x', cookie: 'sid=1' },
    err: new AirlockError('internal', 'vault.fail', 'vault failed', { cause: new Error('disk') }),
    raw: new Uint8Array(4),
  });
  const text = lines[0]!;
  for (const s of ['hunter2', '"abc"', '123456', 'Bearer x', 'sid=1', '"s"'])
    assert.ok(!text.includes(s), `leaked ${s}`);
  const rec = JSON.parse(text) as Record<string, unknown>;
  assert.equal((rec.nested as Record<string, unknown>).fine, 'ok');
  assert.equal(rec.err, 'vault.fail: vault failed <- Error: disk');
  assert.equal(rec.raw, '[4 bytes]');
});
