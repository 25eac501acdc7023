import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { describeConfig, envHelpLines, keyTable } from './config-reference.js';

const schema = z.strictObject({
  dataDir: z.string().min(1).describe('Where data lives.'),
  http: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(8443).describe('HTTPS port.'),
      mode: z.enum(['a', 'b']).optional().describe('A mode.'),
    })
    .prefault({})
    .describe('The listener.'),
  hooks: z
    .record(
      z.string(),
      z.discriminatedUnion('type', [
        z.strictObject({
          type: z.literal('x').describe('Kind x.'),
          url: z.url().describe('Where.'),
        }),
        z.strictObject({
          type: z.literal('y').describe('Kind y.'),
          url: z.url().describe('Where.'),
        }),
      ]),
    )
    .default({})
    .describe('Hooks by name.'),
  tags: z
    .array(z.strictObject({ name: z.string().describe('A tag.') }))
    .default([])
    .describe('Tags.'),
  ratio: z.number().min(0.5).max(2).describe('A ratio.').default(1),
});

test('each key: dotted path, type with bounds, default, environment name, meaning', () => {
  const keys = describeConfig(schema, 'X_');
  assert.deepEqual(
    keys.map((k) => [k.path, k.type, k.defaultValue, k.required, k.env, k.description]),
    [
      ['dataDir', 'string', undefined, true, 'X_DATA_DIR', 'Where data lives.'],
      ['http', 'object', undefined, false, undefined, 'The listener.'],
      ['http.port', 'integer 0..65535', '8443', false, 'X_HTTP_PORT', 'HTTPS port.'],
      ['http.mode', '"a" | "b"', undefined, false, 'X_HTTP_MODE', 'A mode.'],
      ['hooks', 'map of name → object', '{}', false, 'X_HOOKS', 'Hooks by name.'],
      // The two variants' `type` merged; inside a map the environment reaches only the whole map.
      ['hooks.<name>.type', '"x" or "y"', undefined, true, undefined, 'Kind x. Or: Kind y.'],
      ['hooks.<name>.url', 'URL', undefined, true, undefined, 'Where.'],
      ['tags', 'list of object', '[]', false, 'X_TAGS', 'Tags.'],
      ['tags[].name', 'string', undefined, true, undefined, 'A tag.'],
      // A description given before .default() is found under it.
      ['ratio', 'number 0.5..2', '1', false, 'X_RATIO', 'A ratio.'],
    ],
  );
});

test('the table escapes pipes; the help lines give type, default and meaning', () => {
  const table = keyTable(describeConfig(schema, 'X_'));
  assert.match(
    table,
    /\| `http\.mode` \| "a" \\\| "b" \| \(absent\) \| `X_HTTP_MODE` \| A mode\. \|/,
  );
  assert.match(table, /\| \*\*`http`\*\* \| section \| {2}\| {2}\| The listener\. \|/);
  assert.match(table, /\| `dataDir` \| string \| \*\*required\*\* \|/);
  const help = envHelpLines(schema, 'X_');
  assert.equal(
    help[1],
    'X_HTTP_PORT -> http.port (integer 0..65535, default 8443)\n      HTTPS port.',
  );
  assert.equal(help.length, 6);
});
