/**
 * Rules of the interactive tier, applied to one reconstructed command line. The line is cut into
 * the commands a shell would run (at unquoted `;`, `&`, `|`, `&&`, `||`, newlines, and the insides
 * of `$(...)` and backquotes), each command is unquoted (`'r'm` is `rm`), and each is checked against
 * the ordered rules: the first rule whose pattern matches decides for that command, the profile's
 * default decides when none does. The line gets the strictest outcome of its commands
 * (deny > review > alert > allow). A best-effort reading of shell syntax, not a shell: see
 * docs/ssh-command-filter.md for what it cannot see.
 */
import { linearRegex } from '../../../../../shared/src/text/linear-regex.js';

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

/** Cuts a line into commands, unquoted. Unbalanced quotes keep the rest as one command. */
export function splitCommands(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: "'" | '"' | undefined;
  const push = (): void => {
    const t = cur.trim();
    if (t.length > 0) out.push(t);
    cur = '';
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    const arithmetic = quote !== "'" && line.startsWith('$((', i) ? arithmeticEnd(line, i + 3) : -1;
    // Arithmetic expansion is a value, not a command: kept as text up to its closing `))`, unless
    // it holds a command substitution (then it is cut like any other `$(`).
    if (arithmetic > 0 && !/\$\(|`/.test(line.slice(i + 3, arithmetic))) {
      cur += line.slice(i, arithmetic);
      i = arithmetic - 1;
      continue;
    }
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
      continue;
    }
    if (c === '\\' && i + 1 < line.length) {
      cur += line[i + 1];
      i++;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '`' || (c === '$' && line[i + 1] === '(')) {
        push();
        if (c === '$') i++;
      } else cur += c;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (
      c === ';' ||
      c === '&' ||
      c === '|' ||
      c === '\n' ||
      c === '\r' ||
      c === '(' ||
      c === ')' ||
      c === '`' ||
      c === '{' ||
      c === '}'
    )
      push();
    else if (c === '$' && line[i + 1] === '(') {
      push();
      i++;
    } else cur += c;
  }
  push();
  return out;
}

/** Index just after the `))` closing an arithmetic expansion whose body starts at `from` (or the end). */
function arithmeticEnd(line: string, from: number): number {
  let depth = 0;
  for (let i = from; i < line.length; i++) {
    const c = line[i];
    if (c === '(') depth++;
    else if (c === ')') {
      if (depth > 0) depth--;
      else return line[i + 1] === ')' ? i + 2 : i + 1;
    }
  }
  return line.length;
}

export function decideLine(
  line: string,
  rules: readonly LineRule[],
  defaultAction: LineAction,
): LineDecision {
  const commands = splitCommands(line);
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
