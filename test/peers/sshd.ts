/**
 * A real OpenSSH sshd (Debian's openssh-server) for tests: its own config, its own ed25519 host
 * key and local test users (created with useradd, removed when the test ends), listening only on
 * 127.0.0.1 on a free high port (or where `listen` says, e.g. in a zone), in the foreground
 * (`-D -e`) so its log is ours and it dies with the test. Password authentication only, checked
 * by sshd against /etc/shadow (UsePAM no), SFTP through internal-sftp. Needs root (useradd) and
 * /run/sshd.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Client } from 'ssh2';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { freePort } from '../../image/demo/plant/free-port.js';

export interface SshdUser {
  readonly name: string;
  /** The password set at creation (a test may change it later). */
  readonly password: string;
}

export interface SshdPeer {
  readonly port: number;
  /** The host key as an OpenSSH public key line (`ssh-ed25519 AAAA...`): what onboarding pins. */
  readonly hostKey: string;
  readonly users: readonly SshdUser[];
  /** Everything sshd logged so far (LogLevel VERBOSE). */
  log(): string;
  /** Sets a user's password directly on the host (test setup, not the product's rotation). */
  setPassword(user: string, password: string): void;
}

export interface SshdOptions {
  /** How many local users to create (default 1). */
  readonly users?: number;
  /** Extra sshd_config lines. */
  readonly extraConfig?: readonly string[];
  /** The users' login shell (default /bin/bash), e.g. /usr/bin/dash for a shell without readline. */
  readonly shell?: string;
  /** Where to listen instead of 127.0.0.1 on a free port (e.g. a plant address in a zone). */
  readonly listen?: { readonly host: string; readonly port: number };
  /** A command prefix sshd runs under, e.g. `ip netns exec <zone>` (it must exec, not fork). */
  readonly wrap?: readonly string[];
}

export function newHostKey(dir: string, name: string): { path: string; publicLine: string } {
  const path = join(dir, name);
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', path]);
  const publicLine = readFileSync(`${path}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  return { path, publicLine };
}

function createUser(t: Pick<TestContext, 'after'>, shell: string): SshdUser {
  const name = `alt${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  execFileSync('/usr/sbin/useradd', ['-m', '-s', shell, name]);
  t.after(() => {
    try {
      // The user's processes go with sshd; -r removes the home directory.
      execFileSync('/usr/sbin/userdel', ['-r', '-f', name], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  });
  execFileSync('/usr/sbin/chpasswd', { input: `${name}:${password}\n` });
  return { name, password };
}

export async function startSshd(
  t: Pick<TestContext, 'after'>,
  options: SshdOptions = {},
): Promise<SshdPeer> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = makeTempDir(t, 'airlock-sshd-');
  const key = newHostKey(dir, 'host_ed25519');
  const users = Array.from({ length: options.users ?? 1 }, () =>
    createUser(t, options.shell ?? '/bin/bash'),
  );
  for (let attempt = 0; ; attempt++) {
    const port = options.listen?.port ?? (await freePort());
    const host = options.listen?.host ?? '127.0.0.1';
    const config = join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `ListenAddress ${host}:${port}`,
        `HostKey ${key.path}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication no',
        'UsePAM no',
        'PermitRootLogin no',
        `AllowUsers ${users.map((u) => u.name).join(' ')}`,
        'Subsystem sftp internal-sftp',
        'StrictModes no',
        'MaxAuthTries 6',
        'LogLevel VERBOSE',
        ...(options.extraConfig ?? []),
        '',
      ].join('\n'),
    );
    const [command = '/usr/sbin/sshd', ...prefixArgs] = [...(options.wrap ?? []), '/usr/sbin/sshd'];
    const child: ChildProcess = spawn(command, [...prefixArgs, '-D', '-e', '-f', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const listening = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      const check = (): void => {
        if (log.includes('Server listening on')) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      child.stderr?.on('data', check);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!listening) {
      child.kill('SIGKILL');
      if (attempt < 3 && options.listen === undefined && log.includes('Address already in use'))
        continue;
      throw new Error(`sshd did not start: ${log}`);
    }
    t.after(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    });
    return {
      port,
      hostKey: key.publicLine,
      users,
      log: () => log,
      setPassword(user, password) {
        execFileSync('/usr/sbin/chpasswd', { input: `${user}:${password}\n` });
      },
    };
  }
}

/** A sudoers rule letting `user` run chpasswd as root without a password (a rotation account); removed when the test ends. */
export function allowSudoChpasswd(t: Pick<TestContext, 'after'>, user: string): void {
  const file = `/etc/sudoers.d/airlock-test-${user}`;
  writeFileSync(file, `${user} ALL=(root) NOPASSWD: /usr/sbin/chpasswd\n`, { mode: 0o440 });
  t.after(() => rmSync(file, { force: true }));
}

/** A fresh password login with ssh2, host key pinned to the peer's: true if accepted, false if refused. */
export function passwordLogin(
  peer: Pick<SshdPeer, 'port' | 'hostKey'>,
  username: string,
  password: string,
): Promise<boolean> {
  const pinned = Buffer.from(peer.hostKey.split(' ')[1] ?? '', 'base64');
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.on('ready', () => {
      c.end();
      resolve(true);
    });
    c.on('error', (e: Error & { level?: string }) => {
      if (e.level === 'client-authentication') resolve(false);
      else reject(e);
    });
    c.connect({
      host: '127.0.0.1',
      port: peer.port,
      username,
      password,
      hostVerifier: (k: Buffer) => k.equals(pinned),
      // No timer of its own: on a loaded machine a fixed limit fails a login that would have
      // succeeded; the calling test's timeout bounds a peer that never answers.
      readyTimeout: 0,
      tryKeyboard: false,
    });
  });
}
