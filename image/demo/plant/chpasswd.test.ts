import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChpasswdCommand, parseChpasswdInput } from './chpasswd.js';

const known = (u: string): boolean => u === 'operator' || u === 'rotator';

test(
  'chpasswd input: user:password lines, CRLF and colons in passwords',
  { timeout: 5_000 },
  () => {
    const parsed = parseChpasswdInput('operator:a:b:c\r\n\nrotator:x\n', known);
    assert.deepEqual(parsed, {
      ok: true,
      value: [
        { user: 'operator', password: 'a:b:c' },
        { user: 'rotator', password: 'x' },
      ],
    });
  },
);

test(
  'chpasswd input: any bad line rejects all, and no message shows a password',
  { timeout: 5_000 },
  () => {
    const parsed = parseChpasswdInput('operator:s3cret\nnobody:hidden\nrotator:\nbroken\n', known);
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.deepEqual(parsed.error, [
      "chpasswd: line 2: user 'nobody' does not exist",
      "chpasswd: line 3: empty password for user 'rotator'",
      'chpasswd: line 4: missing new password',
    ]);
    assert.ok(
      !parsed.error.join('\n').includes('s3cret') && !parsed.error.join('\n').includes('hidden'),
    );
    assert.equal(parseChpasswdInput('\n', known).ok, false);
  },
);

test('chpasswd command lines', { timeout: 5_000 }, () => {
  assert.equal(isChpasswdCommand(['chpasswd']), true);
  assert.equal(isChpasswdCommand(['sudo', 'chpasswd']), true);
  assert.equal(isChpasswdCommand(['chpasswd', '-e']), false);
  assert.equal(isChpasswdCommand(['sudo']), false);
});
