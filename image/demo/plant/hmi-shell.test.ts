import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createHmiHost,
  createShellSession,
  formatDate,
  promptFor,
  runCommandLine,
  splitWords,
} from './hmi-shell.js';

const NOW = Date.UTC(2026, 0, 1, 6, 0, 0);

function setup() {
  const host = createHmiHost('hmi-1', ['operator'], () => NOW);
  const session = createShellSession('operator');
  const run = (line: string) => runCommandLine(line, host, session);
  return { host, session, run };
}

test('splitWords: quotes group, backslash escapes', { timeout: 5_000 }, () => {
  assert.deepEqual(splitWords(`echo  "a b" 'c "d"' e\\ f ""`), ['echo', 'a b', 'c "d"', 'e f', '']);
  assert.deepEqual(splitWords('   '), []);
});

test('basic commands and exit statuses', { timeout: 5_000 }, () => {
  const { run } = setup();
  assert.deepEqual(run('whoami'), { stdout: 'operator\n', stderr: '', exitCode: 0, isExit: false });
  assert.equal(run('hostname').stdout, 'hmi-1\n');
  assert.equal(run('echo hello   world').stdout, 'hello world\n');
  assert.equal(run('date').stdout, 'Thu Jan  1 06:00:00 UTC 2026\n');
  assert.match(run('uptime').stdout, /^ 06:00:00 up 3 days,  2:14,  1 user/);
  assert.deepEqual(run('frob x'), {
    stdout: '',
    stderr: 'frob: command not found\n',
    exitCode: 127,
    isExit: false,
  });
  assert.deepEqual(run('exit'), { stdout: '', stderr: '', exitCode: 0, isExit: true });
  assert.equal(run('exit 3').exitCode, 3);
  assert.equal(run('exit 257').exitCode, 1);
  assert.equal(run('exit x').exitCode, 2);
  assert.equal(run('').exitCode, 0);
  assert.match(run('help').stdout, /systemctl restart hmi/);
  assert.match(run('status').stdout, /^LINE1 +state=RUNNING/);
});

test('files: ls, cat, cd and the prompt', { timeout: 5_000 }, () => {
  const { host, session, run } = setup();
  assert.equal(promptFor(host, session), 'operator@hmi-1:~$ ');
  assert.equal(run('ls').stdout, 'notes.txt  recipes\n');
  assert.equal(run('ls recipes').stdout, 'batch-a.csv  batch-b.csv\n');
  assert.match(run('cat recipes/batch-a.csv').stdout, /^step,setpoint_c,duration_s\n/);
  assert.match(run('cat /etc/hmi.conf').stdout, /^station=hmi-1$/m);
  assert.deepEqual(run('cat /etc/shadow'), {
    stdout: '',
    stderr: 'cat: /etc/shadow: No such file or directory\n',
    exitCode: 1,
    isExit: false,
  });
  assert.equal(run('cat /etc').stderr, 'cat: /etc: Is a directory\n');
  assert.equal(run('ls /nope').exitCode, 2);
  assert.equal(run('cd recipes').exitCode, 0);
  assert.equal(promptFor(host, session), 'operator@hmi-1:~/recipes$ ');
  assert.equal(run('pwd').stdout, '/home/operator/recipes\n');
  assert.equal(run('cd /var/log').exitCode, 0);
  assert.equal(promptFor(host, session), 'operator@hmi-1:/var/log$ ');
  assert.equal(run('cd hmi.log').stderr, 'cd: hmi.log: Not a directory\n');
  run('cd');
  assert.equal(session.cwd, '/home/operator');
});

test(
  'systemctl restart hmi prints and logs the restart for every session',
  { timeout: 5_000 },
  () => {
    const { host, run } = setup();
    assert.equal(
      run('systemctl restart hmi').stdout,
      'Restarting hmi.service (HMI runtime)... done.\n',
    );
    const other = createShellSession('operator');
    assert.match(
      runCommandLine('cat /var/log/hmi.log', host, other).stdout,
      /2026-01-01T06:00:00Z INFO hmi runtime restarted by request\n$/,
    );
    assert.equal(run('systemctl restart sshd').exitCode, 5);
    assert.match(run('systemctl status hmi.service').stdout, /Active: active \(running\)/);
  },
);

test('terminal commands depend on the pty', { timeout: 5_000 }, () => {
  const { session, run } = setup();
  assert.equal(run('tty').exitCode, 1);
  session.hasPty = true;
  session.rows = 40;
  session.cols = 132;
  assert.equal(run('stty size').stdout, '40 132\n');
  assert.equal(formatDate(Date.UTC(2026, 10, 24, 14, 5, 9)), 'Tue Nov 24 14:05:09 UTC 2026');
});
