import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblems } from '../result.js';
import { parseItToOtSsh, parseOtToItSsh } from './ssh-channel.js';

test('valid SSH channel messages parse both ways', () => {
  for (const m of [
    {
      type: 'ssh.pty',
      term: 'xterm-256color',
      cols: 80,
      rows: 24,
      width: 0,
      height: 0,
      modes: { ECHO: 1 },
    },
    { type: 'ssh.start', kind: 'shell' },
    { type: 'ssh.start', kind: 'exec', command: 'uptime' },
    { type: 'ssh.start', kind: 'subsystem', name: 'sftp' },
    { type: 'ssh.window', cols: 120, rows: 40, width: 0, height: 0 },
    { type: 'ssh.signal', name: 'INT' },
    { type: 'ssh.eof' },
  ])
    assert.ok(parseItToOtSsh(m).ok, JSON.stringify(m));
  for (const m of [
    { type: 'ssh.started' },
    { type: 'ssh.refused', code: 'ssh.host_key_mismatch', message: 'the target host key changed' },
    { type: 'ssh.stderr', data: Buffer.from('oops').toString('base64') },
    { type: 'ssh.exit', status: 3 },
    { type: 'ssh.exit', signal: 'TERM', coreDumped: false, message: '' },
  ])
    assert.ok(parseOtToItSsh(m).ok, JSON.stringify(m));
});

test('invalid SSH channel messages are refused with the field named', () => {
  const cases: [unknown, RegExp][] = [
    [{ type: 'ssh.start', kind: 'subsystem', name: 'netconf' }, /name/],
    [{ type: 'ssh.start', kind: 'exec' }, /command/],
    [{ type: 'ssh.signal', name: 'STOP' }, /name/],
    [{ type: 'ssh.pty', term: 'x y', cols: 1, rows: 1, width: 0, height: 0 }, /term/],
    [{ type: 'ssh.window', cols: -1, rows: 1, width: 0, height: 0 }, /cols/],
    [{ type: 'ssh.eof', extra: 1 }, /extra: unknown key/],
    [{ type: 'x11-req' }, /type/],
  ];
  for (const [m, expected] of cases) {
    const r = parseItToOtSsh(m);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(formatProblems(r.error), expected);
  }
  assert.equal(parseOtToItSsh({ type: 'ssh.exit', status: 256 }).ok, false);
});
