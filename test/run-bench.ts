/**
 * The benchmark command (`npm run bench` runs it after `tsc -b`): runs every compiled
 * `test/bench/*.bench.js` whose TypeScript source still exists, one at a time so they do not compete
 * for the two cores, and fails if any of them fails. Each benchmark measures its own baseline in the
 * same run and prints ratios against it; nothing here compares to a fixed time, because absolute
 * figures depend on the machine.
 *
 *   node dist/test/run-bench.js [name-filter...]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const distRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(distRoot, '..');
const benchDir = join(distRoot, 'test', 'bench');

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`usage: npm run bench [-- filter...]
Runs each benchmark in test/bench/ (files named *.bench.ts) in turn; each prints its figures as ratios
against a baseline measured in the same run. A filter keeps files whose name contains it.
`);
  process.exit(0);
}
const filters = args.filter((a) => !a.startsWith('-'));

const files = (existsSync(benchDir) ? readdirSync(benchDir) : [])
  .filter((n) => n.endsWith('.bench.js'))
  .filter((n) => existsSync(join(repoRoot, 'test', 'bench', n.replace(/\.js$/, '.ts'))))
  .filter((n) => filters.length === 0 || filters.some((f) => n.includes(f)))
  .sort()
  .map((n) => join(benchDir, n));

if (files.length === 0) {
  process.stderr.write('no benchmarks found: did tsc -b run, and do the filters match anything?\n');
  process.exit(1);
}

let failed = 0;
for (const file of files) {
  process.stdout.write(`\n== ${relative(distRoot, file)}\n`);
  const r = spawnSync(process.execPath, ['--enable-source-maps', file], {
    stdio: 'inherit',
    cwd: repoRoot,
    env: { ...process.env, AIRLOCK_REPO_ROOT: repoRoot },
  });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(
      `benchmark failed: ${relative(distRoot, file)} (exit ${String(r.status ?? r.signal)})\n`,
    );
  }
}
process.exit(failed === 0 ? 0 : 1);
