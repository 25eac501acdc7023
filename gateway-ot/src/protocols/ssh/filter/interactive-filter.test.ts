/**
 * The interactive filter's table: keys as an operator's terminal sends them, and what reaches the
 * target (Enter, or Ctrl-E Ctrl-U instead: the line is cleared). The same table is in docs/ssh-command-filter.md, including
 * the lines this mode cannot catch (marked "not caught").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../../shared/src/clock.js';
import type { ReviewDecision } from '../../../sessions/sessions.js';
import { InteractiveFilter, type FilterAuditAction } from './interactive-filter.js';
import type { LineAction, LineRule } from './line-rules.js';
import type { LineDiscipline } from './line-editor.js';

const RULES: LineRule[] = [
  { pattern: '^(rm|dd|mkfs|shutdown|reboot)\\b', action: 'deny', reason: 'destructive' },
  { pattern: '^systemctl (restart|stop)\\b', action: 'review' },
  { pattern: '^cat /etc/shadow', action: 'alert' },
  { pattern: '^(echo|ls|id|cat|systemctl status|cd|true)\\b', action: 'allow' },
];

type Outcome = 'runs' | 'refused' | 'runs after review' | 'refused after review';

interface Run {
  outcome: Outcome;
  forwarded: string;
  audits: { action: FilterAuditAction; details: Record<string, unknown> }[];
  notices: string[];
  recorded: string;
  reviewed: (string | null)[];
}

async function type(
  keys: readonly string[],
  opts: {
    defaultAction?: LineAction;
    uncertain?: 'review' | 'deny';
    review?: ReviewDecision | 'never';
    output?: string;
    lineDiscipline?: LineDiscipline;
  } = {},
): Promise<Run> {
  const clock = new FakeClock();
  const run: Run = {
    outcome: 'runs',
    forwarded: '',
    audits: [],
    notices: [],
    recorded: '',
    reviewed: [],
  };
  const f = new InteractiveFilter({
    rules: RULES,
    defaultAction: opts.defaultAction ?? 'deny',
    uncertain: opts.uncertain ?? 'review',
    reviewTimeoutMs: 60_000,
    lineDiscipline: opts.lineDiscipline ?? 'readline',
    clock,
    requestReview: (line) => {
      run.reviewed.push(line);
      if (opts.review === 'never') return new Promise(() => undefined);
      return Promise.resolve({
        decision: opts.review ?? 'deny',
        reviewer: 'olga',
        comment: 'checked',
      });
    },
    audit: (action, _outcome, details) => run.audits.push({ action, details }),
    notify: (t) => run.notices.push(t),
    redraw: () => undefined,
    recordInput: (t) => (run.recorded += t),
  });
  if (opts.output !== undefined) f.output(Buffer.from(opts.output));
  for (const k of keys) f.input(Buffer.from(k), (d) => (run.forwarded += d.toString()));
  await new Promise((r) => setImmediate(r));
  if (opts.review === 'never') clock.advance(60_000);
  const reviewed = run.reviewed.length > 0;
  const entered = /[\r\n]/.test(run.forwarded);
  run.outcome = entered
    ? reviewed
      ? 'runs after review'
      : 'runs'
    : reviewed
      ? 'refused after review'
      : 'refused';
  assert.equal(
    entered || run.forwarded.includes('\x05\x15'),
    true,
    'every line either runs or is cleared with Ctrl-E Ctrl-U',
  );
  return run;
}

const LEFT = '\x1b[D';
const HOME = '\x1b[H';

test('the interactive filter table (readline target, default deny, uncertain lines held for review)', async () => {
  const table: [string, string[], Outcome][] = [
    ['plain allowed', ['ls -l\r'], 'runs'],
    ['plain denied', ['rm -rf /opt/hmi\r'], 'refused'],
    ['typed key by key', [...'id', '\r'], 'runs'],
    ['quoted command name', ["'r'm -rf /\r"], 'refused'],
    ['backslash in the name', ['r\\m -rf /\r'], 'refused'],
    ['built with Backspace', ['lsx\x7f\x7f\x7f', 'rm x\r'], 'refused'],
    ['edited into rm with Home', ['m -rf /', HOME, 'r\r'], 'refused'],
    ['edited with left arrows', ['r -rf /', LEFT, LEFT, LEFT, LEFT, LEFT, LEFT, 'm\r'], 'refused'],
    ['Ctrl-U clears, then allowed', ['rm -rf /', '\x15', 'ls\r'], 'runs'],
    ['Ctrl-W removes a word', ['ls rm', '\x17', '\r'], 'runs'],
    ['Ctrl-C drops the line', ['rm -rf /\x03', 'ls\r'], 'runs'],
    ['chained with ;', ['ls; rm -rf /\r'], 'refused'],
    ['chained with &&', ['true && rm -rf /\r'], 'refused'],
    ['chained with ||', ['false || ls\r'], 'refused'],
    ['piped', ['cat /etc/hosts | dd of=/dev/sda\r'], 'refused'],
    ['in $( )', ['echo $(rm -rf /)\r'], 'refused'],
    ['in backquotes', ['echo `reboot`\r'], 'refused'],
    ['in "$( )"', ['echo "$(shutdown now)"\r'], 'refused'],
    ['arithmetic $(( )) is not a command', ['echo "n-$((1+1))" $((2*3))\r'], 'runs'],
    ['a command inside $(( ))', ['echo $(( $(reboot) + 1 ))\r'], 'refused'],
    ['backgrounded', ['ls & reboot\r'], 'refused'],
    ['no rule matches', ['python3 -c 1\r'], 'refused'],
    ['alert rule: runs, alerted', ['cat /etc/shadow\r'], 'runs'],
    ['review rule, refused by the owner', ['systemctl restart hmi\r'], 'refused after review'],
    ['Tab completion: uncertain', ['sys\t', ' restart\r'], 'refused after review'],
    ['history (up arrow): uncertain', ['\x1b[A\r'], 'refused after review'],
    ['Ctrl-R search: uncertain', ['\x12rm\r'], 'refused after review'],
    ['multi-line paste: uncertain', ['ls\rrm -rf /\r'], 'refused after review'],
    ['bracketed multi-line paste', ['\x1b[200~ls\nid\n\x1b[201~'], 'refused after review'],
    ['bracketed one-line paste is typing', ['\x1b[200~ls -l\x1b[201~', '\r'], 'runs'],
    ['a quote left open: incomplete', ["echo 'x\r"], 'refused after review'],
    ['a backslash continuation: incomplete', ['echo x \\\r'], 'refused after review'],
    ['a here-document: incomplete', ['cat <<EOF\r'], 'refused after review'],
    ['a trailing pipe: incomplete', ['ls |\r'], 'refused after review'],
    ['an open $(: incomplete', ['echo $(\r'], 'refused after review'],
    ['a quote in a comment opens nothing', ["echo hi # it's\r"], 'runs'],
  ];
  for (const [name, keys, expected] of table) {
    const r = await type(keys);
    assert.equal(r.outcome, expected, `${name}: ${JSON.stringify(keys)}`);
    if (expected === 'refused') {
      assert.ok(
        r.notices.some((n) => n.startsWith('command refused')),
        `${name}: the operator is told`,
      );
      assert.ok(
        r.audits.some((a) => a.action === 'ssh.command_deny'),
        `${name}: audited`,
      );
    }
  }
  assert.ok(
    (await type(['cat /etc/shadow\r'])).audits.some((a) => a.action === 'ssh.command_alert'),
  );
});

test('review: approved lines run, silence times out as a denial', async () => {
  const ok = await type(['systemctl restart hmi\r', 'ls\r'], { review: 'allow' });
  assert.equal(ok.outcome, 'runs after review');
  assert.deepEqual(ok.reviewed, ['systemctl restart hmi']);
  assert.equal(
    ok.forwarded,
    'systemctl restart hmi\rls\r',
    'keys typed while held wait for the decision, in order',
  );
  const late = await type(['systemctl stop hmi\r'], { review: 'never' });
  assert.equal(late.outcome, 'refused after review');
  assert.ok(late.notices.some((n) => /in time/.test(n)));
});

test('uncertain lines: denied outright when the profile says so', async () => {
  const r = await type(['sys\t\r'], { uncertain: 'deny' });
  assert.equal(r.outcome, 'refused');
  assert.deepEqual(r.reviewed, []);
});

test('password prompts and full-screen programs', async () => {
  const pw = await type(['S3cret!\r'], {
    output: '[sudo] password for operator: ',
    review: 'allow',
  });
  assert.equal(pw.outcome, 'runs after review');
  assert.deepEqual(
    pw.reviewed,
    [null],
    'the reviewer never sees what was typed at a password prompt',
  );
  assert.equal(pw.recorded.includes('S3cret'), false, 'nor does the recording');
  assert.equal(JSON.stringify(pw.audits).includes('S3cret'), false, 'nor the audit');
  const vim = await type([':wq\r'], { output: '\x1b[?1049h\x1b[1;1H~', uncertain: 'deny' });
  assert.equal(vim.outcome, 'refused');
});

test('what interactive mode cannot catch (documented; exec-only is the strict mode)', async () => {
  // With a permissive default (allow unless a rule denies), indirection hides the command:
  for (const keys of [
    ['eval "$(echo cm0gLXJmIC8= | base64 -d)"\r'], // the command is built at run time
    ["alias ll='rm -rf'\r"], // then `ll /` later runs rm
    ["echo 'rm -rf /' > x.sh\r"], // then `sh x.sh`
    ['find / -delete\r'], // a different program doing the same harm
  ]) {
    assert.equal(
      (await type(keys, { defaultAction: 'allow' })).outcome,
      'runs',
      JSON.stringify(keys),
    );
  }
  // A default of deny (an allow-list) closes most of these: eval, alias, sh, find match no allow rule.
  assert.equal((await type(['eval "$(echo cm0gLXJmIC8= | base64 -d)"\r'])).outcome, 'refused');
});

test('quotes spanning lines: the shell joins them, so the filter does too', async () => {
  const keys = ["echo 'x\r", "id '; touch /tmp/p; echo '\r", "'\r"];
  // Uncertain lines denied: the opening line never gets its Enter, so the shell holds nothing and
  // the second line is read alone (`id` with one quoted argument); the lone quote opens one: denied.
  const denied = await type(keys, { uncertain: 'deny' });
  assert.equal(
    denied.forwarded,
    "echo 'x\x05\x15id '; touch /tmp/p; echo '\r'\x05\x15",
    'only the line that is complete alone got its Enter',
  );
  // Reviewed and approved: the shell holds `echo 'x`; the next line is read as its continuation,
  // so `touch` is a command and the line is refused by the rules, without asking anyone.
  const approved = await type(keys, { review: 'allow' });
  assert.equal(approved.forwarded, "echo 'x\rid '; touch /tmp/p; echo '\x05\x15'\r");
  assert.deepEqual(approved.reviewed, ["echo 'x", "echo 'x\n'"], 'the reviewer sees the whole');
  const deny = approved.audits.find((a) => a.action === 'ssh.command_deny');
  assert.equal(deny?.details['command'], 'touch /tmp/p');
  assert.ok(approved.notices.some((n) => /the shell still holds the earlier lines/.test(n)));
  // Ctrl-C drops the held command: the next complete line is judged alone again.
  const interrupted = await type(["echo 'x\r", '\x03', 'ls\r'], { review: 'allow' });
  assert.deepEqual(interrupted.reviewed, ["echo 'x"]);
  // Judged alone as well, should the shell not hold what the filter thinks: a deny rule refuses it.
  const alone = await type(["echo '\r", 'rm -rf / #\r'], { review: 'allow' });
  assert.equal(alone.forwarded, "echo '\rrm -rf / #\x05\x15");
  // A here-document body is read as the shell reads it: its substitutions are commands.
  const heredoc = await type(['cat <<EOF\r', '$(reboot)\r', 'EOF\r'], { review: 'allow' });
  assert.equal(heredoc.forwarded, 'cat <<EOF\r$(reboot)\x05\x15EOF\r');
});

test('editing keys the target does not have: the line is what a raw tty hands the shell', async () => {
  const keys = ['sudo id', '\x01', '\x0b', 'ls\r'];
  // readline (bash): Ctrl-A Ctrl-K kill the line, `ls` runs.
  assert.equal((await type(keys, { lineDiscipline: 'readline' })).outcome, 'runs');
  for (const lineDiscipline of ['raw', 'unknown'] as const) {
    // dash and other shells without readline receive `sudo id^A^Kls` and run it: uncertain.
    const held = await type(keys, { lineDiscipline });
    assert.equal(held.outcome, 'refused after review', lineDiscipline);
    assert.deepEqual(held.reviewed, ['sudo id^A^Kls'], 'the reviewer sees what the target gets');
    const denied = await type(keys, { lineDiscipline, uncertain: 'deny' });
    assert.equal(denied.outcome, 'refused', lineDiscipline);
    assert.equal(denied.audits[0]?.details['line'], 'sudo id^A^Kls');
    // The keys a canonical-mode tty edits with are modelled the same way: still certain.
    assert.equal((await type(['lsx\x7f -l\r'], { lineDiscipline })).outcome, 'runs');
    assert.equal((await type(['rm -rf /\x15ls\r'], { lineDiscipline })).outcome, 'runs');
    assert.equal((await type(['rm -rf /\x03', 'ls\r'], { lineDiscipline })).outcome, 'runs');
    // Arrows, Home, Tab, Ctrl-W: bytes of the line there, so uncertain.
    for (const k of [['m x', '\x1b[H', 'r\r'], ['ls /tmp/x\x17\r'], ['ls\t\r']]) {
      assert.equal((await type(k, { lineDiscipline })).outcome, 'refused after review', `${k}`);
    }
  }
  // A readline line held for a key the filter does not model shows the keys typed as well.
  const tab = await type(['sys\t', ' restart\r']);
  assert.deepEqual(tab.reviewed, ['sys restart (keys typed: sys^I restart)']);
});

test('a policy reload applies from the next line: each line is decided by the rules in force', () => {
  let rules: LineRule[] = RULES;
  const forwarded: string[] = [];
  const audits: FilterAuditAction[] = [];
  const f = new InteractiveFilter({
    rules: RULES,
    defaultAction: 'deny',
    uncertain: 'review',
    current: () => ({ rules, defaultAction: 'deny', uncertain: 'deny' }),
    reviewTimeoutMs: 60_000,
    lineDiscipline: 'readline',
    clock: new FakeClock(),
    requestReview: () => Promise.resolve({ decision: 'deny' }),
    audit: (action) => void audits.push(action),
    notify: () => undefined,
    redraw: () => undefined,
    recordInput: () => undefined,
  });
  const enter = (line: string): void =>
    f.input(Buffer.from(`${line}\r`), (d) => void forwarded.push(d.toString()));
  enter('ls');
  rules = [{ pattern: '^ls\\b', action: 'deny', reason: 'not any more' }];
  enter('ls');
  assert.deepEqual(audits, ['ssh.command', 'ssh.command_deny']);
  assert.equal(forwarded.filter((d) => d.endsWith('\r')).length, 1, 'only the first ls ran');
});
