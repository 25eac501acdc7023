import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileLinearRegex, linearRegexProblem } from './linear-regex.js';

function compiled(pattern: string, dotAll = false) {
  const r = compileLinearRegex(pattern, { dotAll });
  assert.ok(r.ok, `expected ${pattern} to compile`);
  return r.value;
}

test(
  'catastrophic patterns run on the linear engine and answer correctly',
  { timeout: 10_000 },
  () => {
    // V8 needs about 2^n steps for these inputs: n = 100,000 would never finish there.
    const hostile = `${'a'.repeat(100_000)}!`;
    for (const p of ['(a+)+$', '(a|a)*$', '(a*)*b', '^(?:(a+)+)$', '(\\w+\\s?)*$']) {
      const re = compiled(p);
      assert.equal(re.engine, 're2');
      assert.equal(re.matchesWhole(hostile), false, p);
    }
    assert.equal(compiled('(a+)+$').test(`${'a'.repeat(29)}!`), false);
    assert.equal(compiled('(a+)+$').test('xaaa'), true);
  },
);

test('everyday JavaScript syntax means what it means in JavaScript', () => {
  assert.equal(compiled('^(rm|dd|mkfs)\\b').test('rm -rf /'), true);
  assert.equal(compiled('^(rm|dd|mkfs)\\b').test('rmdir x'), false);
  assert.equal(compiled('CHG-[0-9]{4}').matchesWhole('CHG-1234'), true);
  assert.equal(compiled('CHG-[0-9]{4}').matchesWhole('CHG-12345'), false);
  assert.equal(compiled('^cat /etc/shadow').test('cat /etc/shadow'), true);
  assert.equal(compiled('(?i)^chg-\\d+$').test('CHG-7'), true);
  assert.equal(compiled('\\s').test('a b'), true);
  assert.equal(compiled('(?<name>x)y').test('xy'), true);
  // `$` is the end of the input (no multiline), `.` stops at a newline unless dotAll.
  assert.equal(compiled('^a$').test('a\nb'), false);
  assert.equal(compiled('a.b').test('a\nb'), false);
  assert.equal(compiled('a.b', true).test('a\nb'), true);
  // Code points, as with JavaScript's `u` flag.
  assert.equal(compiled('^.$').matchesWhole('😀'), true);
});

test('what cannot run in linear time, and bad syntax, are refused with the part named', () => {
  const cases: [string, RegExp][] = [
    ['([', /missing closing \]/],
    ['(?=a)b', /lookahead `\(\?=` is not supported/],
    ['(?!a)b', /lookahead `\(\?!` is not supported/],
    ['a(?<=b)', /lookbehind `\(\?<=` is not supported/],
    ['(?<!a)b', /lookbehind `\(\?<!` is not supported/],
    ['(a)\\1', /backreference `\\1` is not supported/],
    ['(?<n>a)\\k<n>', /backreference `\\k<` is not supported/],
    ['a{2,1}', /invalid repeat count: `\{2,1\}`/],
    ['a{1001}', /invalid repeat count/],
    ['\\u00e9', /invalid escape sequence: `\\u`/],
  ];
  for (const [pattern, message] of cases) {
    const problem = linearRegexProblem(pattern);
    assert.ok(problem !== undefined, `${pattern} should be refused`);
    assert.match(problem, message, pattern);
  }
  assert.equal(linearRegexProblem('CHG-[0-9]+'), undefined);
});
