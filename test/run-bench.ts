/**
 * `npm run bench`: runs every compiled benchmark in dist/test/bench/ (whose TypeScript source still
 * exists) one after the other, never in parallel (they measure time), and fails if one fails.
 *
 *   node dist/test/run-bench.js [name-filter...]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDist = fileURLToPath(new URL('./bench', import.meta.url));
const benchSrc = join(fileURLToPath(new URL('../..', import.meta.url)), 'test', 'bench');
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write('usage: npm run bench [-- filter...]\nRuns the benchmarks in test/bench/ one at a time and prints their figures.\n');
  process.exit(0);
}
const files = (existsSync(benchDist) ? readdirSync(benchDist) : [])
  .filter((f) => f.endsWith('.js') && existsSync(join(benchSrc, f.replace(/\.js$/, '.ts'))))
  .filter((f) => args.length === 0 || args.some((a) => f.includes(a)))
  .sort();
if (files.length === 0) {
  process.stderr.write('run-bench: no benchmarks found (did tsc -b run?)\n');
  process.exit(1);
}
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n== ${f.replace(/\.js$/, '')}\n`);
  const r = spawnSync(process.execPath, ['--enable-source-maps', join(benchDist, f)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`run-bench: ${f} failed (exit ${String(r.status ?? r.signal)})\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
