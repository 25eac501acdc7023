import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineEditor, type EditorEvent } from './line-editor.js';

const cases: { name: string; input: string[]; events: EditorEvent[] }[] = [
  {
    name: 'echoes and ends a line on CR',
    input: ['ls\r'],
    events: [
      { kind: 'echo', text: 'ls' },
      { kind: 'line', text: 'ls' },
    ],
  },
  {
    name: 'LF ends a line too, CRLF counts once',
    input: ['a\r\nb\n'],
    events: [
      { kind: 'echo', text: 'a' },
      { kind: 'line', text: 'a' },
      { kind: 'echo', text: 'b' },
      { kind: 'line', text: 'b' },
    ],
  },
  {
    name: 'CRLF split across chunks counts once',
    input: ['a\r', '\n'],
    events: [
      { kind: 'echo', text: 'a' },
      { kind: 'line', text: 'a' },
    ],
  },
  {
    name: 'backspace erases one character, not past the start',
    input: ['ab\x7f\x7f\x7fc\r'],
    events: [
      { kind: 'echo', text: 'ab\b \b\b \bc' },
      { kind: 'line', text: 'c' },
    ],
  },
  {
    name: 'Ctrl-C drops the line',
    input: ['rm\x03ok\r'],
    events: [
      { kind: 'echo', text: 'rm' },
      { kind: 'interrupt' },
      { kind: 'echo', text: 'ok' },
      { kind: 'line', text: 'ok' },
    ],
  },
  {
    name: 'Ctrl-D ends input on an empty line only',
    input: ['x\x04\x7f\x04'],
    events: [{ kind: 'echo', text: 'x\b \b' }, { kind: 'eof' }],
  },
  {
    name: 'cursor keys are swallowed',
    input: ['a\x1b[A\x1b[1;5Cb\r'],
    events: [
      { kind: 'echo', text: 'ab' },
      { kind: 'line', text: 'ab' },
    ],
  },
  {
    name: 'an escape sequence split across chunks is swallowed',
    input: ['a\x1b', '[', 'Db\r'],
    events: [
      { kind: 'echo', text: 'a' },
      { kind: 'echo', text: 'b' },
      { kind: 'line', text: 'ab' },
    ],
  },
  {
    name: 'Ctrl-U erases the whole line',
    input: ['abc\x15d\r'],
    events: [
      { kind: 'echo', text: 'abc\b \b\b \b\b \bd' },
      { kind: 'line', text: 'd' },
    ],
  },
  {
    name: 'multi-byte characters count as one for backspace',
    input: ['é\x7f\r'],
    events: [
      { kind: 'echo', text: 'é\b \b' },
      { kind: 'line', text: '' },
    ],
  },
];

for (const c of cases) {
  test(`line editor: ${c.name}`, { timeout: 5_000 }, () => {
    const editor = new LineEditor();
    assert.deepEqual(
      c.input.flatMap((chunk) => editor.feed(chunk)),
      c.events,
    );
  });
}
