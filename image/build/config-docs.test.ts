/**
 * docs/config.md cannot drift from the schemas: it must be exactly what `npm run docs:config`
 * writes; every key of both configs carries a meaning; the example files it shows load; and the
 * environment names it and `run --help` give are the ones the loader accepts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describeConfig } from '../../shared/src/config/config-reference.js';
import { listEnvOverrides } from '../../shared/src/config/load-config.js';
import { IT_ENV_PREFIX, itConfigSchema } from '../../gateway-it/src/config/config.js';
import { OT_ENV_PREFIX, otConfigSchema } from '../../gateway-ot/src/config/config.js';
import { CONFIG_DOC, EXAMPLES, IT_FULL_EXAMPLE, renderConfigDocs } from './config-docs.js';

const SCHEMAS = [
  ['it', itConfigSchema, IT_ENV_PREFIX],
  ['ot', otConfigSchema, OT_ENV_PREFIX],
] as const;

test('docs/config.md is what the generator writes (run `npm run docs:config` after a schema change)', async () => {
  const expected = await renderConfigDocs();
  const actual = readFileSync(CONFIG_DOC, 'utf8');
  if (actual !== expected) {
    const a = actual.split('\n');
    const e = expected.split('\n');
    const line = e.findIndex((l, i) => l !== a[i]);
    assert.fail(
      `docs/config.md is stale: run npm run docs:config (first difference at line ${line + 1}:\n  file:      ${a[line] ?? '(end)'}\n  generated: ${e[line] ?? '(end)'})`,
    );
  }
});

test('every config key says what it means (.describe() in its schema)', () => {
  for (const [name, schema, prefix] of SCHEMAS) {
    const missing = describeConfig(schema, prefix)
      .filter((k) => k.description === undefined || k.description.trim() === '')
      .map((k) => k.path);
    assert.deepEqual(missing, [], `${name} config keys without .describe(): ${missing.join(', ')}`);
  }
});

test('the example files shown in docs/config.md load as they are', () => {
  const it = itConfigSchema.safeParse(JSON.parse(readFileSync(EXAMPLES.it, 'utf8')));
  assert.ok(it.success, JSON.stringify(it.error?.issues));
  const full = itConfigSchema.safeParse(IT_FULL_EXAMPLE);
  assert.ok(full.success, JSON.stringify(full.error?.issues));
  const ot = otConfigSchema.safeParse(JSON.parse(readFileSync(EXAMPLES.ot, 'utf8')));
  assert.ok(ot.success, JSON.stringify(ot.error?.issues));
});

test('the environment variables documented are exactly those the loader accepts', () => {
  for (const [, schema, prefix] of SCHEMAS) {
    const documented = describeConfig(schema, prefix)
      .map((k) => k.env)
      .filter((e) => e !== undefined);
    const accepted = listEnvOverrides(schema, prefix).map((l) => l.split(' ')[0]);
    assert.deepEqual(documented, accepted);
  }
});
