/**
 * Splits an exec command into argv the way a POSIX shell would for a *simple* command, and quotes
 * argv back into a command line. Anything that would make the shell do more than run one program
 * with literal arguments (`;`, `&`, `|`, redirections, `$` expansions, backquotes, subshells,
 * comments, newlines) is refused instead of interpreted: exec-only mode allows only what it can
 * state as argv. The broker sends the target the re-quoted argv, not the operator's text, so what
 * runs is exactly what was checked (for a POSIX-style login shell on the target).
 */
import { err, ok, type Result } from '../../../../../shared/src/result.js';

const UNQUOTED_META = new Set([';', '&', '|', '<', '>', '(', ')', '$', '`', '\n', '\r']);
const MAX_ARGS = 256;

export function splitShellWords(command: string): Result<string[], string> {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const n = command.length;
  while (i < n) {
    const c = command[i] ?? '';
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
      continue;
    }
    if (c === '#' && !inWord) return err('"#" starts a shell comment; quote it');
    if (UNQUOTED_META.has(c))
      return err(
        `"${printable(c)}" is shell syntax; exec-only runs one program with literal arguments`,
      );
    if (c === '*' || c === '?' || c === '[')
      return err(`"${c}" would be expanded by the shell; quote it`);
    inWord = true;
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) return err('unterminated single quote');
      word += command.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= n) return err('unterminated double quote');
        const d = command[i] ?? '';
        if (d === '"') {
          i++;
          break;
        }
        if (d === '$' || d === '`')
          return err(`"${d}" inside double quotes is expanded by the shell`);
        if (d === '\\' && i + 1 < n && '"\\$`'.includes(command[i + 1] ?? '')) {
          word += command[i + 1];
          i += 2;
        } else if (d === '\\' && command[i + 1] === '\n') {
          return err('line continuation is not allowed');
        } else {
          word += d;
          i++;
        }
      }
    } else if (c === '\\') {
      if (i + 1 >= n) return err('trailing backslash');
      const e = command[i + 1] ?? '';
      if (e === '\n') return err('line continuation is not allowed');
      word += e;
      i += 2;
    } else {
      if (c === '~' && word === '')
        return err('"~" at the start of a word is expanded by the shell; quote it');
      if (c.charCodeAt(0) < 0x20 || c === '\x7f')
        return err(`control character ${printable(c)} in the command`);
      word += c;
      i++;
    }
    if (words.length >= MAX_ARGS) return err(`more than ${MAX_ARGS} arguments`);
  }
  if (inWord) words.push(word);
  if (words.length === 0) return err('empty command');
  return ok(words);
}

/** One argument per word, single-quoted unless it is made only of characters no shell treats specially. */
export function quoteShellWords(argv: readonly string[]): string {
  return argv
    .map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}

function printable(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : c;
}
