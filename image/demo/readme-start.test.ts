/**
 * The README's "Start here" commands as a newcomer on a fresh Debian 12 machine types them: as root
 * in a container there is no `sudo`, so no command may start with it, and the test command is the
 * one `.ci/run` runs. `.ci/install-peers` itself escalates only when it is not root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../shared/src/testing/processes.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';

function startHereCommands(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = /## Start here[^\n]*\n+```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(section !== undefined, 'README has a "Start here" sh block');
  return section
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter((l) => l !== '');
}

test('no README start command needs sudo, and the test command is what .ci/run runs', () => {
  const commands = startHereCommands();
  assert.deepEqual(commands, ['npm ci && npm run demo', '.ci/install-peers && npm ci && npm test']);
  for (const c of commands) assert.doesNotMatch(c, /\bsudo\b/, c);
  const ci = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8');
  const order = ['.ci/install-peers', 'npm ci', 'npm test'].map((step) =>
    ci.indexOf(`\n${step}\n`),
  );
  assert.ok(
    order.every((i, n) => i > 0 && (n === 0 || i > (order[n - 1] ?? 0))),
    `.ci/run runs install-peers, npm ci, npm test in that order (${order.join(', ')})`,
  );
});

test(
  '.ci/install-peers runs as root on a machine without sudo',
  { skip: process.getuid?.() !== 0 && 'needs root (as a container newcomer is)' },
  (t) => {
    // A PATH holding only what the script needs, and no sudo.
    const bin = makeTempDir(t, 'airlock-nosudo-');
    for (const tool of ['bash', 'dpkg-query', 'grep', 'id', 'env', 'apt-get'])
      symlinkSync(execFileSync('/usr/bin/which', [tool]).toString().trim(), join(bin, tool));
    const out = execFileSync(join(repoRoot, '.ci', 'install-peers'), {
      env: { PATH: bin },
    }).toString();
    // Every peer is installed where the suite runs, so nothing is installed and nothing escalates.
    assert.match(out, /install-peers: all peers present/);
  },
);
