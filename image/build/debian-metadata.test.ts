import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlFile, fillTemplate, isDebianVersion, ROLES } from './debian-metadata.js';

const repoRoot = process.env.AIRLOCK_REPO_ROOT ?? process.cwd();

test('the control file names the package, version, runtime dependencies and a folded description', () => {
  const text = controlFile('ot', '0.1.0', 1234);
  assert.match(text, /^Package: airlock-ot\nVersion: 0\.1\.0\nArchitecture: amd64\n/);
  assert.match(text, /\nInstalled-Size: 1234\n/);
  assert.match(
    text,
    /\nDepends: libc6 \(>= 2\.28\), libstdc\+\+6 \(>= 10\), systemd, passwd, util-linux, nftables\n/,
  );
  for (const line of text
    .split('\n')
    .slice(text.split('\n').findIndex((l) => l.startsWith('Description:')) + 1))
    assert.ok(line === '' || line.startsWith(' '), `continuation line: ${line}`);
  assert.ok(isDebianVersion('0.1.0~older1') && !isDebianVersion('v1') && !isDebianVersion('1 0'));
  assert.throws(() => controlFile('it', 'not a version', 1), /not a Debian version/);
});

test('every package template fills for both roles and leaves no placeholder behind', () => {
  for (const name of ['postinst', 'prerm', 'postrm', 'wrapper'])
    for (const role of ROLES) {
      const text = fillTemplate(
        readFileSync(join(repoRoot, 'image', 'debian', name), 'utf8'),
        role,
      );
      assert.doesNotMatch(text, /@[A-Z_]+@/, `${name} (${role})`);
      assert.match(text, new RegExp(`airlock-${role}`), `${name} (${role}) names its package`);
      assert.match(text, /^#!\/bin\/sh\n/);
    }
  assert.match(
    fillTemplate(readFileSync(join(repoRoot, 'image', 'debian', 'wrapper'), 'utf8'), 'it'),
    /for verb in restore tls-import; do/,
  );
  assert.match(
    fillTemplate(readFileSync(join(repoRoot, 'image', 'debian', 'wrapper'), 'utf8'), 'ot'),
    /for verb in restore firewall; do/,
  );
  assert.throws(() => fillTemplate('@NOPE@', 'it'), /unknown placeholder @NOPE@/);
});
