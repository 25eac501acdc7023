/**
 * The reference of a config file, read from its zod schema: every key with its type, default,
 * environment variable and meaning (the schema's `.describe()` text). docs/config.md and each
 * gateway's `run --help` are generated from it, so they cannot drift from what the loader accepts.
 *
 * Guarantees: every key the schema accepts is listed, in schema order, nested sections as dotted
 * paths; keys under a map (`record`) appear as `<name>`, under a list as `key[]`. The environment name
 * is the one load-config.ts accepts (leaves outside maps and lists). Not guaranteed: refinements that
 * tie keys together ("certFile and keyFile must be given together") are not listed; only bounds of
 * plain numbers and strings are.
 */
import { z } from 'zod';
import { envNameFor } from './load-config.js';

export interface KeyDoc {
  /** `http.port`, `itsm.connectors.<name>.url` */
  readonly path: string;
  readonly type: string;
  /** JSON of the default, or undefined when the key is required or simply absent by default. */
  readonly defaultValue: string | undefined;
  readonly required: boolean;
  /** The environment variable that overrides the key, if one does. */
  readonly env: string | undefined;
  readonly description: string | undefined;
  /** A section (an object of further keys) rather than a value. */
  readonly isSection: boolean;
}

interface Unwrapped {
  readonly inner: z.ZodType;
  readonly description: string | undefined;
  readonly defaultValue: unknown;
  readonly hasDefault: boolean;
  readonly optional: boolean;
}

/** Looks through default, prefault, optional and nullable, gathering what they say. */
function unwrap(schema: z.ZodType): Unwrapped {
  let s: z.ZodType = schema;
  let description = s.description;
  let defaultValue: unknown;
  let hasDefault = false;
  let optional = false;
  for (let i = 0; i < 10; i++) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault) {
      if (!hasDefault) {
        defaultValue = (s._zod.def as { defaultValue: unknown }).defaultValue;
        hasDefault = true;
      }
    } else if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) {
      optional = true;
    } else break;
    s = s.unwrap() as z.ZodType;
    description ??= s.description;
  }
  return { inner: s, description, defaultValue, hasDefault, optional };
}

function bounds(min: number | null | undefined, max: number | null | undefined): string {
  const lo = min === null || min === undefined || !Number.isFinite(min) ? undefined : min;
  const hi = max === null || max === undefined || !Number.isFinite(max) ? undefined : max;
  if (lo === undefined && hi === undefined) return '';
  if (hi === undefined || hi >= Number.MAX_SAFE_INTEGER) return lo === undefined ? '' : ` ≥ ${lo}`;
  return lo === undefined ? ` ≤ ${hi}` : ` ${lo}..${hi}`;
}

/** A short type for a person: `integer 1..65535`, `"cef" | "json"`, `list of string`. */
export function typeOf(schema: z.ZodType): string {
  const s = unwrap(schema).inner;
  if (s instanceof z.ZodNumber) {
    const isInt = s.format === 'safeint' || s.format === 'int32' || s.format === 'uint32';
    // .positive() is an exclusive lower bound: "> 0", not "≥ 0".
    const checks = (s._zod.def.checks ?? []) as unknown as {
      _zod: { def: { check?: string; inclusive?: boolean } };
    }[];
    const exclusiveMin = checks.some(
      (c) => c._zod.def.check === 'greater_than' && c._zod.def.inclusive === false,
    );
    const b = bounds(s.minValue, s.maxValue);
    return `${isInt ? 'integer' : 'number'}${exclusiveMin ? b.replace(' ≥ ', ' > ') : b}`;
  }
  if (s instanceof z.ZodURL) return 'URL';
  if (s instanceof z.ZodString) {
    const b = bounds(s.minLength, s.maxLength);
    return b === '' || b === ' ≥ 1' ? 'string' : `string (length${b})`;
  }
  if (s instanceof z.ZodBoolean) return 'boolean';
  if (s instanceof z.ZodEnum) return s.options.map((o) => JSON.stringify(o)).join(' | ');
  if (s instanceof z.ZodLiteral) return [...s.values].map((v) => JSON.stringify(v)).join(' | ');
  if (s instanceof z.ZodArray) return `list of ${typeOf(s.element as z.ZodType)}`;
  if (s instanceof z.ZodRecord) return `map of name → ${typeOf(s.valueType as z.ZodType)}`;
  if (s instanceof z.ZodUnion)
    return (s.options as z.ZodType[])
      .map((o) => typeOf(o))
      .filter((t, i, all) => all.indexOf(t) === i)
      .join(' or ');
  if (s instanceof z.ZodObject) return 'object';
  return 'JSON value';
}

