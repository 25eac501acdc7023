/**
 * Rules of the interactive tier, applied to one reconstructed command line. The line is cut into
 * the commands a shell would run (shell-reader.ts: at unquoted `;`, `&`, `|`, `&&`, `||`, newlines,
 * and the insides of `$(...)`, backquotes and here-documents), each command is unquoted (`'r'm` is
 * `rm`), and each is checked against
 * the ordered rules: the first rule whose pattern matches decides for that command, the profile's
 * default decides when none does. The line gets the strictest outcome of its commands
 * (deny > review > alert > allow). A best-effort reading of shell syntax, not a shell: see
 * docs/ssh-command-filter.md for what it cannot see.
 */
import { linearRegex } from '../../../../../shared/src/text/linear-regex.js';
import { readShell } from './shell-reader.js';

export const LINE_ACTIONS = ['allow', 'deny', 'review', 'alert'] as const;
export type LineAction = (typeof LINE_ACTIONS)[number];

export interface LineRule {
  /** A JavaScript regular expression, tested against each unquoted command of the line. */
  readonly pattern: string;
  readonly action: LineAction;
  /** Told to the operator when the rule refuses a line. */
  readonly reason?: string | undefined;
}

export interface LineDecision {
  readonly action: LineAction;
  /** Index of the deciding rule, or -1 for the profile default. */
  readonly rule: number;
  /** The command (of the line) that decided. */
  readonly command: string;
  readonly reason: string;
}

const SEVERITY: Record<LineAction, number> = { allow: 0, alert: 1, review: 2, deny: 3 };

export function decideLine(
  line: string,
  rules: readonly LineRule[],
  defaultAction: LineAction,
): LineDecision {
  const commands = readShell(line).commands;
  let worst: LineDecision | undefined;
  for (const command of commands) {
    let d: LineDecision = {
      action: defaultAction,
      rule: -1,
      command,
      reason: `"${command}" matches no rule of this profile`,
    };
    for (const [i, r] of rules.entries()) {
      if (linearRegex(r.pattern).test(command)) {
        d = {
          action: r.action,
          rule: i,
          command,
          reason: r.reason ?? `"${command}" matches rule ${i + 1} (${r.action})`,
        };
        break;
      }
    }
    if (worst === undefined || SEVERITY[d.action] > SEVERITY[worst.action]) worst = d;
  }
  return worst ?? { action: 'allow', rule: -1, command: '', reason: 'empty line' };
}
