/**
 * The OT SSH broker against a real OpenSSH sshd (test/peers/sshd.ts), driven directly by a test
 * playing the IT side over an in-process OperatorChannel: pty shell and window change, exec with
 * exit status and stderr, exit by signal, exec-only allow-list, host key pinning (refused before
 * any credential is sent, so the vault is not even opened), credentials injected from the real vault, supervised start, and the grant deadline with its warnings (FakeClock).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../shared/src/clock.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import type { AssetPolicy } from '../../gateway-ot/src/policy/policy.js';
import { sshAssetSchema } from '../../gateway-ot/src/protocols/ssh/ssh-policy.js';
import { openOtDatabase } from '../../gateway-ot/src/store/ot-database.js';
import { createRecordingStore } from '../../gateway-ot/src/store/recording-store.js';
import { createVaultStore } from '../../gateway-ot/src/store/vault-store.js';
import { createSshBroker } from '../../gateway-ot/src/protocols/ssh/ssh-broker.js';
import { openVault } from '../../gateway-ot/src/vault/credential-vault.js';
import { generateAeadKey } from '../../shared/src/crypto/aead.js';
import { sequentialIds } from '../../shared/src/ids.js';
import { createRecordings } from '../../gateway-ot/src/recording/recordings.js';
import { join } from 'node:path';
import { asciinemaCat } from '../helpers/asciinema.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createOperatorDriver } from '../helpers/operator-channel.js';
import {
  createTestAudit,
  makeBrokerSession,
} from '../../gateway-ot/src/sessions/broker-session.fixture.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { newHostKey, startSshd } from '../peers/sshd.js';

test('SSH broker against a real sshd', { timeout: 120_000 }, async (t) => {
  await initCrypto();
  const sshd = await startSshd(t);
  const user = sshd.users[0];
  assert.ok(user);
  const db = openOtDatabase(':memory:');
  t.after(() => db.close());
  const clock = new FakeClock(Date.now());
  const audit = createTestAudit(db, clock);
  const asset = (over: Record<string, unknown> = {}): AssetPolicy =>
    sshAssetSchema.parse({
      protocol: 'ssh',
      address: '127.0.0.1',
      port: sshd.port,
      hostKey: sshd.hostKey,
      username: user.name,
      profiles: {
        maintenance: { mode: 'record-only', sftp: true },
        'read-only': {
          mode: 'exec-only',
          exec: [
            ['uname', '-n'],
            ['cat', '/etc/*-release'],
          ],
        },
        vendor: { mode: 'record-only', supervised: true },
        filtered: {
          mode: 'interactive',
          lineDiscipline: 'readline',
          uncertain: 'review',
          reviewTimeoutSeconds: 60,
          rules: [
            {
              pattern: '^(rm|dd|mkfs|shutdown|reboot)\\b',
              action: 'deny',
              reason: 'destructive commands are not allowed on the HMI',
            },
            { pattern: '^(systemctl (restart|stop)|touch)\\b', action: 'review' },
            { pattern: '^cat /etc/shadow', action: 'alert' },
            { pattern: '^(echo|ls|id|true|cat|stty|exit)\\b', action: 'allow' },
          ],
        },
      },
      ...over,
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
  const count = (action: string): number => {
    let n = 0;
    for (let seq = 1; seq <= audit.head().seq; seq++) if (audit.get(seq)?.action === action) n++;
    return n;
  };
  const creds = {
    get checkOuts() {
      return count('vault.checkout');
    },
    get checkIns() {
      return count('vault.checkin');
    },
  };
  const recordings = createRecordings({
    store: createRecordingStore(db),
    audit,
    clock,
    ids: sequentialIds(),
    site: 'plant-a',
    dir: join(makeTempDir(t), 'recordings'),
  });
  const reviews: (string | null)[] = [];
  const broker = createSshBroker({
    credentials: vault,
    recordings,
    requestReview: (_session, line) => {
      reviews.push(line);
      // `touch late.txt` is never answered: the broker's timeout (OT clock) denies it.
      if (line === 'touch late.txt') return new Promise(() => undefined);
      return Promise.resolve({
        decision: line === 'touch approved.txt' ? 'allow' : 'deny',
        reviewer: 'olga',
        comment: 'ok',
      });
    },
  });
  const open = (
    profileName: string,
    a: AssetPolicy = asset(),
    ticket: Record<string, unknown> = {},
  ) => {
    const s = makeBrokerSession({
      audit,
      clock,
      assetName: 'hmi-1',
      asset: a,
      profileName,
      ticket,
    });
    const d = createOperatorDriver();
    const ended = broker.handle(s.session, d.channel);
    return { ...s, d, ended };
  };
  const pty = { type: 'ssh.pty', term: 'xterm', cols: 80, rows: 24, width: 0, height: 0 };

  await t.test('interactive pty shell with a window change', async () => {
    const { d, ended, events } = open('maintenance');
    d.send(pty);
    d.send({ type: 'ssh.start', kind: 'shell' });
    await d.waitFor('ssh.started');
    d.stream.write('echo "ok-$((6*7))"; tty\n');
    await d.waitForOutput(/ok-42\r?\n\/dev\/pts\//);
    d.send({ type: 'ssh.window', cols: 132, rows: 50, width: 0, height: 0 });
    await new Promise((r) => setImmediate(r)); // the driver delivers control messages on the next turn
    d.stream.write('stty size\n');
    await d.waitForOutput('50 132');
    d.stream.write('exit 0\n');
    const exit = await d.waitFor('ssh.exit');
    assert.equal(exit.status, 0);
    assert.equal((await ended).reason, 'exit');
    assert.equal(events('ssh.command').length, 0);
    // The recording: asciicast v2 with what was typed and shown, its hash in the audit chain, playable.
    const closed = events('recording.close')[0];
    assert.ok(closed, 'recording.close audited');
    const file =
      recordings.listUnsent().find((r) => r.id === closed.details['recordingId'])?.file ?? '';
    const bytes = readFileSync(file);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), closed.details['sha256']);
    const [head, ...lines] = bytes.toString('utf8').trimEnd().split('\n');
    const header = JSON.parse(head ?? '') as Record<string, unknown>;
    assert.deepEqual([header['version'], header['width'], header['height']], [2, 80, 24]);
    const evs = lines.map((l) => JSON.parse(l) as [number, string, string]);
    assert.ok(
      evs.every(
        ([time, code, data]) =>
          typeof time === 'number' && ['o', 'i', 'r'].includes(code) && typeof data === 'string',
      ),
    );
    assert.match(
      evs
        .filter((e) => e[1] === 'i')
        .map((e) => e[2])
        .join(''),
      /echo "ok-\$\(\(6\*7\)\)"; tty\n/,
    );
    assert.match(
      evs
        .filter((e) => e[1] === 'o')
        .map((e) => e[2])
        .join(''),
      /ok-42/,
    );
    assert.ok(evs.some((e) => e[1] === 'r' && e[2] === '132x50'));
    const played = asciinemaCat(file);
    assert.match(played, /ok-42/);
  });

  await t.test(
    'interactive filter: denied and timed-out lines never run, allowed and approved ones do; told, audited and recorded',
    async () => {
      const home =
        execFileSync('getent', ['passwd', user.name], { encoding: 'utf8' }).split(':')[5] ?? '';
      assert.ok(home.length > 1);
      const { d, ended, events } = open('filtered');
      d.send(pty);
      d.send({ type: 'ssh.start', kind: 'shell' });
      await d.waitFor('ssh.started');
      d.stream.write('echo keep > kept.txt\r');
      await d.waitForOutput('$ echo keep > kept.txt');
      d.stream.write('ls kept.txt\r');
      await d.waitForOutput(/\rkept\.txt\r\n/);
      // Typed as "m kept.txt", then Home and "r": the line is `rm kept.txt`.
      d.stream.write('m kept.txt');
      d.stream.write('\x1b[H');
      d.stream.write('r');
      d.stream.write('\r');
      await d.waitForOutput('command refused: destructive commands are not allowed on the HMI');
      d.stream.write('touch approved.txt\r');
      await d.waitForOutput('approved by olga: ok.');
      d.stream.write('touch late.txt\r');
      await d.waitForOutput('"touch late.txt" matches rule 2 (review))...');
      clock.advance(60_000);
      await d.waitForOutput('command refused: no OT owner approved it in time');
      d.stream.write('ls kept.txt approved.txt && echo "still-$((1+1))"\r');
      await d.waitForOutput('still-2');
      d.stream.write('exit\r');
      await ended;
      // Checked on the target itself.
      assert.equal(existsSync(join(home, 'kept.txt')), true, 'the denied rm never ran');
      assert.equal(existsSync(join(home, 'approved.txt')), true, 'the approved line ran');
      assert.equal(existsSync(join(home, 'late.txt')), false, 'the timed-out line never ran');
      assert.deepEqual(reviews, ['touch approved.txt', 'touch late.txt']);
      const deny = events('ssh.command_deny');
      assert.deepEqual(
        deny.map((e) => e.details['line']),
        ['rm kept.txt', 'touch late.txt'],
      );
      assert.deepEqual(
        events('ssh.command_review').map((e) => [
          e.details['decision'],
          e.details['timedOut'],
          e.details['reviewer'],
        ]),
        [
          ['allow', false, 'olga'],
          ['deny', true, null],
        ],
      );
      const file =
        recordings
          .listUnsent()
          .find((r) => r.id === events('recording.close')[0]?.details['recordingId'])?.file ?? '';
      assert.match(readFileSync(file, 'utf8'), /command refused: destructive/);
    },
  );

  await t.test('exec: stdout, stderr, exit status and eof', async () => {
    const { d, ended, events } = open('maintenance');
    d.send({
      type: 'ssh.start',
      kind: 'exec',
      command: 'read line; echo "got $line"; echo oops >&2; exit 3',
    });
    await d.waitFor('ssh.started');
    d.stream.write('hello\n');
    d.send({ type: 'ssh.eof' });
    const exit = await d.waitFor('ssh.exit');
    assert.equal(exit.status, 3);
    assert.equal(d.output(), 'got hello\n');
    assert.equal(d.stderr(), 'oops\n');
    assert.ok(d.received.some((m) => m.type === 'ssh.eof'));
    assert.equal((await ended).reason, 'exit');
    assert.equal(
      events('ssh.command')[0]?.details['command'],
      'read line; echo "got $line"; echo oops >&2; exit 3',
    );
  });

  await t.test('exec: exit by signal, sent by the operator', async () => {
    const { d, ended } = open('maintenance');
    d.send({ type: 'ssh.start', kind: 'exec', command: 'echo started; exec sleep 30' });
    await d.waitForOutput('started');
    d.send({ type: 'ssh.signal', name: 'TERM' });
    const exit = await d.waitFor('ssh.exit');
    assert.equal(exit.signal, 'TERM');
    assert.equal(exit.status, undefined);
    await ended;
  });

  await t.test('exec-only: an allowed command runs as the argv that was checked', async () => {
    const { d, ended, events } = open('read-only');
    d.send({ type: 'ssh.start', kind: 'exec', command: "uname '-n'" });
    assert.equal((await d.waitFor('ssh.exit')).status, 0);
    assert.ok(d.output().trim().length > 0);
    await ended;
    assert.equal(events('ssh.command')[0]?.details['command'], 'uname -n');
  });

  await t.test(
    'exec-only: chained, unlisted and shell requests are refused and audited',
    async () => {
      for (const [start, code] of [
        [{ type: 'ssh.start', kind: 'exec', command: 'uname -n; id' }, 'ssh.command_denied'],
        [
          { type: 'ssh.start', kind: 'exec', command: 'cat /etc/../etc/shadow' },
          'ssh.command_denied',
        ],
        [{ type: 'ssh.start', kind: 'exec', command: 'id' }, 'ssh.command_denied'],
        [{ type: 'ssh.start', kind: 'shell' }, 'ssh.profile_forbids_shell'],
        [{ type: 'ssh.start', kind: 'subsystem', name: 'sftp' }, 'ssh.sftp_forbidden'],
      ] as const) {
        const { d, ended, events } = open('read-only');
        d.send(start);
        const refused = await d.waitFor('ssh.refused');
        assert.equal(refused.code, code, JSON.stringify(start));
        assert.equal((await ended).reason, code);
        assert.equal(
          events(code === 'ssh.command_denied' ? 'ssh.command_deny' : 'ssh.request_deny').length,
          1,
        );
        assert.ok(!d.received.some((m) => m.type === 'ssh.started'));
      }
    },
  );

  await t.test('a changed host key refuses the session before any credential is sent', async () => {
    const other = newHostKey(makeTempDir(t), 'other');
    const before = creds.checkOuts;
    const logBefore = sshd.log().length;
    const { d, ended, events } = open('maintenance', asset({ hostKey: other.publicLine }));
    d.send({ type: 'ssh.start', kind: 'exec', command: 'true' });
    const refused = await d.waitFor('ssh.refused');
    assert.equal(refused.code, 'ssh.host_key_mismatch');
    assert.equal((await ended).reason, 'ssh.host_key_mismatch');
    assert.equal(creds.checkOuts, before, 'the vault was not even opened');
    const mismatch = events('ssh.host_key_mismatch');
    assert.equal(mismatch.length, 1);
    assert.equal(mismatch[0]?.outcome, 'denied');
    assert.equal(
      mismatch[0]?.details['alert'],
      true,
      'flagged for the IT side to notify the OT owners',
    );
    // sshd saw a connection but no authentication request at all.
    const log = sshd.log().slice(logBefore);
    assert.doesNotMatch(log, /Failed password|Accepted password|Failed none|Invalid user/);
  });

  await t.test('supervised: nothing reaches the target until a supervisor is present', async () => {
    const before = creds.checkOuts;
    const { d, ended } = open('vendor');
    d.send({ type: 'ssh.start', kind: 'exec', command: 'echo supervised' });
    await d.waitFor('ssh.stderr');
    assert.match(d.stderr(), /supervisor/);
    await new Promise((r) => setImmediate(r));
    assert.equal(creds.checkOuts, before);
    assert.ok(!d.received.some((m) => m.type === 'ssh.started'));
    d.send({ type: 'ssh.supervisor_present', supervisor: 'olga' });
    assert.equal((await d.waitFor('ssh.exit')).status, 0);
    assert.equal(d.output(), 'supervised\n');
    await ended;
  });

  await t.test(
    'the grant deadline: warnings at 5 and 1 minutes, then the end (OT clock)',
    async () => {
      const { d, ended, events } = open('maintenance', asset(), {
        grantNotAfter: clock.now() + 6 * 60_000,
      });
      const checkInsBefore = creds.checkIns;
      d.send(pty);
      d.send({ type: 'ssh.start', kind: 'shell' });
      await d.waitFor('ssh.started');
      d.stream.write('echo ready\n');
      await d.waitForOutput('ready');
      clock.advance(60_000);
      assert.match(d.output(), /\[airlock\] This session ends in 5 minutes/);
      clock.advance(4 * 60_000);
      assert.match(d.output(), /\[airlock\] This session ends in 1 minute /);
      clock.advance(60_000);
      assert.equal((await ended).reason, 'grant_end');
      assert.match(d.output(), /grant for this session has ended/);
      assert.deepEqual(
        events('session.warn').map((e) => e.details['minutesLeft']),
        [5, 1],
      );
      const rec = recordings
        .listUnsent()
        .find((r) => r.id === events('recording.close')[0]?.details['recordingId']);
      assert.match(
        readFileSync(rec?.file ?? '', 'utf8'),
        /This session ends in 1 minute/,
        'notices are recorded',
      );
      assert.equal(creds.checkIns, checkInsBefore + 1);
    },
  );

  await t.test(
    'an abort from outside (revocation) ends the session and checks the credential in',
    async () => {
      const { d, ended, abort } = open('maintenance');
      const checkInsBefore = creds.checkIns;
      d.send({ type: 'ssh.start', kind: 'exec', command: 'echo up; exec sleep 30' });
      await d.waitForOutput('up');
      abort.abort('revoked');
      assert.equal((await ended).reason, 'revoked');
      assert.equal(creds.checkIns, checkInsBefore + 1);
    },
  );
});
