/**
 * `chpasswd` input for the simulated SSH target: `user:password` lines, as Linux chpasswd(8) reads
 * them, so a credential-rotation feature can run the same command here as against a real host.
 * Unlike the real tool this one is all or nothing: any bad line rejects the whole input, and
 * nothing is changed. It never echoes a password in a message.
 */
import { err, ok, type Result } from '../../../shared/src/result.js';

export interface PasswordChange {
  readonly user: string;
  readonly password: string;
}

export function parseChpasswdInput(
  input: string,
  isKnownUser: (user: string) => boolean,
): Result<PasswordChange[], string[]> {
  const changes: PasswordChange[] = [];
  const problems: string[] = [];
  const lines = input.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') return;
    const n = index + 1;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push(`chpasswd: line ${n}: missing new password`);
      return;
    }
    const user = line.slice(0, colon);
    const password = line.slice(colon + 1);
    if (!isKnownUser(user)) problems.push(`chpasswd: line ${n}: user '${user}' does not exist`);
    else if (password === '')
      problems.push(`chpasswd: line ${n}: empty password for user '${user}'`);
    else changes.push({ user, password });
  });
  if (problems.length > 0) return err(problems);
  if (changes.length === 0) return err(['chpasswd: no user:password lines on standard input']);
  return ok(changes);
}

/** True for the command lines this simulator treats as chpasswd (`chpasswd`, `sudo chpasswd`). */
export function isChpasswdCommand(words: readonly string[]): boolean {
  const [first, second, third] = words;
  return (
    (first === 'chpasswd' && second === undefined) ||
    (first === 'sudo' && second === 'chpasswd' && third === undefined)
  );
}
