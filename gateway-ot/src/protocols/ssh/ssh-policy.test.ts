/**
 * Patterns in the SSH profiles of the local policy (interactive rules, exec globs) run on the
 * linear-time engine: a pattern that backtracks exponentially in V8 answers at once, and what the
 * engine cannot run is refused when the policy is loaded, with the rule and the part named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWith } from '../../../../shared/src/config/format-issues.js';
import { formatProblems } from '../../../../shared/src/result.js';
import { decideExec } from './filter/exec-allow-list.js';
import { decideLine } from './filter/line-rules.js';
import { sshProfileSchema } from './ssh-policy.js';

test(
  'an interactive rule that backtracks exponentially in V8 decides at once',
  { timeout: 10_000 },
  () => {
    // V8 needs about 2^5000 steps for this command against this rule.
    const hostile = `${'a'.repeat(5_000)}!`;
    const rules = [
      { pattern: '^(a+)+$', action: 'allow' as const },
      { pattern: '^(\\w+\\s?)*$', action: 'allow' as const },
    ];
    const d = decideLine(hostile, rules, 'deny');
    assert.equal(d.action, 'deny');
    assert.equal(d.rule, -1);
    assert.equal(decideLine('a'.repeat(5_000), rules, 'deny').action, 'allow');
  },
);

test('an exec glob with many stars costs no more than one', { timeout: 10_000 }, () => {
  const glob = `${'*a'.repeat(40)}b`;
  const arg = 'a'.repeat(4_000);
  assert.equal(decideExec(`cat ${arg}`, [['cat', glob]]).decision, 'deny');
  assert.equal(decideExec(`cat ${arg}b`, [['cat', glob]]).decision, 'allow');
});

test('rule patterns the linear engine cannot run are refused at load, naming the rule and the part', () => {
  const cases: [string, RegExp][] = [
    [
      '^(?!ls)',
      /rules\[0\]\.pattern: expected a regular expression: lookahead `\(\?!` is not supported/,
    ],
    ['^(rm)\\s+\\1', /rules\[0\]\.pattern: .*backreference `\\1` is not supported/],
    ['^(rm', /rules\[0\]\.pattern: .*missing closing \)/],
  ];
  for (const [pattern, message] of cases) {
    const r = parseWith(sshProfileSchema, {
      mode: 'interactive',
      rules: [{ pattern, action: 'deny' }],
    });
    assert.equal(r.ok, false, pattern);
    if (!r.ok) assert.match(formatProblems(r.error), message);
  }
  const fine = parseWith(sshProfileSchema, {
    mode: 'interactive',
    rules: [{ pattern: '^(rm|dd|mkfs)\\b', action: 'deny' }],
  });
  assert.ok(fine.ok);
});
