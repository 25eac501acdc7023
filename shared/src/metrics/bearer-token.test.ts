import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../testing/temp-dir.js';
import { readBearerToken } from './bearer-token.js';

test('only Bearer <the token> is authorized; a readable or short token file is refused', (t) => {
  const dir = makeTempDir(t);
  const file = join(dir, 'token');
  const token = 'a'.repeat(20) + 'B'.repeat(20);
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  const b = readBearerToken(file);
  assert.ok(b.isAuthorized(`Bearer ${token}`));
  for (const h of [
    undefined,
    '',
    token,
    `Bearer ${token}x`,
    `bearer ${token}`,
    `Bearer  ${token}`,
    'Basic x',
  ])
    assert.ok(!b.isAuthorized(h), String(h));
  chmodSync(file, 0o644);
  assert.throws(() => readBearerToken(file), /chmod 600/);
  writeFileSync(join(dir, 'short'), 'short\n', { mode: 0o600 });
  assert.throws(() => readBearerToken(join(dir, 'short')), /at least 32 characters/);
});
