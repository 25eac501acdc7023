/**
 * `npm run image`: builds what an operator installs, from the compiled tree (`tsc -b` first) and the
 * installed node_modules; the network is used only by debootstrap (Debian's packages), once, for the
 * cached base. Output in dist/image/:
 *   airlock-it_<version>_amd64.deb, airlock-ot_<version>_amd64.deb
 *   airlock-it-rootfs.tar.zst, airlock-ot-rootfs.tar.zst (Debian 12 with the package installed)
 * Work files and the debootstrap base live in .cache/image/ (git-ignored).
 *
 *   npm run image -- [--role it|ot] [--no-rootfs] [--out DIR]
 *                 [--older-version V --omit-newest-migration COMPONENT]   (an older build, for tests)
 *
 * Written in TypeScript, not shell: the appliance test builds with the same functions (and an
 * older build of the same tree), the pure parts (control file, templates) are unit-tested, and a
 * failed step names its command and output.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildPackage, stageRuntime } from './debian-package.js';
import { ROLES, type Role } from './debian-metadata.js';
import { buildRootfs, ensureBase, mirrorFrom, requireRoot } from './rootfs.js';
import type { OlderBuild } from './older-build.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface BuildImageOptions {
  readonly repoRoot?: string;
  readonly roles?: readonly Role[];
  readonly rootfs?: boolean;
  readonly outDir?: string;
  readonly cacheDir?: string;
  readonly older?: OlderBuild;
  /** Leave the root file systems unpacked in <dir>/<role> instead of packing them (for tests). */
  readonly rootfsDirs?: string;
  readonly log?: (line: string) => void;
}

export interface BuiltImage {
  readonly version: string;
  readonly packages: Partial<Record<Role, string>>;
  readonly rootfs: Partial<Record<Role, string>>;
}

export async function buildImage(o: BuildImageOptions = {}): Promise<BuiltImage> {
  const repoRoot = o.repoRoot ?? REPO_ROOT;
  const log = o.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const roles = o.roles ?? ROLES;
  const cacheDir = o.cacheDir ?? join(repoRoot, '.cache', 'image');
  const outDir = o.outDir ?? join(repoRoot, 'dist', 'image');
  for (const role of roles)
    if (!existsSync(join(repoRoot, 'dist', `gateway-${role}`, 'src', 'main.js')))
      throw new Error(
        'dist/ has no compiled gateways: run `npx tsc -b` first (npm run image does)',
      );
  if (o.rootfs !== false)
    requireRoot('npm run image (the root file systems; --no-rootfs skips them)');
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const version = o.older?.version ?? pkg.version;
  const workDir = join(cacheDir, 'work');
  let t = Date.now();
  const step = (what: string): void => {
    log(`${what} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    t = Date.now();
  };
  const runtime = await stageRuntime(repoRoot, workDir);
  step(`runtime: Node.js ${runtime.nodeVersion} and production dependencies staged`);
  const packages: Partial<Record<Role, string>> = {};
  for (const role of roles) {
    packages[role] = await buildPackage(role, {
      repoRoot,
      workDir,
      outDir,
      runtime,
      version,
      ...(o.older === undefined ? {} : { older: o.older }),
    });
    step(`${packages[role]}: ${(statSync(packages[role]).size / 1048576).toFixed(1)} MiB`);
  }
  const rootfs: Partial<Record<Role, string>> = {};
  if (o.rootfs !== false) {
    // The base first (once), then both roles at once: copying and unpacking mostly wait on disk.
    const mirror = mirrorFrom(process.env);
    await ensureBase(cacheDir, mirror, log);
    await Promise.all(
      roles.map(async (role) => {
        const deb = packages[role];
        if (deb === undefined) return;
        rootfs[role] = await buildRootfs(role, deb, {
          cacheDir,
          outDir,
          mirror,
          log,
          ...(o.rootfsDirs === undefined ? {} : { keepIn: o.rootfsDirs }),
        });
      }),
    );
    for (const r of Object.values(rootfs))
      if (o.rootfsDirs === undefined) log(`${r}: ${(statSync(r).size / 1048576).toFixed(1)} MiB`);
    step(o.rootfsDirs === undefined ? 'root file systems packed' : 'root file systems');
  }
  return { version, packages, rootfs };
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        role: { type: 'string', multiple: true },
        'no-rootfs': { type: 'boolean' },
        out: { type: 'string' },
        'older-version': { type: 'string' },
        'omit-newest-migration': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`image: ${(e as Error).message}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(
      'usage: npm run image -- [--role it|ot] [--no-rootfs] [--out DIR] [--older-version V --omit-newest-migration COMPONENT]\n',
    );
    return 0;
  }
  const roles = (values.role ?? ['it', 'ot']) as Role[];
  if (roles.some((r) => !ROLES.includes(r))) {
    process.stderr.write('image: --role is it or ot\n');
    return 2;
  }
  const olderVersion = values['older-version'];
  const omit = values['omit-newest-migration'];
  if ((olderVersion === undefined) !== (omit === undefined)) {
    process.stderr.write('image: --older-version and --omit-newest-migration go together\n');
    return 2;
  }
  const started = Date.now();
  const built = await buildImage({
    roles,
    rootfs: values['no-rootfs'] !== true,
    ...(values.out === undefined ? {} : { outDir: values.out }),
    ...(olderVersion === undefined || omit === undefined
      ? {}
      : { older: { version: olderVersion, omitNewestMigrationOf: omit } }),
  });
  process.stdout.write(
    `image: built version ${built.version} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = await main().catch((e: unknown) => {
    process.stderr.write(`image: ${(e as Error).message}\n`);
    return 1;
  });
