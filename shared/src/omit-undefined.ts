/**
 * Optional properties under `exactOptionalPropertyTypes`: an optional key may be absent, but not
 * present with the value `undefined`. `omitUndefined({ a, b: x?.y })` keeps only the keys whose
 * value is defined, so possibly-undefined values pass into an options type without a conditional
 * spread per key. Keys whose type cannot be undefined stay required in the result's type.
 */
type MaybeUndefinedKeys<T> = {
  [K in keyof T]-?: undefined extends T[K] ? K : never;
}[keyof T];

export type WithoutUndefined<T> = {
  [K in Exclude<keyof T, MaybeUndefinedKeys<T>>]: T[K];
} & {
  [K in MaybeUndefinedKeys<T>]?: Exclude<T[K], undefined>;
};

export function omitUndefined<T extends object>(values: T): WithoutUndefined<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) out[key] = value;
  return out as WithoutUndefined<T>;
}

/** `f(value)` when the value is defined, else `undefined`: an optional value mapped, for `omitUndefined`. */
export function ifDefined<T, R>(value: T | undefined, f: (value: T) => R): R | undefined {
  return value === undefined ? undefined : f(value);
}
