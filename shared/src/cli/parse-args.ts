/**
 * Command-line parsing for the gateways' CLIs over node:util parseArgs (strict: unknown options
 * are errors). Returns a Result so main.ts can print the problem and exit 2, the usual code for
 * usage errors.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { err, ok, type Result } from '../result.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedCommand<O extends OptionSpec> {
  readonly values: ReturnType<
    typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
  >['values'];
  readonly positionals: string[];
}

export function parseCommand<O extends OptionSpec>(
  argv: readonly string[],
  options: O,
): Result<ParsedCommand<O>, string> {
  try {
    const r = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return ok({ values: r.values, positionals: r.positionals });
  } catch (e) {
    return err((e as Error).message);
  }
}
