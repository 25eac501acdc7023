/**
 * Runs the benchmarks (`node dist/test/run-bench.js [filter...]`): every compiled
 * `test/bench/*.bench.js` whose source still exists, one after another (never in parallel: they
 * measure time and memory), each as its own process. Benchmarks print their figures and ratios
 * against a baseline measured in the same run; they are not part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const distRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(distRoot, '..');
const benchDir = join(distRoot, 'test', 'bench');
const filters = process.argv.slice(2);
if (filters.includes('--help') || filters.includes('-h')) {
  process.stdout.write('usage: node dist/test/run-bench.js [filter...]\nRuns test/bench/*.bench.ts (compiled), one at a time.\n');
  process.exit(0);
}
const files = (existsSync(benchDir) ? readdirSync(benchDir) : [])
  .filter((f) => f.endsWith('.bench.js') && existsSync(join(repoRoot, 'test', 'bench', f.replace(/\.js$/, '.ts'))))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  process.stderr.write('no benchmarks found: did tsc -b run, and do the filters match anything?\n');
  process.exit(1);
}
let failed = 0;
for (const f of files) {
  process.stdout.write(`== ${f}\n`);
  const r = spawnSync(process.execPath, ['--enable-source-maps', join(benchDir, f)], { stdio: 'inherit', cwd: repoRoot, env: { ...process.env, AIRLOCK_REPO_ROOT: repoRoot } });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
