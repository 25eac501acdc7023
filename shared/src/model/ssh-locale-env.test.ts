import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLocaleEnvName, isLocaleValue, localeEnvSchema } from './ssh-locale-env.js';

test('locale values: names a stock client sends pass, anything that could carry more does not', () => {
  for (const ok of [
    'C',
    'POSIX',
    'C.UTF-8',
    'en_US.UTF-8',
    'de_DE.ISO-8859-15',
    'sr_RS@latin',
    'fr_FR.utf8',
    'ast_ES.UTF-8',
  ])
    assert.ok(isLocaleValue(ok), ok);
  for (const bad of [
    '',
    'en_US.UTF-8;id',
    '$(id)',
    'en US',
    '../../etc',
    'en_US.UTF-8\n',
    'x'.repeat(60),
    'EN_us',
    'en_US:en',
  ])
    assert.ok(!isLocaleValue(bad), bad);
});

test('locale names: LANG and LC_*, not LANGUAGE, PATH or LD_PRELOAD', () => {
  for (const ok of ['LANG', 'LC_ALL', 'LC_CTYPE', 'LC_TIME']) assert.ok(isLocaleEnvName(ok), ok);
  for (const bad of ['LANGUAGE', 'PATH', 'LD_PRELOAD', 'LC_FOO', 'lang'])
    assert.ok(!isLocaleEnvName(bad), bad);
});

test('the link schema takes only allowed names with locale values', () => {
  assert.ok(localeEnvSchema.safeParse({ LANG: 'C.UTF-8', LC_TIME: 'en_GB.UTF-8' }).success);
  assert.ok(!localeEnvSchema.safeParse({ PATH: '/tmp' }).success);
  assert.ok(!localeEnvSchema.safeParse({ LANG: 'C.UTF-8 ; id' }).success);
});
