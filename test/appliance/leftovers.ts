/**
 * Names the appliance test gives what it makes (machines, namespaces, accounts, its tmpfs work
 * directory), and the removal of what a killed earlier run left behind under those names.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../../image/build/run-command.js';
import { LISTENER_MARK } from './host-firewall.js';
import { killMachines } from './machine.js';
import { removeNamespaces } from './netns.js';
import { OPERATOR_PREFIX } from './operator.js';
import { ACCOUNT_PREFIX } from './plant-sshd.js';

/** Machines `alt-<name>`, namespaces `alt-<name>`, veth ends `alt<n>a`/`alt<n>b`. */
export const PREFIX = 'alt';
export const TMP_PREFIX = 'airlock-appliance-';

export async function removeLeftovers(): Promise<void> {
  await killMachines(PREFIX);
  // A plant sshd of a killed run (its config lives in that run's work directory).
  const sshd = await runCommand('pgrep', ['-f', `sshd -D -e -f /tmp/${TMP_PREFIX}`]);
  for (const pid of sshd.stdout.split('\n').filter((p) => p !== ''))
    await runCommand('kill', [pid]);
  // A plant listener of a killed run (its namespace goes below; the process would outlive it).
  const listeners = await runCommand('pgrep', ['-f', LISTENER_MARK]);
  for (const pid of listeners.stdout.split('\n').filter((p) => p !== ''))
    await runCommand('kill', [pid]);
  await removeNamespaces(PREFIX);
  const users = (await runCommand('getent', ['passwd'])).stdout
    .split('\n')
    .map((l) => l.split(':')[0] ?? '')
    .filter((u) => new RegExp(`^(${ACCOUNT_PREFIX}|${OPERATOR_PREFIX})[0-9a-f]{8}$`).test(u));
  for (const u of users) await runCommand('userdel', ['-r', '-f', u]);
  for (const name of readdirSync('/tmp'))
    if (name.startsWith(TMP_PREFIX)) {
      await runCommand('umount', [join('/tmp', name)]);
      rmSync(join('/tmp', name), { recursive: true, force: true });
    }
}