/** Every key of `schema` (an object schema), depth first in schema order. */
export function describeConfig(schema: z.ZodType, envPrefix: string): KeyDoc[] {
  const out: KeyDoc[] = [];
  const walk = (node: z.ZodType, path: readonly string[], envAllowed: boolean): void => {
    const u = unwrap(node);
    const s = u.inner;
    if (s instanceof z.ZodObject) {
      for (const [key, child] of Object.entries(s.shape as Record<string, z.ZodType>)) {
        const cu = unwrap(child);
        const childPath = [...path, key];
        const isSection = cu.inner instanceof z.ZodObject;
        out.push({
          path: childPath.join('.'),
          type: typeOf(child),
          defaultValue: cu.hasDefault && !isSection ? JSON.stringify(cu.defaultValue) : undefined,
          required: !cu.hasDefault && !cu.optional,
          env: envAllowed && !isSection ? envNameFor(envPrefix, childPath) : undefined,
          description: cu.description,
          isSection,
        });
        walk(child, childPath, envAllowed);
      }
      return;
    }
    // Inside maps and lists the environment cannot reach single keys (the whole value is JSON).
    if (s instanceof z.ZodRecord) walk(s.valueType as z.ZodType, [...path, '<name>'], false);
    else if (s instanceof z.ZodArray)
      walk(
        s.element as z.ZodType,
        [...path.slice(0, -1), `${path[path.length - 1] ?? ''}[]`],
        false,
      );
    else if (s instanceof z.ZodUnion)
      for (const o of s.options as z.ZodType[]) walk(o, path, false);
  };
  walk(schema, [], true);
  // A union (e.g. an ITSM connector's `type`) lists its shared keys once per variant: merge them,
  // each distinct type and meaning once, in order.
  const byPath = new Map<string, KeyDoc>();
  for (const k of out) {
    const first = byPath.get(k.path);
    if (first === undefined) {
      byPath.set(k.path, k);
      continue;
    }
    const join = (a: string | undefined, b: string | undefined, sep: string): string | undefined =>
      a === undefined || b === undefined || a === b ? (a ?? b) : `${a}${sep}${b}`;
    byPath.set(k.path, {
      ...first,
      type: join(first.type, k.type, ' or ') ?? first.type,
      description: join(first.description, k.description, ' Or: '),
    });
  }
  return [...byPath.values()];
}

/** Words of `text` in lines of at most `width` columns, each indented by `indent` spaces. */
function wrap(text: string, indent: number, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines.map((l) => `${' '.repeat(indent)}${l}`).join('\n');
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The markdown table of a config file's keys. */
export function keyTable(keys: readonly KeyDoc[]): string {
  const rows = keys.map((k) => {
    const def = k.isSection
      ? ''
      : k.defaultValue !== undefined
        ? `\`${k.defaultValue}\``
        : k.required
          ? '**required**'
          : '(absent)';
    const env = k.env === undefined ? '' : `\`${k.env}\``;
    return `| ${k.isSection ? `**\`${k.path}\`**` : `\`${k.path}\``} | ${cell(k.isSection ? 'section' : k.type)} | ${def} | ${env} | ${cell(k.description ?? '')} |`;
  });
  return [
    '| key | type | default | environment | meaning |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/**
 * For `run --help`, one entry per environment variable, its meaning on a second line:
 * `AIRLOCK_IT_HTTP_PORT -> http.port (integer 0..65535, default 8443)` / `      HTTPS port ...`.
 */
export function envHelpLines(schema: z.ZodType, envPrefix: string): string[] {
  return describeConfig(schema, envPrefix)
    .filter((k) => k.env !== undefined)
    .map((k) => {
      const facts = [k.type, k.defaultValue === undefined ? undefined : `default ${k.defaultValue}`]
        .filter((f) => f !== undefined)
        .join(', ');
      return `${k.env ?? ''} -> ${k.path} (${facts})${k.description === undefined ? '' : `\n${wrap(k.description, 6, 100)}`}`;
    });
}
