/**
 * Every string of every request body (API JSON and portal forms) is judged as free text here,
 * before its schema sees it: the one place control characters and bidirectional overrides are
 * refused at the HTTP boundary (rules in shared/src/text/free-text.ts). A field is one-line
 * text unless it is listed as multi-line (a reason or a comment, where a line break means
 * something) or as a secret (passwords are never shown, and refusing a character in one would
 * only lock its owner out). Deny by default: a new field is one-line text until it is listed.
 */
import type { Problem } from '../../../shared/src/result.js';
import { freeTextProblem, type TextKind } from '../../../shared/src/text/free-text.js';

/** Fields whose text may span lines (a pasted OpenSSH key may end with one). */
const MULTILINE: ReadonlySet<string> = new Set(['reason', 'comment', 'justification', 'publicKey']);
/** Fields that are not shown text: passwords. */
const SECRET: ReadonlySet<string> = new Set(['password', 'currentPassword', 'newPassword']);

function kindOf(key: string): TextKind | 'secret' {
  if (SECRET.has(key)) return 'secret';
  return MULTILINE.has(key) ? 'multiline' : 'line';
}

/** The problems of every string in a parsed body (JSON value or form fields), with their paths. */
export function bodyTextProblems(raw: unknown): Problem[] {
  const problems: Problem[] = [];
  const walk = (v: unknown, path: string, key: string): void => {
    if (typeof v === 'string') {
      const kind = kindOf(key);
      if (kind === 'secret') return;
      const problem = freeTextProblem(v, kind);
      if (problem !== undefined) problems.push({ path, message: problem });
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`, key));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        // A key is text the client chose too (an unknown key is refused by the schema, by name).
        const keyProblem = freeTextProblem(k, 'line');
        if (keyProblem !== undefined)
          problems.push({ path: path === '' ? '(key)' : path, message: keyProblem });
        else walk(x, path === '' ? k : `${path}.${k}`, k);
      }
    }
  };
  walk(raw, '', '');
  return problems;
}
