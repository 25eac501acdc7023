import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AIRLOCK_VERSION } from './version.js';

test('the reported version is the package version', () => {
  const pkg = JSON.parse(
    readFileSync(join(process.env.AIRLOCK_REPO_ROOT ?? process.cwd(), 'package.json'), 'utf8'),
  ) as { version: string };
  assert.equal(AIRLOCK_VERSION, pkg.version);
});
