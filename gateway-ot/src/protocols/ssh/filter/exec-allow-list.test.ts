import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideExec } from './exec-allow-list.js';
import { quoteShellWords, splitShellWords } from './shell-words.js';

const ALLOW = [
  ['systemctl', 'status', '*'],
  ['cat', '/var/log/hmi/*.log'],
  ['journalctl', '-u', 'hmi', '**'],
  ['uptime'],
];

test('exec-only decisions: the command as argv against the allow-list', () => {
  const cases: [string, 'allow' | 'deny', string?][] = [
    ['uptime', 'allow', 'uptime'],
    ['  uptime  ', 'allow', 'uptime'],
    ["systemctl status 'hmi.service'", 'allow', 'systemctl status hmi.service'],
    ['systemctl "status" hmi\\.service', 'allow', 'systemctl status hmi.service'],
    ['cat /var/log/hmi/app.log', 'allow', 'cat /var/log/hmi/app.log'],
    ['journalctl -u hmi --since today', 'allow', 'journalctl -u hmi --since today'],
    ["journalctl -u hmi 'it''s' \"a b\"", 'allow', "journalctl -u hmi its 'a b'"],
    ['cat /var/log/hmi/../../../etc/shadow.log', 'deny'],
    ['cat /var/log/hmi/sub/app.log', 'deny'],
    ['journalctl -u hmi --file ../x', 'deny'],
    ['uptime; rm -rf /', 'deny'],
    ['uptime && id', 'deny'],
    ['uptime | tee x', 'deny'],
    ['uptime > /etc/motd', 'deny'],
    ['systemctl status $(id)', 'deny'],
    ['systemctl status "$HOME"', 'deny'],
    ['systemctl status `id`', 'deny'],
    ['systemctl status hmi\nid', 'deny'],
    ['systemctl status *', 'deny'],
    ['systemctl stop hmi', 'deny'],
    ['systemctl status', 'deny'],
    ['uptime # comment', 'deny'],
    ["uptime 'unterminated", 'deny'],
    ['', 'deny'],
    ['id', 'deny'],
  ];
  for (const [command, expected, runs] of cases) {
    const d = decideExec(command, ALLOW);
    assert.equal(d.decision, expected, command);
    if (d.decision === 'allow') assert.equal(d.command, runs, command);
  }
  assert.equal(decideExec('uptime', []).decision, 'deny', 'an empty list allows nothing');
});

test('quoting round-trips through the splitter', () => {
  for (const argv of [
    ['a b', "it's", '', 'x;y', '$HOME', '-n'],
    ['printf', '%s\\n', 'ü'],
  ]) {
    const back = splitShellWords(quoteShellWords(argv));
    assert.ok(back.ok);
    assert.deepEqual(back.value, argv);
  }
});
