/**
 * The interactive filter against real shells behind a real sshd: `dash` (no readline: the tty's
 * canonical mode edits the line) and `bash` (readline), each as the test user's login shell. The
 * inputs are the review's (issue 17): quotes spanning lines, which the shell joins into one command,
 * and readline's editing keys, which a shell without readline receives as bytes of the line. What
 * ran is checked on the target itself: the file a smuggled `touch` would create.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../../../shared/src/clock.js';
import { initCrypto } from '../../../shared/src/crypto/sodium.js';
import { generateAeadKey } from '../../../shared/src/crypto/aead.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { sshAssetSchema } from '../../../gateway-ot/src/protocols/ssh/ssh-policy.js';
import { readShell } from '../../../gateway-ot/src/protocols/ssh/filter/shell-reader.js';
import { createSshBroker } from '../../../gateway-ot/src/protocols/ssh/ssh-broker.js';
import { openOtDatabase } from '../../../gateway-ot/src/store/ot-database.js';
import { createRecordingStore } from '../../../gateway-ot/src/store/recording-store.js';
import { createVaultStore } from '../../../gateway-ot/src/store/vault-store.js';
import { openVault } from '../../../gateway-ot/src/vault/credential-vault.js';
import { createRecordings } from '../../../gateway-ot/src/recording/recordings.js';
import {
  createTestAudit,
  makeBrokerSession,
} from '../../../gateway-ot/src/sessions/broker-session.fixture.js';
import { createOperatorDriver } from '../../helpers/operator-channel.js';
import { startSshd } from '../../peers/sshd.js';

const RULES = [
  { pattern: '^(echo|ls|id|exit)\\b', action: 'allow' },
  { pattern: '^(rm|sudo)\\b', action: 'deny', reason: 'not on the HMI' },
];

/** A target whose login shell is `shell`, and a broker in front of it; `open` starts a pty shell. */
async function target(t: TestContext, shell: string, profile: Record<string, unknown>) {
  const sshd = await startSshd(t, { shell });
  const user = sshd.users[0];
  assert.ok(user);
  const home =
    execFileSync('getent', ['passwd', user.name], { encoding: 'utf8' }).split(':')[5] ?? '';
  assert.ok(home.length > 1);
  const db = openOtDatabase(':memory:');
  t.after(() => db.close());
  const clock = new FakeClock(Date.now());
  const audit = createTestAudit(db, clock);
  const asset = sshAssetSchema.parse({
    protocol: 'ssh',
    address: '127.0.0.1',
    port: sshd.port,
    hostKey: sshd.hostKey,
    username: user.name,
    profiles: { filtered: { mode: 'interactive', rules: RULES, ...profile } },
  });
  const vault = openVault({
    store: createVaultStore(db),
    audit,
    clock,
    site: 'plant-a',
    masterKey: generateAeadKey(),
  });
  vault.set({
    asset: 'hmi-1',
    account: user.name,
    kind: 'password',
    secret: Buffer.from(user.password),
    actor: 'local:root',
  });
  const recordings = createRecordings({
    store: createRecordingStore(db),
    audit,
    clock,
    ids: sequentialIds(),
    site: 'plant-a',
    dir: join(makeTempDir(t), 'recordings'),
  });
  const reviewed: (string | null)[] = [];
  const broker = createSshBroker({
    credentials: vault,
    recordings,
    requestReview: (_session, line) => {
      reviewed.push(line);
      return Promise.resolve({ decision: 'deny', reviewer: 'olga', comment: 'no' });
    },
  });
  const s = makeBrokerSession({ audit, clock, assetName: 'hmi-1', asset, profileName: 'filtered' });
  const d = createOperatorDriver();
  const ended = broker.handle(s.session, d.channel);
  // A failed assertion must not leave the session (and the test) waiting on the target.
  t.after(() => s.abort.abort());
  d.send({ type: 'ssh.pty', term: 'xterm', cols: 200, rows: 24, width: 0, height: 0 });
  d.send({ type: 'ssh.start', kind: 'shell' });
  await d.waitFor('ssh.started');
  /** Types a marker line and waits for the shell's answer: everything typed before was read. */
  let marks = 0;
  const settle = async (): Promise<void> => {
    marks++;
    d.stream.write(`echo "mark-$((1000+${marks}))"\r`);
    await d.waitForOutput(`mark-${1000 + marks}\r\n`);
  };
  const refusals = (): number => d.output().split('command refused').length - 1;
  const finish = async (): Promise<void> => {
    d.stream.write('exit\r');
    await ended;
  };
  await settle();
  return { d, home, events: s.events, reviewed, settle, refusals, finish };
}

