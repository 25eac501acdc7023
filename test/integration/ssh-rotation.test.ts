/**
 * Password rotation against a real OpenSSH sshd (test/peers/sshd.ts): two local users, the target
 * account and a rotation account allowed by a sudoers rule to run chpasswd. Checks, each with a
 * fresh ssh2 login of its own: a rotation changes the password and the old one stops working;
 * failing rotations (wrong rotation credential, chpasswd refused, changed host key) keep the old
 * one working and are audited with an alert; a break-glass session's credential is rotated after it
 * ends; a rotate-on-check-in target rotates when its session ends; the schedule fires on a FakeClock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FakeClock } from '../../shared/src/clock.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { generateAeadKey } from '../../shared/src/crypto/aead.js';
import { sequentialIds } from '../../shared/src/ids.js';
import { silentLogger } from '../../shared/src/log.js';
import type { AuditEvent } from '../../shared/src/audit/audit-event.js';
import type { SshAssetPolicy } from '../../gateway-ot/src/protocols/ssh/ssh-policy.js';
import { sshRotationTarget } from '../../gateway-ot/src/protocols/ssh/ssh-password-rotation.js';
import { createSshBroker } from '../../gateway-ot/src/protocols/ssh/ssh-broker.js';
import { createRecordings } from '../../gateway-ot/src/recording/recordings.js';
import { openOtDatabase } from '../../gateway-ot/src/store/ot-database.js';
import { createRecordingStore } from '../../gateway-ot/src/store/recording-store.js';
import { createVaultStore } from '../../gateway-ot/src/store/vault-store.js';
import { createRotation } from '../../gateway-ot/src/vault/rotation.js';
import { openVault } from '../../gateway-ot/src/vault/credential-vault.js';
import { createOperatorDriver } from '../helpers/operator-channel.js';
import {
  createTestAudit,
  makeBrokerSession,
} from '../../gateway-ot/src/sessions/broker-session.fixture.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { allowSudoChpasswd, newHostKey, passwordLogin, startSshd } from '../peers/sshd.js';

test('password rotation against a real sshd', { timeout: 120_000 }, async (t) => {
  await initCrypto();
  const sshd = await startSshd(t, { users: 2 });
  const [user, rotator] = sshd.users;
  assert.ok(user && rotator);
  allowSudoChpasswd(t, rotator.name);

  const db = openOtDatabase(':memory:');
  t.after(() => db.close());
  const clock = new FakeClock(Date.now());
  const audit = createTestAudit(db, clock);
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
  vault.set({
    asset: 'hmi-1',
    account: rotator.name,
    kind: 'password',
    secret: Buffer.from(rotator.password),
    actor: 'local:root',
  });

  let asset: SshAssetPolicy;
  const setAsset = (
    over: Partial<SshAssetPolicy> = {},
    rotation: Partial<NonNullable<SshAssetPolicy['rotation']>> = {},
  ): void => {
    asset = {
      protocol: 'ssh',
      address: '127.0.0.1',
      port: sshd.port,
      hostKey: sshd.hostKey,
      username: user.name,
      profiles: {
        maintenance: {
          mode: 'record-only',
          exec: [],
          sftp: false,
          supervised: false,
          rules: [],
          defaultAction: 'deny',
          uncertain: 'deny',
          reviewTimeoutSeconds: 120,
        },
      },
      rotation: { account: rotator.name, command: 'sudo chpasswd', onCheckIn: false, ...rotation },
      ...over,
    };
  };
  setAsset();
  const rotation = createRotation({
    vault,
    audit,
    clock,
    log: silentLogger,
    site: 'plant-a',
    targetOf: (a) => (a === 'hmi-1' ? sshRotationTarget(asset) : undefined),
    assets: () => ['hmi-1'],
  });
  vault.onCheckIn((n) => rotation.onCheckIn(n));
  t.after(() => rotation.stop());

  /** The committed password (read without a check-in, which could trigger a rotation). */
  const current = (): string => {
    const view = vault.readForRotation('hmi-1', user.name, 'test');
    assert.equal(view.pending, undefined, 'no pending password left behind');
    return view.committed.bytes.toString('utf8');
  };
  const all = (): AuditEvent[] =>
    Array.from({ length: audit.head().seq }, (_, i) => audit.get(i + 1)).filter(
      (e): e is AuditEvent => e !== undefined,
    );
  const rotations = (): AuditEvent[] => all().filter((e) => e.action === 'vault.rotate');
  const works = (password: string): Promise<boolean> => passwordLogin(sshd, user.name, password);
  const seen: string[] = [user.password];

  await t.test('a rotation changes the password and the old one stops working', async () => {
    const before = current();
    const r = await rotation.rotate('hmi-1', 'manual', 'local:root');
    assert.deepEqual(r, { outcome: 'committed' });
    const after = current();
    seen.push(after);
    assert.notEqual(after, before);
    assert.match(after, /^[A-Za-z0-9_-]{24}$/);
    assert.equal(await works(before), false, 'the old password no longer logs in');
    assert.equal(await works(after), true, 'the new one does');
    const ev = rotations().at(-1);
    assert.equal(ev?.outcome, 'success');
    assert.equal(ev?.actor, 'local:root');
    assert.deepEqual(
      [ev?.details['account'], ev?.details['trigger'], ev?.details['rotationAccount']],
      [user.name, 'manual', rotator.name],
    );
    assert.equal(vault.list().find((e) => e.account === user.name)?.version, 2);
  });

  const failing: [string, () => void, string][] = [
    [
      "the rotation account's password is wrong",
      () =>
        vault.set({
          asset: 'hmi-1',
          account: rotator.name,
          kind: 'password',
          secret: Buffer.from('not-its-password'),
          actor: 'local:root',
        }),
      'ssh.target_auth_failed',
    ],
    [
      'chpasswd is refused (not root, no sudo)',
      () => setAsset({}, { command: 'chpasswd' }),
      'vault.rotate_refused',
    ],
    [
      "the target's host key changed",
      () => setAsset({ hostKey: newHostKey(makeTempDir(t), 'other').publicLine }),
      'ssh.host_key_mismatch',
    ],
  ];
  for (const [name, breakIt, code] of failing) {
    await t.test(`a failing rotation keeps the old password: ${name}`, async () => {
      const before = current();
      const logBefore = sshd.log().length;
      breakIt();
      const r = await rotation.rotate('hmi-1', 'manual');
      const logDuring = sshd.log().slice(logBefore);
      // Repair for the next case first, so one failure does not cascade.
      vault.set({
        asset: 'hmi-1',
        account: rotator.name,
        kind: 'password',
        secret: Buffer.from(rotator.password),
        actor: 'local:root',
      });
      setAsset();
      assert.equal(r.outcome, 'failed');
      assert.equal(r.outcome === 'failed' && r.code, code);
      assert.equal(r.outcome === 'failed' && r.state, 'kept-old');
      assert.equal(current(), before, 'the committed password is unchanged, nothing pending');
      assert.equal(await works(before), true, 'the old password still logs in');
      const ev = rotations().at(-1);
      assert.deepEqual(
        [ev?.outcome, ev?.details['reason'], ev?.details['state'], ev?.details['alert']],
        ['failure', code, 'kept-old', true],
      );
      if (code === 'ssh.host_key_mismatch')
        assert.doesNotMatch(
          logDuring,
          /Failed password|Accepted password/,
          'no credential reached the impostor',
        );
      if (code === 'vault.rotate_refused')
        assert.match(String(ev?.details['message']), /chpasswd exited with status [1-9]/);
    });
  }

  const broker = createSshBroker({
    credentials: vault,
    recordings: createRecordings({
      store: createRecordingStore(db),
      audit,
      clock,
      ids: sequentialIds(),
      site: 'plant-a',
      dir: join(makeTempDir(t), 'recordings'),
    }),
  });
  const runSession = async (ticket: Record<string, unknown>): Promise<void> => {
    const s = makeBrokerSession({
      audit,
      clock,
      assetName: 'hmi-1',
      asset,
      profileName: 'maintenance',
      ticket,
    });
    const d = createOperatorDriver();
    const ended = broker.handle(s.session, d.channel);
    d.send({ type: 'ssh.start', kind: 'exec', command: 'echo in' });
    assert.equal((await d.waitFor('ssh.exit')).status, 0);
    await ended;
    await rotation.idle();
  };

  await t.test("a break-glass session's credential is rotated after it ends", async () => {
    const before = current();
    const n = rotations().length;
    await runSession({ breakGlass: true });
    const ev = rotations().slice(n);
    assert.deepEqual(
      ev.map((e) => [e.outcome, e.details['trigger']]),
      [['success', 'break-glass']],
    );
    const after = current();
    assert.notEqual(after, before);
    assert.equal(await works(before), false);
    assert.equal(await works(after), true);
  });

  await t.test(
    'a rotate-on-check-in target rotates when its session ends; others do not',
    async () => {
      const n = rotations().length;
      await runSession({});
      assert.equal(rotations().length, n, 'no rotation without onCheckIn');
      setAsset({}, { onCheckIn: true });
      const before = current();
      await runSession({});
      assert.deepEqual(
        rotations()
          .slice(n)
          .map((e) => [e.outcome, e.details['trigger']]),
        [['success', 'check-in']],
      );
      assert.equal(await works(before), false);
      assert.equal(await works(current()), true);
      setAsset();
    },
  );

  await t.test(
    'the schedule rotates an interval target when its password is due (FakeClock)',
    async () => {
      setAsset({}, { intervalMinutes: 60 });
      rotation.start();
      const n = rotations().length;
      clock.advance(30 * 60_000);
      await rotation.idle();
      assert.equal(rotations().length, n, 'not due yet');
      const before = current();
      clock.advance(31 * 60_000);
      await rotation.idle();
      assert.deepEqual(
        rotations()
          .slice(n)
          .map((e) => [e.outcome, e.details['trigger']]),
        [['success', 'schedule']],
      );
      assert.equal(await works(before), false);
      assert.equal(await works(current()), true);
      await rotation.stop();
    },
  );

  await t.test('no secret in any audit event', () => {
    const text = JSON.stringify(all());
    for (const pw of [...seen, current(), rotator.password]) assert.equal(text.includes(pw), false);
  });
});
