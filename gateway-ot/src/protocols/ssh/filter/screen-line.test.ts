import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScreenLine } from './screen-line.js';

function after(...chunks: string[]): string | undefined {
  const s = new ScreenLine();
  for (const c of chunks) s.feed(c);
  return s.redraw();
}

test('the prompt and the echoed keys are the line; the cursor stays at the end', () => {
  assert.equal(after('motd\r\n', 'user@hmi:~$ ', 's', 'u', 'do reboot'), 'user@hmi:~$ sudo reboot');
});

test('window titles and colours are not drawn; a sequence cut between chunks is completed', () => {
  assert.equal(after('\x1b]0;user@hmi: ~\x07\x1b[01;32muser\x1b[00m$ ', 'ls'), 'user$ ls');
  assert.equal(after('$ \x1b', '[1;3', '2mls'), '$ ls');
});

test("readline's editing: backspace-erase, cursor moves, delete and insert at the cursor", () => {
  // `sudo x`, then Left Left Left: the cursor is after `sud`.
  assert.equal(after('$ sudo x\b\b\b'), '$ sudo x\r$ sud');
  assert.equal(after('$ abc\b \b'), '$ ab \r$ ab');
  assert.equal(after('$ abcd\x1b[2D\x1b[K'), '$ ab');
  assert.equal(after('$ abcd\x1b[3D\x1b[P'), '$ acd\r$ a');
  assert.equal(after('$ acd\x1b[2D\x1b[1@b'), '$ abcd\r$ ab');
  assert.equal(after('$ xyz\r\x1b[K$ '), '$ ');
});

test('a move to another line or the alternate screen makes the line unknown until the next newline', () => {
  assert.equal(after('$ long\x1b[A'), undefined);
  assert.equal(after('\x1b[?1049h', 'text'), undefined);
  assert.equal(after('$ long\x1b[A', 'output\r\n', '$ '), '$ ');
});

test('memory stays bounded: a runaway line is unknown, a runaway sequence is dropped', () => {
  assert.equal(after('x'.repeat(5000)), undefined);
  assert.equal(after(`\x1b]${'t'.repeat(10_000)}`, '$ '), '$ ');
});
