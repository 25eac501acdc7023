/**
 * Turns zod issues into Problems that name the key and what was expected, so a bad config value,
 * HTTP body field or link message field is reported the same way everywhere.
 */
import type { z } from 'zod';
import type { Problem } from '../result.js';

export function pathToString(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): Problem[] {
  const problems: Problem[] = [];
  const join = (p: string): string => (prefix === '' ? p : p === '' ? prefix : `${prefix}.${p}`);
  for (const issue of issues) {
    const path = pathToString(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ path: join(path === '' ? key : `${path}.${key}`), message: 'unknown key' });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Report the branch with the fewest issues: it is the one the input was closest to.
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      problems.push(
        ...formatIssues(best, prefix).map((p) => ({
          ...p,
          path: p.path === '' ? join(path) : p.path,
        })),
      );
      continue;
    }
    problems.push({ path: join(path), message: issue.message });
  }
  return problems;
}

/** Parses `input` with `schema`, returning typed value or Problems; never throws on bad input. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix = '',
): { ok: true; value: z.output<S> } | { ok: false; error: Problem[] } {
  const r = schema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, error: formatIssues(r.error.issues, prefix) };
}
