/**
 * What every administrative verb of `airlock-it` is given by main.ts: the program name, the config
 * loader (a usage error names each invalid key), the acting operator for the audit log, and a way to
 * run against a gateway built from the config (stopped again afterwards, whatever happens).
 */
import { UsageError } from '../../../shared/src/cli/run-cli.js';
import { freeTextProblem } from '../../../shared/src/text/free-text.js';
import type { ItConfig } from '../config/config.js';
import type { ItGateway } from '../app.js';

export interface ItCliContext {
  readonly program: string;
  configFrom(file: string | undefined): ItConfig;
  /** `cli:<login name>`, the actor of the audit events the verbs write. */
  readonly actor: string;
  withGateway<T>(config: ItConfig, fn: (gw: ItGateway) => T | Promise<T>): Promise<T>;
}

/**
 * A free-text option (a display name, a company) as typed, or a usage error naming the option:
 * the CLI is a boundary like the API (shared/src/text/free-text.ts; docs/access.md "Free text").
 */
export function freeTextOption(flag: string, value: string | undefined): string | undefined {
  const problem = value === undefined ? undefined : freeTextProblem(value, 'line');
  if (problem !== undefined) throw new UsageError(`--${flag}: ${problem}`);
  return value;
}
