/**
 * Per-role bootable Debian 12 root file systems: a minimal bookworm from debootstrap (systemd as
 * init, dbus, nftables, iproute2), cached under .cache/ keyed by its options so a rebuild takes
 * seconds, copied, made an image (its own host name, no machine id so each boot of a copy gets its
 * own, no password anywhere: root stays locked), the role's package installed with dpkg in a
 * chroot (its postinst creates the user and enables the units; nothing starts in a chroot), and
 * packed as a .tar.zst an operator turns into a VM or disk image. Needs root.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { mustRun } from './run-command.js';
import { packageName, type Role } from './debian-metadata.js';

export const DEBIAN_SUITE = 'bookworm';
export const BASE_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'nftables', 'iproute2'];
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
const COMPLETE = '.airlock-base-complete';

export function mirrorFrom(env: NodeJS.ProcessEnv): string {
  return env.AIRLOCK_DEBIAN_MIRROR ?? DEFAULT_MIRROR;
}

function debootstrapArgs(dir: string, mirror: string): string[] {
  return ['--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, DEBIAN_SUITE, dir, mirror];
}

export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0)
    throw new Error(`${what} needs root (debootstrap, chroot, file ownership); run it as root`);
}

/** The cached debootstrap base (built once, ~80 s, then reused). */
export async function ensureBase(
  cacheDir: string,
  mirror: string,
  log: (line: string) => void,
): Promise<string> {
  requireRoot('building a root file system');
  const key = createHash('sha256')
    .update(JSON.stringify(debootstrapArgs('', mirror)))
    .digest('hex')
    .slice(0, 12);
  const dir = join(cacheDir, `base-${DEBIAN_SUITE}-${key}`);
  if (existsSync(join(dir, COMPLETE))) return dir;
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  log(`debootstrap ${DEBIAN_SUITE} (minbase + ${BASE_PACKAGES.join(', ')}) from ${mirror}...`);
  try {
    await mustRun('debootstrap', debootstrapArgs(tmp, mirror), { timeoutMs: 30 * 60_000 });
    await mustRun('chroot', [tmp, 'apt-get', 'clean']);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  writeFileSync(join(tmp, COMPLETE), `${JSON.stringify(debootstrapArgs('', mirror))}\n`);
  renameSync(tmp, dir);
  return dir;
}

/** Copies the base into a new directory (owners, modes and links kept). */
export async function copyTree(from: string, to: string): Promise<void> {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  await mustRun('cp', ['-a', '--reflink=auto', `${from}/.`, to]);
  rmSync(join(to, COMPLETE), { force: true });
}

/** Makes a copied base an appliance image of `role`: host name, machine id left for first boot. */
export function prepareImage(dir: string, role: Role): void {
  writeFileSync(join(dir, 'etc', 'hostname'), `${packageName(role)}\n`);
  writeFileSync(
    join(dir, 'etc', 'hosts'),
    `127.0.0.1\tlocalhost\n127.0.1.1\t${packageName(role)}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
  );
  // Empty: systemd gives each booted copy its own id (a shared one would make every appliance the same machine).
  writeFileSync(join(dir, 'etc', 'machine-id'), '');
  rmSync(join(dir, 'var', 'lib', 'dbus', 'machine-id'), { force: true });
}

/** Installs a .deb into the tree with dpkg in a chroot (maintainer scripts run; no service starts). */
export async function installPackage(dir: string, deb: string): Promise<string> {
  const inside = join('/tmp', basename(deb));
  copyFileSync(deb, join(dir, inside));
  try {
    // unsafe-io: no fsync per file; the tree is packed (and synced) afterwards, not booted from here.
    const r = await mustRun('chroot', [dir, 'dpkg', '--force-unsafe-io', '-i', inside]);
    return r.stdout + r.stderr;
  } finally {
    rmSync(join(dir, inside), { force: true });
  }
}

export async function packRootfs(dir: string, out: string): Promise<void> {
  rmSync(out, { force: true });
  await mustRun('tar', [
    '--numeric-owner',
    '--xattrs',
    '--xattrs-include=*',
    '-I',
    'zstd -T0 -3 -q',
    '-C',
    dir,
    '-cf',
    out,
    '.',
  ]);
}

export interface RootfsOptions {
  readonly cacheDir: string;
  readonly outDir: string;
  readonly mirror: string;
  readonly log: (line: string) => void;
  /** Leave the tree in this directory instead of packing it (the appliance test boots it). */
  readonly keepIn?: string;
}

/**
 * Builds dist/image/airlock-<role>-rootfs.tar.zst with the role's package installed, or with
 * `keepIn` the same tree left unpacked at <keepIn>/<role>.
 */
export async function buildRootfs(role: Role, deb: string, o: RootfsOptions): Promise<string> {
  const base = await ensureBase(o.cacheDir, o.mirror, o.log);
  const dir =
    o.keepIn === undefined ? join(o.cacheDir, `rootfs-${role}.work`) : join(o.keepIn, role);
  let kept = false;
  try {
    await copyTree(base, dir);
    prepareImage(dir, role);
    await installPackage(dir, deb);
    if (o.keepIn !== undefined) {
      kept = true;
      return dir;
    }
    mkdirSync(o.outDir, { recursive: true });
    const out = join(o.outDir, `${packageName(role)}-rootfs.tar.zst`);
    await packRootfs(dir, out);
    return out;
  } finally {
    if (!kept) rmSync(dir, { recursive: true, force: true });
  }
}
