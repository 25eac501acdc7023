/**
 * PATCH (RFC 7644 3.5.2) applied to a resource as plain JSON: `add`, `replace` and `remove`, with a
 * path of `attr`, `attr.sub`, `attr[sub eq "v"]` or `attr[sub eq "v"].sub` (an optional schema
 * URN prefix), or no path with an object of attributes. Op names and attribute names are matched
 * case-insensitively (Entra ID sends "Replace"). The result is checked afterwards by the same
 * schema as a PUT body, so a patch can never store what a replace could not. Returns an error
 * naming the operation for a bad path or target; never throws on input.
 */
import type { Result } from '../../../shared/src/result.js';
import type { ScimType } from './scim-errors.js';

export type Json = Record<string, unknown>;

export interface PatchOperation {
  readonly op: string;
  readonly path?: string | undefined;
  readonly value?: unknown;
}

export interface PatchError {
  readonly scimType: ScimType;
  readonly message: string;
}

export interface PatchShape {
  /** Top-level attribute names as the resource spells them. */
  readonly attributes: readonly string[];
  /** Those that are multi-valued (arrays of objects). */
  readonly multiValued: readonly string[];
}

interface ParsedPath {
  readonly attr: string;
  readonly filter?: { readonly sub: string; readonly value: string };
  readonly sub?: string;
}

const PATH =
  /^(?:urn:ietf:params:scim:schemas:core:2\.0:(?:User|Group):)?([A-Za-z][\w-]*)(?:\[\s*([A-Za-z][\w-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*\])?(?:\.([A-Za-z][\w-]*))?$/i;

function parsePath(path: string, shape: PatchShape): Result<ParsedPath, PatchError> {
  const m = PATH.exec(path.trim());
  const attr = shape.attributes.find((a) => a.toLowerCase() === m?.[1]?.toLowerCase());
  if (m === null || attr === undefined)
    return { ok: false, error: { scimType: 'invalidPath', message: `unknown path "${path}"` } };
  const filter = m[2] === undefined || m[3] === undefined ? undefined : { sub: m[2], value: m[3] };
  if (filter !== undefined && !shape.multiValued.includes(attr))
    return {
      ok: false,
      error: { scimType: 'invalidPath', message: `${attr} is not multi-valued: no filter` },
    };
  return {
    ok: true,
    value: {
      attr,
      ...(filter === undefined ? {} : { filter }),
      ...(m[4] === undefined ? {} : { sub: m[4] }),
    },
  };
}

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const matches = (item: unknown, f: { sub: string; value: string }): boolean =>
  isObject(item) &&
  Object.entries(item).some(
    ([k, v]) => k.toLowerCase() === f.sub.toLowerCase() && String(v) === f.value,
  );

/** Applies `ops` in order to a copy of `resource`. */
export function applyPatch(
  resource: Json,
  ops: readonly PatchOperation[],
  shape: PatchShape,
): Result<Json, PatchError> {
  let out: Json = structuredClone(resource);
  for (const [i, raw] of ops.entries()) {
    const op = raw.op.toLowerCase();
    if (op !== 'add' && op !== 'replace' && op !== 'remove')
      return fail('invalidValue', `operation ${i + 1}: op must be add, replace or remove`);
    const r =
      raw.path === undefined || raw.path === ''
        ? applyWithoutPath(out, op, raw.value, shape, i)
        : applyAtPath(out, op, raw.path, raw.value, shape, i);
    if (!r.ok) return r;
    out = r.value;
  }
  return { ok: true, value: out };
}

function fail(scimType: ScimType, message: string): { ok: false; error: PatchError } {
  return { ok: false, error: { scimType, message } };
}

function applyWithoutPath(
  res: Json,
  op: string,
  value: unknown,
  shape: PatchShape,
  i: number,
): Result<Json, PatchError> {
  if (op === 'remove') return fail('noTarget', `operation ${i + 1}: remove needs a path`);
  if (!isObject(value))
    return fail('invalidValue', `operation ${i + 1}: without a path the value must be an object`);
  let out = res;
  for (const [k, v] of Object.entries(value)) {
    // Each key is a path of its own ("name.givenName" as Entra ID sends it, or "active").
    const r = applyAtPath(out, op, k, v, shape, i);
    if (!r.ok) return r;
    out = r.value;
  }
  return { ok: true, value: out };
}

function applyAtPath(
  res: Json,
  op: string,
  path: string,
  value: unknown,
  shape: PatchShape,
  i: number,
): Result<Json, PatchError> {
  const parsed = parsePath(path, shape);
  if (!parsed.ok) return fail(parsed.error.scimType, `operation ${i + 1}: ${parsed.error.message}`);
  const { attr, filter, sub } = parsed.value;
  const out = { ...res };
  if (shape.multiValued.includes(attr)) {
    const items = Array.isArray(out[attr]) ? [...(out[attr] as unknown[])] : [];
    if (filter !== undefined) {
      const hit = items.filter((it) => matches(it, filter));
      if (op === 'remove') {
        if (hit.length === 0)
          return fail('noTarget', `operation ${i + 1}: nothing matches ${path}`);
        out[attr] =
          sub === undefined
            ? items.filter((it) => !hit.includes(it))
            : items.map((it) => (hit.includes(it) ? omitKey(it as Json, sub) : it));
        return { ok: true, value: out };
      }
      if (hit.length === 0) {
        // Replacing `emails[type eq "work"].value` when there is none adds it (what clients mean).
        if (sub === undefined && !isObject(value))
          return fail('noTarget', `operation ${i + 1}: nothing matches ${path}`);
        const fresh = sub === undefined ? { ...(value as Json) } : { [sub]: value };
        out[attr] = [...items, { [filter.sub]: filter.value, ...fresh }];
        return { ok: true, value: out };
      }
      out[attr] = items.map((it) =>
        !hit.includes(it)
          ? it
          : sub === undefined
            ? isObject(value)
              ? { ...(it as Json), ...value }
              : value
            : { ...(it as Json), [sub]: value },
      );
      return { ok: true, value: out };
    }
    if (sub !== undefined)
      return fail('invalidPath', `operation ${i + 1}: ${attr}.${sub} needs a filter`);
    const given = value === undefined ? [] : Array.isArray(value) ? value : [value];
    if (op === 'add')
      out[attr] = [...items, ...given.filter((g) => !items.some((it) => same(it, g)))];
    else if (op === 'replace') out[attr] = given;
    // remove: the listed values (Entra ID's members removal), or all when none are listed.
    else
      out[attr] = given.length === 0 ? [] : items.filter((it) => !given.some((g) => same(it, g)));
    return { ok: true, value: out };
  }
  if (sub !== undefined) {
    const inner = isObject(out[attr]) ? { ...(out[attr] as Json) } : {};
    if (op === 'remove') delete inner[sub];
    else inner[sub] = value;
    out[attr] = inner;
    return { ok: true, value: out };
  }
  if (op === 'remove') delete out[attr];
  else
    out[attr] =
      isObject(value) && isObject(out[attr]) && op === 'add'
        ? { ...(out[attr] as Json), ...value }
        : value;
  return { ok: true, value: out };
}

/** Two values of a multi-valued attribute are the same when their `value` is. */
function same(a: unknown, b: unknown): boolean {
  if (isObject(a) && isObject(b) && 'value' in a && 'value' in b) return a.value === b.value;
  return JSON.stringify(a) === JSON.stringify(b);
}

function omitKey(o: Json, key: string): Json {
  const copy = { ...o };
  delete copy[key];
  return copy;
}
