import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('./heap-growth.js', import.meta.url));

/** What tuneHeapGrowth answers in a fresh node process started with `flags` and NODE_OPTIONS. */
function answersIn(flags: readonly string[]): string[] {
  const script = `import(${JSON.stringify(MODULE)}).then((m) => console.log(JSON.stringify([m.tuneHeapGrowth(), m.tuneHeapGrowth()])))`;
  const out = execFileSync(process.execPath, [...flags, '-e', script], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

test('the gateway sets the heap growing factor once per process', () => {
  assert.deepEqual(answersIn([]), ['set', 'already']);
});

test("an operator's own growing factor on node's command line is left as given", () => {
  assert.deepEqual(answersIn(['--heap-growing-percent=0']), ['operator', 'already']);
  assert.deepEqual(answersIn(['--heap_growing_percent=50']), ['operator', 'already']);
  // Other heap flags are not a choice of growing factor.
  assert.deepEqual(answersIn(['--max-old-space-size=512']), ['set', 'already']);
});
