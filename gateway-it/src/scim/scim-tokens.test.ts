import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { loadScimTokens } from './scim-tokens.js';

const providerWith = (scimTokenFile?: string) =>
  ({ ...(scimTokenFile === undefined ? {} : { scimTokenFile }) }) as never;

test('SCIM tokens: each provider by its own token, nothing else; short or open files stop the start', (t) => {
  const dir = makeTempDir(t, 'airlock-scim-tokens-');
  const file = (name: string, text: string, mode = 0o600): string => {
    const p = join(dir, name);
    writeFileSync(p, text, { mode });
    chmodSync(p, mode);
    return p;
  };
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(48);
  const tokens = loadScimTokens({
    providers: {
      corp: providerWith(file('corp', `${a}\n`)),
      other: providerWith(file('other', b)),
      plain: providerWith(),
    },
  });
  assert.deepEqual(tokens.providers, ['corp', 'other']);
  assert.equal(tokens.providerOf(`Bearer ${a}`), 'corp');
  assert.equal(tokens.providerOf(`bearer ${b}`), 'other');
  for (const h of [
    undefined,
    '',
    a,
    `Basic ${a}`,
    `Bearer ${a}x`,
    `Bearer ${a.slice(1)}`,
    'Bearer ',
  ])
    assert.equal(tokens.providerOf(h), undefined, String(h));

  assert.throws(
    () => loadScimTokens({ providers: { corp: providerWith(file('short', 'too-short')) } }),
    /fewer than 32 characters/,
  );
  assert.throws(
    () => loadScimTokens({ providers: { corp: providerWith(file('open', a, 0o644)) } }),
    /chmod 600/,
  );
});
