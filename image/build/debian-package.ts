/**
 * Building a role's Debian package from the compiled tree (`dist/`) with nothing downloaded but what
 * npm already installed:
 *  - the runtime, staged once for both roles: the Node.js that runs this build (it meets `engines`;
 *    Debian 12's own is 18) with its license, and the production dependencies pruned from
 *    node_modules, so native modules (better-sqlite3) are the ones built for that very runtime;
 *  - per role: the compiled gateway and shared/ (no tests, no fixtures), the systemd units, the
 *    host firewall's nft ruleset, the `airlock-<role>` wrapper, the default config or examples, docs, maintainer scripts, then
 *    `dpkg-deb` (files owned by root, zstd).
 * An older build for the upgrade test lowers the version and leaves out the newest migration of a
 * component (older-build.ts).
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { mustRun } from './run-command.js';
import { controlFile, fillTemplate, packageName, unitsOf, type Role } from './debian-metadata.js';
import { applyOlderBuild, type OlderBuild } from './older-build.js';

export interface RuntimeStage {
  readonly dir: string;
  readonly nodeVersion: string;
}

/** Where Node.js distributions keep their license, for the runtime that runs this build. */
function nodeLicense(): string {
  const prefix = join(dirname(process.execPath), '..');
  const candidates = [
    join(prefix, 'share', 'doc', 'node', 'LICENSE'),
    join(prefix, 'share', 'doc', 'nodejs', 'LICENSE'),
    '/usr/share/doc/nodejs/LICENSE',
    join(prefix, 'LICENSE'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined)
    throw new Error(
      `cannot find the license of the Node.js runtime ${process.execPath} (looked in ${candidates.join(', ')}); the package must carry it`,
    );
  return found;
}

function meetsEngines(version: string, range: string): boolean {
  const m = /^>=\s*(\d+)\.(\d+)/.exec(range);
  const v = /^v?(\d+)\.(\d+)/.exec(version);
  if (m === null || v === null) return false;
  const [need, have] = [
    [Number(m[1]), Number(m[2])],
    [Number(v[1]), Number(v[2])],
  ] as [[number, number], [number, number]];
  return have[0] > need[0] || (have[0] === need[0] && have[1] >= need[1]);
}

/** What of better-sqlite3 is only for building it (sources, object files, a test extension). */
function trimNativeBuild(nodeModules: string): void {
  const b = join(nodeModules, 'better-sqlite3');
  for (const p of ['deps', 'src', 'binding.gyp'].map((x) => join(b, x)))
    rmSync(p, { recursive: true, force: true });
  const release = join(b, 'build', 'Release');
  if (existsSync(release))
    for (const name of readdirSync(release))
      if (name !== 'better_sqlite3.node') rmSync(join(release, name), { recursive: true });
  for (const name of readdirSync(join(b, 'build')))
    if (name !== 'Release') rmSync(join(b, 'build', name), { recursive: true, force: true });
  rmSync(join(nodeModules, '.bin'), { recursive: true, force: true });
}

/** What the staged runtime is made of: when none of it changed, the stage is reused. */
function runtimeStamp(repoRoot: string): string {
  const h = createHash('sha256');
  h.update(`${process.version}\n${process.execPath}\n${statSync(process.execPath).mtimeMs}\n`);
  h.update(readFileSync(join(repoRoot, 'package-lock.json')));
  const installed = join(repoRoot, 'node_modules', '.package-lock.json');
  h.update(existsSync(installed) ? `${statSync(installed).mtimeMs}` : 'none');
  return h.digest('hex');
}

export async function stageRuntime(repoRoot: string, workDir: string): Promise<RuntimeStage> {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    version: string;
    engines?: { node?: string };
  };
  const engines = pkg.engines?.node ?? '>=20.19';
  if (!meetsEngines(process.version, engines))
    throw new Error(
      `the package brings the Node.js that runs this build (${process.version}), which does not meet engines ${engines}`,
    );
  const dir = join(workDir, 'runtime');
  const stamp = runtimeStamp(repoRoot);
  const stampFile = join(workDir, 'runtime.stamp');
  if (existsSync(stampFile) && existsSync(dir) && readFileSync(stampFile, 'utf8') === stamp)
    return { dir, nodeVersion: process.version };
  rmSync(stampFile, { force: true });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(process.execPath, join(dir, 'bin', 'node'));
  chmodSync(join(dir, 'bin', 'node'), 0o755);
  mkdirSync(join(dir, 'licenses'));
  copyFileSync(nodeLicense(), join(dir, 'licenses', 'node-LICENSE'));
  // A copy of what `npm ci` installed, pruned to the production dependencies (offline: nothing new).
  await mustRun('cp', ['-a', join(repoRoot, 'node_modules'), join(dir, 'node_modules')]);
  copyFileSync(join(repoRoot, 'package.json'), join(dir, 'package.json'));
  copyFileSync(join(repoRoot, 'package-lock.json'), join(dir, 'package-lock.json'));
  await mustRun(
    'npm',
    ['prune', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'],
    { cwd: dir },
  );
  rmSync(join(dir, 'package-lock.json'));
  trimNativeBuild(join(dir, 'node_modules'));
  // The compiled gateways are ES modules.
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'airlock', version: pkg.version, private: true, type: 'module', license: 'Apache-2.0' }, null, 2)}\n`,
  );
  // The native module must load in the runtime it ships with.
  await mustRun(
    join(dir, 'bin', 'node'),
    ['-e', "const D = require('better-sqlite3'); new D(':memory:').prepare('select 1').get();"],
    { cwd: dir },
  );
  writeFileSync(stampFile, stamp);
  return { dir, nodeVersion: process.version };
}

/** Compiled files a package carries: the product only (no tests, fixtures or test support). */
function isShipped(path: string): boolean {
  const p = path.split('\\').join('/');
  if (/\.test\.js(\.map)?$/.test(p) || /\.fixture\.js(\.map)?$/.test(p)) return false;
  if (p.includes('/shared/src/testing')) return false;
  return true;
}

function duKiB(dir: string): number {
  let bytes = 0;
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else bytes += st.size;
    }
  };
  walk(dir);
  return Math.ceil(bytes / 1024);
}

function md5sums(root: string): string {
  const lines: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) {
        if (p !== join(root, 'DEBIAN')) walk(p);
      } else
        lines.push(
          `${createHash('md5').update(readFileSync(p)).digest('hex')}  ${relative(root, p)}`,
        );
    }
  };
  walk(root);
  return `${lines.join('\n')}\n`;
}

export interface PackageOptions {
  readonly repoRoot: string;
  readonly workDir: string;
  readonly outDir: string;
  readonly runtime: RuntimeStage;
  readonly version: string;
  readonly older?: OlderBuild;
}

export async function buildPackage(role: Role, o: PackageOptions): Promise<string> {
  const name = packageName(role);
  const root = join(o.workDir, `pkg-${role}${o.older === undefined ? '' : '-older'}`);
  rmSync(root, { recursive: true, force: true });
  const lib = join(root, 'usr', 'lib', name);
  mkdirSync(dirname(lib), { recursive: true });
  // Hard links: both roles share the staged runtime's bytes on disk; dpkg-deb reads them as files.
  await mustRun('cp', ['-al', o.runtime.dir, lib]);
  rmSync(join(lib, 'licenses'), { recursive: true });
  for (const part of ['shared', `gateway-${role}`])
    cpSync(join(o.repoRoot, 'dist', part, 'src'), join(lib, 'dist', part, 'src'), {
      recursive: true,
      filter: isShipped,
    });
  if (o.older !== undefined) await applyOlderBuild(lib, role, o.older);

  const fromImage = (...p: string[]): string =>
    readFileSync(join(o.repoRoot, 'image', ...p), 'utf8');
  const write = (path: string, text: string, mode: number): void => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text, { mode });
    chmodSync(path, mode);
  };
  write(join(root, 'usr', 'bin', name), fillTemplate(fromImage('debian', 'wrapper'), role), 0o755);
  for (const unit of unitsOf(role))
    write(join(root, 'lib', 'systemd', 'system', unit), fromImage('systemd', unit), 0o644);
  const share = join(root, 'usr', 'share', name);
  // The role's host firewall, copied to /etc/airlock/ by postinst only when absent (an operator's
  // edits are never overwritten; on OT the policy-derived rules replace it at the first apply).
  write(join(share, `nftables-${role}.nft`), fromImage('nftables', `${name}.nft`), 0o644);
  if (role === 'it') write(join(share, 'it.json'), fromImage('debian', 'it.json'), 0o644);
  else {
    write(join(share, 'ot.json.example'), fromImage('debian', 'ot.json.example'), 0o644);
    write(
      join(share, 'ot-policy.example.json'),
      fromImage('debian', 'ot-policy.example.json'),
      0o644,
    );
  }
  const doc = join(root, 'usr', 'share', 'doc', name);
  write(
    join(doc, 'install.md'),
    readFileSync(join(o.repoRoot, 'docs', 'install.md'), 'utf8'),
    0o644,
  );
  write(
    join(doc, 'node-LICENSE'),
    readFileSync(join(o.runtime.dir, 'licenses', 'node-LICENSE'), 'utf8'),
    0o644,
  );
  write(
    join(doc, 'copyright'),
    `Airlock ${role.toUpperCase()} gateway\nLicense: Apache-2.0 (/usr/share/common-licenses/Apache-2.0)\n\nBundled: the Node.js runtime ${o.runtime.nodeVersion} (/usr/lib/${name}/bin/node), license in node-LICENSE here;\nthe npm packages in /usr/lib/${name}/node_modules, each with its license in its own folder.\n`,
    0o644,
  );

  const debian = join(root, 'DEBIAN');
  mkdirSync(debian);
  for (const script of ['postinst', 'prerm', 'postrm'])
    write(join(debian, script), fillTemplate(fromImage('debian', script), role), 0o755);
  write(join(debian, 'md5sums'), md5sums(root), 0o644);
  write(join(debian, 'control'), controlFile(role, o.version, duKiB(root)), 0o644);

  mkdirSync(o.outDir, { recursive: true });
  const deb = join(o.outDir, `${name}_${o.version}_amd64.deb`);
  rmSync(deb, { force: true });
  await mustRun('dpkg-deb', ['--root-owner-group', '-Zzstd', '-z3', '--build', root, deb]);
  rmSync(root, { recursive: true, force: true });
  return deb;
}
