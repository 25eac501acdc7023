import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freeTextProblem, hasUnsafeText, neutraliseText } from './free-text.js';

test('one-line text refuses C0, DEL, C1, line breaks and bidi overrides, naming the character', () => {
  const refused: [string, RegExp][] = [
    ['a\u0000b', /U\+0000 \(NUL\) at character 2/],
    ['\u001b[31mred', /U\+001B \(ESC\) at character 1/],
    ['a\rb', /U\+000D \(CR\)/],
    ['a\nb', /U\+000A \(LF\)/],
    ['a\tb', /U\+0009 \(TAB\)/],
    ['a\u007fb', /U\+007F \(DEL\)/],
    ['a\u009bb', /U\+009B \(CSI\)/],
    ['a\u0085b', /U\+0085 \(a control character\)/],
    ['abc\u202Etxt.exe', /U\+202E \(a bidirectional override\) at character 4/],
    ['\u2066x\u2069', /U\+2066/],
    ['a\u2028b', /U\+2028 \(LINE SEPARATOR\)/],
  ];
  for (const [text, message] of refused) {
    const p = freeTextProblem(text, 'line');
    assert.ok(p !== undefined, JSON.stringify(text));
    assert.match(p, message, JSON.stringify(text));
    assert.equal(hasUnsafeText(text, 'line'), true);
  }
});

test('multi-line text keeps TAB, LF and CR LF, refuses a lone CR and everything else', () => {
  for (const ok of ['line one\nline two', 'a\r\nb', 'col\tcol', 'Grüße, 東京, émoji 🙂'])
    assert.equal(freeTextProblem(ok, 'multiline'), undefined, JSON.stringify(ok));
  assert.match(freeTextProblem('ok\rhidden', 'multiline') ?? '', /U\+000D \(CR\) at character 3/);
  assert.match(freeTextProblem('a\n\u001b]0;x', 'multiline') ?? '', /ESC/);
  assert.match(freeTextProblem('a\u202Eb', 'multiline') ?? '', /U\+202E/);
  assert.equal(freeTextProblem('Plant Berlin (Halle 2) – Süd', 'line'), undefined);
});

test('the first offending character is named, whichever rule finds it', () => {
  assert.match(freeTextProblem('a\nb\u0000', 'line') ?? '', /LF\) at character 2/);
  assert.match(freeTextProblem('a\u0000b\n', 'line') ?? '', /NUL\) at character 2/);
});

test('neutralising replaces exactly the refused characters with U+FFFD', () => {
  assert.equal(neutraliseText('\u001b[31mred\u202E', 'line'), '\uFFFD[31mred\uFFFD');
  assert.equal(neutraliseText('a\r\nb\rc\u0000', 'multiline'), 'a\r\nb\uFFFDc\uFFFD');
  assert.equal(neutraliseText('a\nb', 'line'), 'a\uFFFDb');
  const plain = 'nothing to do';
  assert.equal(neutraliseText(plain, 'line'), plain);
});
