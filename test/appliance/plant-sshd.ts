/**
 * The plant's SSH target for the appliance test: Debian's OpenSSH sshd in the plant network
 * namespace, on port 22 of the plant address, with its own host key and config, and a local
 * account with a password (the credential the OT gateway keeps in its vault). It runs in the
 * foreground as the test's child and dies with it; the account is removed when the test ends.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { mustRun, runCommand } from '../../image/build/run-command.js';
import { newHostKey } from '../peers/sshd.js';
import { waitFor } from '../helpers/wait-for.js';

export interface PlantSshd {
  readonly account: string;
  readonly password: string;
  /** `SHA256:...` of its host key, what the OT policy pins. */
  readonly hostKeyFingerprint: string;
  log(): string;
}

export const ACCOUNT_PREFIX = 'altplant';

export async function startPlantSshd(
  t: Pick<TestContext, 'after'>,
  netns: string,
  address: string,
  dir: string,
): Promise<PlantSshd> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  mkdirSync(dir, { recursive: true });
  const key = newHostKey(dir, 'host_ed25519');
  const fingerprint =
    (await mustRun('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key.path}.pub`])).stdout.split(
      ' ',
    )[1] ?? '';
  const account = `${ACCOUNT_PREFIX}${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  await mustRun('useradd', ['-m', '-s', '/bin/sh', account]);
  t.after(() => runCommand('userdel', ['-r', '-f', account]).then(() => undefined));
  await mustRun('chpasswd', [], { input: `${account}:${password}\n` });
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress ${address}:22`,
      `HostKey ${key.path}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication no',
      'UsePAM no',
      'PermitRootLogin no',
      `AllowUsers ${account}`,
      'StrictModes no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  const child = spawn('ip', ['netns', 'exec', netns, '/usr/sbin/sshd', '-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  });
  await waitFor('the plant sshd to listen', () => {
    if (child.exitCode !== null) throw new Error(`sshd exited: ${log}`);
    return log.includes('Server listening on');
  });
  return { account, password, hostKeyFingerprint: fingerprint, log: () => log };
}
