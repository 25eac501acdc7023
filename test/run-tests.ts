/**
 * The one test command (`npm test` runs it after `tsc -b`): finds every compiled `*.test.js` whose
 * TypeScript source still exists, and runs them with node's test runner. Fails when it finds none,
 * because on Node 20 `node --test` with nothing to run exits 0 and would hide a broken build.
 *
 *   node dist/test/run-tests.js [--only unit|integration|e2e|architecture|appliance] [--concurrency N] [name-filter...]
 *
 * The appliance suite (test/appliance/: builds the packages, boots them under systemd-nspawn, needs
 * root) runs only when asked for with `--only appliance` (`npm run test:appliance`; CI runs both).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const distRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(distRoot, '..');
const ROOTS = ['shared', 'gateway-it', 'gateway-ot', 'test', 'image'];
const GROUPS = ['unit', 'integration', 'e2e', 'architecture', 'appliance'] as const;
type Group = (typeof GROUPS)[number];

function usage(): never {
  process.stdout
    .write(`usage: npm test [-- --only ${GROUPS.join('|')}] [--concurrency N] [filter...]
Runs every test suite: unit tests beside the code, then integration and end-to-end tests that start
real processes and peers on 127.0.0.1. A filter keeps files whose path contains it. The appliance
suite (packages booted under systemd-nspawn, as root) runs only with --only appliance.
`);
  process.exit(0);
}

function groupOf(rel: string): Group {
  if (rel.startsWith(`test${sep}integration${sep}`)) return 'integration';
  if (rel.startsWith(`test${sep}e2e${sep}`)) return 'e2e';
  if (rel.startsWith(`test${sep}architecture${sep}`)) return 'architecture';
  if (rel.startsWith(`test${sep}appliance${sep}`)) return 'appliance';
  return 'unit';
}

function walk(dir: string, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
}

const args = process.argv.slice(2);
let only: Group | undefined;
let concurrency = 2;
const filters: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--help' || a === '-h') usage();
  else if (a === '--only') {
    const g = args[++i];
    if (!GROUPS.includes(g as Group)) {
      process.stderr.write(`--only expects one of ${GROUPS.join(', ')}, got ${String(g)}\n`);
      process.exit(2);
    }
    only = g as Group;
  } else if (a === '--concurrency') {
    const n = Number(args[++i]);
    if (!Number.isInteger(n) || n < 1) {
      process.stderr.write('--concurrency expects a positive integer\n');
      process.exit(2);
    }
    concurrency = n;
  } else if (a !== undefined) filters.push(a);
}

const found: string[] = [];
for (const r of ROOTS) walk(join(distRoot, r), found);
const files = found
  .filter((f) => {
    const rel = relative(distRoot, f);
    const src = join(repoRoot, rel.replace(/\.js$/, ''));
    return existsSync(`${src}.ts`) || existsSync(`${src}.tsx`);
  })
  .filter((f) =>
    only === undefined
      ? groupOf(relative(distRoot, f)) !== 'appliance'
      : groupOf(relative(distRoot, f)) === only,
  )
  // A filter matches the path inside the tree (dist/), never the checkout's own location: a clone in
  // /work/wt/itsm must not make the filter `itsm/` select every file.
  .filter((f) => filters.length === 0 || filters.some((x) => relative(distRoot, f).includes(x)))
  // Unit tests first: they fail fastest.
  .sort(
    (a, b) =>
      GROUPS.indexOf(groupOf(relative(distRoot, a))) -
        GROUPS.indexOf(groupOf(relative(distRoot, b))) || a.localeCompare(b),
  );

if (files.length === 0) {
  process.stderr.write('no test files found: did tsc -b run, and do the filters match anything?\n');
  process.exit(1);
}

const counts = GROUPS.map(
  (g) => `${files.filter((f) => groupOf(relative(distRoot, f)) === g).length} ${g}`,
).join(', ');
process.stdout.write(
  `running ${files.length} test files (${counts}), concurrency ${concurrency}\n`,
);
const child = spawn(
  process.execPath,
  [
    '--enable-source-maps',
    '--test',
    `--test-concurrency=${concurrency}`,
    // The appliance suite builds and boots machines: its own, longer safety net.
    `--test-timeout=${only === 'appliance' ? 1_200_000 : 300_000}`,
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit', cwd: repoRoot, env: { ...process.env, AIRLOCK_REPO_ROOT: repoRoot } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 1)));
