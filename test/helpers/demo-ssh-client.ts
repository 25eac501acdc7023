/**
 * The real OpenSSH client as the demo end-to-end tests drive it against the demo's SSH endpoint:
 * strict host key checking against one known_hosts line, no user config, and the password and
 * verification-code prompts answered from files through SSH_ASKPASS (no terminal needed).
 * `answer` (re)writes those files (0600) before a connection.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { operatorSshEnv } from './operator-ssh.js';

export interface DemoSshClient {
  /** The environment to run /usr/bin/ssh in (HOME is `dir`, askpass forced). */
  readonly env: Readonly<Record<string, string>>;
  /** Options every connection takes (before `-p` and the destination). */
  readonly options: readonly string[];
  answer(password: string, code: string): void;
}

export function demoSshClient(dir: string, knownHostsLine: string): DemoSshClient {
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `${knownHostsLine}\n`);
  const askpass = join(dir, 'askpass.sh');
  writeFileSync(
    askpass,
    `#!/bin/sh\ncase "$1" in\n  *erification*) cat '${dir}/answer-code' ;;\n  *assword*) cat '${dir}/answer-password' ;;\n  *) echo "unexpected prompt: $1" >&2; exit 1 ;;\nesac\n`,
  );
  chmodSync(askpass, 0o700);
  return {
    env: operatorSshEnv({ dir, askpass }),
    options: [
      '-F',
      '/dev/null',
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'PreferredAuthentications=keyboard-interactive,password',
      '-o',
      'NumberOfPasswordPrompts=1',
      '-o',
      'ConnectTimeout=20',
    ],
    answer(password, code) {
      writeFileSync(join(dir, 'answer-password'), `${password}\n`, { mode: 0o600 });
      writeFileSync(join(dir, 'answer-code'), `${code}\n`, { mode: 0o600 });
    },
  };
}
