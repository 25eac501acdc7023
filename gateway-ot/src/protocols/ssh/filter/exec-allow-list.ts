/**
 * The exec-only tier: an exec command is split into argv (shell-words.ts) and allowed only if some
 * pattern of the profile's allow-list matches it. A pattern is a list of argument globs: `*` and
 * `?` match within one argument and never across "/", and a last element `**` matches any number of
 * further arguments. An argument matched by a wildcard may not contain a `..` path segment, so
 * `/var/log/hmi/*` cannot be walked out of. Literal elements match exactly. Fail closed: an empty
 * list allows nothing.
 */
import { linearRegex, type LinearRegex } from '../../../../../shared/src/text/linear-regex.js';
import { quoteShellWords, splitShellWords } from './shell-words.js';

export type ExecDecision =
  | {
      readonly decision: 'allow';
      readonly argv: readonly string[];
      readonly command: string;
      readonly rule: number;
    }
  | { readonly decision: 'deny'; readonly reason: string; readonly argv?: readonly string[] };

export function decideExec(
  command: string,
  allowList: readonly (readonly string[])[],
): ExecDecision {
  const split = splitShellWords(command);
  if (!split.ok) return { decision: 'deny', reason: `not a simple command: ${split.error}` };
  const argv = split.value;
  for (const [i, pattern] of allowList.entries()) {
    if (matchesArgv(pattern, argv))
      return { decision: 'allow', argv, command: quoteShellWords(argv), rule: i };
  }
  return {
    decision: 'deny',
    reason: `"${argv[0] ?? ''}" with these arguments is not on this profile's allow-list`,
    argv,
  };
}

function matchesArgv(pattern: readonly string[], argv: readonly string[]): boolean {
  const rest = pattern[pattern.length - 1] === '**';
  const fixed = rest ? pattern.slice(0, -1) : pattern;
  if (rest ? argv.length < fixed.length : argv.length !== fixed.length) return false;
  for (const [i, p] of fixed.entries()) {
    if (!matchesArg(p, argv[i] ?? '')) return false;
  }
  if (rest && argv.slice(fixed.length).some(hasDotDot)) return false;
  return true;
}

function matchesArg(pattern: string, arg: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === arg;
  if (hasDotDot(arg)) return false;
  return globToRegExp(pattern).test(arg);
}

function hasDotDot(arg: string): boolean {
  return arg.split('/').includes('..');
}

function globToRegExp(glob: string): LinearRegex {
  let re = '^';
  for (const ch of glob) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return linearRegex(`${re}$`, { dotAll: true });
}
