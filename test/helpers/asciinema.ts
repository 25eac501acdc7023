/**
 * Plays a recording with the real asciinema player (Debian's asciinema 2.2): `asciinema cat` prints
 * the recorded output. It insists on a terminal (/dev/tty), so it runs under util-linux `script`,
 * which gives it a pty; its stdin is /dev/null so it never waits for keys.
 */
import { execFileSync } from 'node:child_process';

export function asciinemaCat(file: string): string {
  if (!/^[\w./-]+$/.test(file)) throw new Error(`unexpected characters in recording path ${file}`);
  return execFileSync('/usr/bin/script', ['-qec', `/usr/bin/asciinema cat ${file}`, '/dev/null'], {
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
