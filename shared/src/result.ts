/**
 * `Result` is what parsers and validators return at every boundary (config, HTTP bodies, link
 * frames, protocol frames, policy files): bad input is a value, not an exception.
 */
export type Result<T, E = Problem[]> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/** One thing wrong with an input: where (a dotted path, or '' for the whole) and what. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => (p.path === '' ? p.message : `${p.path}: ${p.message}`)).join('; ');
}
