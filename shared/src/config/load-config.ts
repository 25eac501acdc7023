/**
 * Config = one JSON file plus environment overrides, validated against a strict zod schema.
 * Guarantees: every problem is reported at once, each naming the key (and the environment
 * variable, when the value came from one) and what was expected; an unknown key in the file or an
 * unknown `<PREFIX>...` environment variable is an error, never silently ignored. The environment is
 * passed in (main.ts reads process.env; nothing else does).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { err, ok, type Problem, type Result } from '../result.js';
import { formatIssues, pathToString } from './format-issues.js';

export interface ConfigSource {
  /** Path of the JSON file; undefined means "defaults and environment only". */
  readonly file?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** e.g. `AIRLOCK_IT_`: env var AIRLOCK_IT_HTTP_PORT overrides key http.port. */
  readonly envPrefix: string;
}

type LeafKind = 'string' | 'number' | 'boolean' | 'json';
interface Leaf {
  readonly path: readonly string[];
  readonly kind: LeafKind;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (let i = 0; i < 10; i++) {
    if (
      s instanceof z.ZodDefault ||
      s instanceof z.ZodOptional ||
      s instanceof z.ZodNullable ||
      s instanceof z.ZodPrefault
    ) {
      s = s.unwrap() as z.ZodType;
    } else break;
  }
  return s;
}

function leaves(schema: z.ZodType, path: readonly string[] = []): Leaf[] {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) {
    return Object.entries(s.shape as Record<string, z.ZodType>).flatMap(([k, v]) =>
      leaves(v, [...path, k]),
    );
  }
  let kind: LeafKind = 'json';
  if (s instanceof z.ZodString || s instanceof z.ZodEnum || s instanceof z.ZodLiteral)
    kind = 'string';
  else if (s instanceof z.ZodNumber) kind = 'number';
  else if (s instanceof z.ZodBoolean) kind = 'boolean';
  return [{ path, kind }];
}

export function envNameFor(prefix: string, path: readonly string[]): string {
  return (
    prefix + path.map((seg) => seg.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')
  );
}

function coerce(kind: LeafKind, raw: string): unknown {
  switch (kind) {
    case 'string':
      return raw;
    case 'number': {
      const n = Number(raw);
      return raw.trim() === '' || Number.isNaN(n) ? raw : n;
    }
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'json':
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
    default: {
      const never: never = kind;
      return never;
    }
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[seg] = {};
    node = node[seg] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

/** Environment variable names this schema accepts, for `--help` text. */
export function listEnvOverrides(schema: z.ZodType, prefix: string): string[] {
  return leaves(schema).map((l) => `${envNameFor(prefix, l.path)} -> ${l.path.join('.')}`);
}

export function loadConfig<S extends z.ZodType>(
  schema: S,
  source: ConfigSource,
): Result<z.output<S>, Problem[]> {
  let raw: unknown = {};
  if (source.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(source.file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      return err([{ path: '', message: `cannot read config file ${source.file} (${code})` }]);
    }
    try {
      raw = JSON.parse(text) as unknown;
    } catch (e) {
      return err([
        {
          path: '',
          message: `config file ${source.file} is not valid JSON: ${(e as Error).message}`,
        },
      ]);
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      return err([{ path: '', message: `config file ${source.file} must hold a JSON object` }]);
    }
  }

  const problems: Problem[] = [];
  const fromEnv = new Map<string, string>();
  const byName = new Map(
    leaves(schema).map((l) => [envNameFor(source.envPrefix, l.path), l] as const),
  );
  const merged = structuredClone(raw) as Record<string, unknown>;
  for (const [name, value] of Object.entries(source.env ?? {})) {
    if (!name.startsWith(source.envPrefix) || value === undefined) continue;
    const leaf = byName.get(name);
    if (leaf === undefined) {
      problems.push({
        path: name,
        message: 'unknown environment override (no config key has this name)',
      });
      continue;
    }
    setPath(merged, leaf.path, coerce(leaf.kind, value));
    fromEnv.set(leaf.path.join('.'), name);
  }

  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    for (const p of formatIssues(parsed.error.issues)) {
      const envName = fromEnv.get(p.path);
      problems.push(
        envName === undefined
          ? p
          : { path: p.path, message: `${p.message} (from environment ${envName})` },
      );
    }
  }
  if (problems.length > 0) return err(problems);
  if (!parsed.success) return err([{ path: '', message: 'invalid config' }]);
  return ok(parsed.data);
}

export { pathToString };
