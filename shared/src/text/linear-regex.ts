/**
 * Regular expressions that come from configuration, policy or a user (a site's ticket format, the
 * SSH command filter's rules, globs of allow-lists) are run by a linear-time engine, never by
 * V8's backtracking one: re2js, a pure-JavaScript port of RE2 (no native build). Matching costs
 * O(pattern × input) whatever the pattern, so a pattern like `(a+)+$` cannot hold the event loop
 * (V8 took 2.6 s for 30 characters of input; see test/bench/linear-regex.bench.ts).
 *
 * Guarantees: compiling never throws on a bad pattern; it returns the problem in words naming the
 * offending part (`missing closing ]: \`[\``). What RE2 cannot run in linear time is refused, not
 * emulated: backreferences (`\1`, `\k<n>`), lookahead and lookbehind. RE2 also refuses repeat
 * counts above 1000 and programs past its size limit, so compiling is bounded too.
 * Syntax: RE2's (https://github.com/google/re2/wiki/Syntax), which for everyday patterns is
 * JavaScript's: `^ $ . [] () | * + ? {n,m} \b \d \s \w (?i)`. `.` does not match a newline unless
 * `dotAll`; `^` and `$` match at the ends of the input only; characters are Unicode code points
 * (like JavaScript's `u` flag). `\uXXXX` is written `\x{XXXX}`.
 * Not guaranteed: the exact semantics of JavaScript in corner cases (`\s` is ASCII whitespace in
 * RE2; `\b` is ASCII word boundaries, as in JavaScript without the `u` flag).
 */
import { RE2JS, RE2JSException, RE2JSSyntaxException } from 're2js';
import { AirlockError } from '../errors.js';
import { err, ok, type Result } from '../result.js';

export interface LinearRegex {
  /** The pattern as given. */
  readonly source: string;
  /** Which engine runs it: always the linear one (tests assert this, not a time). */
  readonly engine: 're2';
  /** Whether the pattern matches somewhere in `input` (as RegExp.prototype.test). */
  test(input: string): boolean;
  /** Whether the pattern matches all of `input`. */
  matchesWhole(input: string): boolean;
}

export interface LinearRegexOptions {
  /** `.` matches a newline too (JavaScript's `s` flag). */
  readonly dotAll?: boolean;
}

/** JavaScript constructs RE2 refuses; named here because RE2's own words for some are misleading. */
const UNSUPPORTED: readonly { readonly re: RegExp; readonly what: string }[] = [
  { re: /\(\?<[=!]/, what: 'lookbehind' },
  { re: /\(\?[=!]/, what: 'lookahead' },
  { re: /\\(?:[1-9]|k<)/, what: 'backreference' },
];

/**
 * Compiles `pattern` for the linear-time engine. The error is one sentence for the person who
 * wrote the pattern, e.g. "lookahead `(?=` is not supported (patterns must run in linear time)".
 */
export function compileLinearRegex(
  pattern: string,
  options: LinearRegexOptions = {},
): Result<LinearRegex, string> {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern, options.dotAll === true ? RE2JS.DOTALL : 0);
  } catch (e) {
    return err(describeSyntaxError(pattern, e));
  }
  return ok({
    source: pattern,
    engine: 're2',
    test: (input) => compiled.test(input),
    matchesWhole: (input) => compiled.testExact(input),
  });
}

function describeSyntaxError(pattern: string, e: unknown): string {
  // The scan below runs on the pattern (at most a few hundred characters, set by an admin or an
  // OT owner), not on user input, and each of its expressions is a plain literal: no backtracking.
  for (const u of UNSUPPORTED) {
    const m = u.re.exec(pattern);
    if (m !== null)
      return `${u.what} \`${m[0]}\` is not supported (patterns must run in linear time)`;
  }
  if (e instanceof RE2JSSyntaxException) {
    const part = e.getPattern();
    return part === null || part === '' ? e.getDescription() : `${e.getDescription()}: \`${part}\``;
  }
  if (e instanceof RE2JSException) return e.message;
  throw e;
}

const MAX_CACHED = 1024;
const cache = new Map<string, LinearRegex>();

/**
 * For a pattern already checked where it was loaded (a policy file's schema): compiled once, then
 * kept (the most recent MAX_CACHED patterns). Throws `regex.invalid` naming the problem if it does
 * not compile, which a checked pattern never does.
 */
export function linearRegex(pattern: string, options: LinearRegexOptions = {}): LinearRegex {
  const key = `${options.dotAll === true ? 's' : '-'}${pattern}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const r = compileLinearRegex(pattern, options);
  if (!r.ok) throw new AirlockError('internal', 'regex.invalid', `pattern ${pattern}: ${r.error}`);
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value ?? '');
  cache.set(key, r.value);
  return r.value;
}

/** The problem with `pattern` for the linear-time engine, or undefined when it compiles. */
export function linearRegexProblem(
  pattern: string,
  options: LinearRegexOptions = {},
): string | undefined {
  const r = compileLinearRegex(pattern, options);
  return r.ok ? undefined : r.error;
}