for (const shell of ['/usr/bin/dash', '/bin/bash']) {
  test(`quotes spanning lines are one command to ${shell}; the filter reads them so`, async (t) => {
    await initCrypto();
    const { d, home, events, settle, refusals, finish } = await target(t, shell, {
      defaultAction: 'deny',
      uncertain: 'deny',
    });
    const file = `p${String(process.pid)}`;
    // Typed as the review did, one line after the other; the marker line runs after all three.
    d.stream.write("echo 'x\r");
    d.stream.write(`id '; touch ${file}; echo '\r`);
    d.stream.write("'\r");
    await settle();
    assert.equal(existsSync(join(home, file)), false, 'the smuggled touch never ran');
    // The first and last lines leave a quote open and are refused; the middle one, read alone (the
    // shell holds nothing), is `id` with one quoted argument, which it rejects.
    assert.match(d.output(), /command refused: .*single quote open/);
    assert.match(d.output(), /no such user/);
    assert.equal(refusals(), 2);
    await finish();
    assert.deepEqual(
      events('ssh.command_deny').map((e) => e.details['line']),
      ["echo 'x", "'"],
    );
  });
}

for (const shell of ['/usr/bin/dash', '/bin/bash']) {
  test(`editing keys on a target of unknown line discipline (${shell}) make the line uncertain`, async (t) => {
    await initCrypto();
    const { d, home, events, settle, refusals, finish } = await target(t, shell, {
      defaultAction: 'deny',
      uncertain: 'deny',
      rules: [...RULES, { pattern: '^touch\\b', action: 'deny' }],
    });
    // Read as readline would, this is `ls`; dash receives `touch q^A^Kls` and creates that file.
    const file = `q${String(process.pid)}`;
    d.stream.write(`touch ${file}\x01\x0bls\r`);
    await settle();
    assert.equal(existsSync(join(home, `${file}\x01\x0bls`)), false, 'the raw line never ran');
    d.stream.write('sudo id\x01\x0bls\r');
    await settle();
    assert.doesNotMatch(d.output(), /password for|sudo:/, 'sudo never ran');
    assert.equal(refusals(), 2);
    await finish();
    assert.deepEqual(
      events('ssh.command_deny').map((e) => e.details['line']),
      [`touch ${file}^A^Kls`, 'sudo id^A^Kls'],
    );
  });
}

test('a profile that says the target has readline keeps its editing keys (bash)', async (t) => {
  await initCrypto();
  const { d, events, settle, finish } = await target(t, '/bin/bash', {
    defaultAction: 'deny',
    uncertain: 'deny',
    lineDiscipline: 'readline',
  });
  d.stream.write('sudo id\x01\x0becho "ed-$((3*4))"\r');
  await d.waitForOutput('ed-12\r\n');
  await settle();
  await finish();
  assert.deepEqual(
    events('ssh.command').map((e) => e.details['line']),
    ['echo "mark-$((1000+1))"', 'echo "ed-$((3*4))"', 'echo "mark-$((1000+2))"', 'exit'],
  );
  assert.equal(events('ssh.command_deny').length, 0);
});

test('the filter reads a line as incomplete exactly when dash and bash do', () => {
  // `sh -n` reads without running; at the end of its input an open construct is a syntax error.
  // (An unfinished here-document or a backslash before the end pass there; interactively the shell
  // waits for the next line, and the reader's unit tests cover both.)
  const lines = [
    "echo 'x",
    "echo 'x' 'y",
    'echo "x',
    'echo "it\'s"',
    "echo hi # it's",
    'echo a#b "$#"',
    'ls || # why',
    'ls |',
    'ls &&',
    'ls &',
    'echo $(',
    'echo "$(ls "a b")"',
    'echo ${x',
    'echo ${x:-"}"}',
    'echo $((1 +',
    'echo $((1 + 2))',
    "echo 'a'\\''b'",
    "echo '\\'",
    'echo "a \\',
    'echo `ls',
    'echo `ls` done',
    "cat <<'E'\n$(\nE",
  ];
  for (const line of lines) {
    const reader = readShell(`${line}\n`).open.length > 0;
    for (const shell of ['/usr/bin/dash', '/bin/bash']) {
      const r = spawnSync(shell, ['-n'], { input: `${line}\n`, encoding: 'utf8' });
      assert.equal(reader, r.status !== 0, `${shell} and the reader on ${JSON.stringify(line)}`);
    }
  }
});
