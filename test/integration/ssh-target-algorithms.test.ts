/**
 * The OT SSH broker's client algorithms against real OpenSSH sshd targets: the hardened default
 * negotiates curve25519 and an AEAD cipher with a current sshd, and the session's
 * `ssh.target_connect` event names what was negotiated; an old target (group14 key exchange, CTR
 * cipher, encrypt-and-MAC MAC only) is refused by the default before any credential is offered
 * (`ssh.target_algorithms`), and reached once its asset's policy lists those algorithms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FakeClock } from '../../shared/src/clock.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { generateAeadKey } from '../../shared/src/crypto/aead.js';
import { sequentialIds } from '../../shared/src/ids.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import type { AssetPolicy } from '../../gateway-ot/src/policy/policy.js';
import { sshAssetSchema } from '../../gateway-ot/src/protocols/ssh/ssh-policy.js';
import { createSshBroker } from '../../gateway-ot/src/protocols/ssh/ssh-broker.js';
import { openOtDatabase } from '../../gateway-ot/src/store/ot-database.js';
import { createRecordingStore } from '../../gateway-ot/src/store/recording-store.js';
import { createVaultStore } from '../../gateway-ot/src/store/vault-store.js';
import { openVault } from '../../gateway-ot/src/vault/credential-vault.js';
import { createRecordings } from '../../gateway-ot/src/recording/recordings.js';
import {
  createTestAudit,
  makeBrokerSession,
} from '../../gateway-ot/src/sessions/broker-session.fixture.js';
import { createOperatorDriver } from '../helpers/operator-channel.js';
import { startSshd, type SshdPeer } from '../peers/sshd.js';
import { auditClient, documentedSshAuditWarnings } from '../peers/ssh-audit.js';
import { freePort } from '../../image/demo/plant/free-port.js';
import { waitFor } from '../helpers/wait-for.js';

const OLD_TARGET = [
  'KexAlgorithms diffie-hellman-group14-sha256',
  'Ciphers aes128-ctr',
  'MACs hmac-sha2-256',
];

test('SSH client algorithms towards plant targets', { timeout: 120_000 }, async (t) => {
  await initCrypto();
  const [current, old] = await Promise.all([
    startSshd(t),
    startSshd(t, { extraConfig: OLD_TARGET }),
  ]);
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
  const assetOf = (sshd: SshdPeer, over: Record<string, unknown> = {}): AssetPolicy => {
    const user = sshd.users[0];
    assert.ok(user);
    vault.set({
      asset: 'hmi-1',
      account: user.name,
      kind: 'password',
      secret: Buffer.from(user.password),
      actor: 'local:root',
    });
    return sshAssetSchema.parse({
      protocol: 'ssh',
      address: '127.0.0.1',
      port: sshd.port,
      hostKey: sshd.hostKey,
      username: user.name,
      profiles: { maintenance: { mode: 'record-only' } },
      ...over,
    });
  };
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
  const checkOuts = (): number => {
    let n = 0;
    for (let seq = 1; seq <= audit.head().seq; seq++)
      if (audit.get(seq)?.action === 'vault.checkout') n++;
    return n;
  };
  const exec = (asset: AssetPolicy) => {
    const s = makeBrokerSession({
      audit,
      clock,
      assetName: 'hmi-1',
      asset,
      profileName: 'maintenance',
    });
    const d = createOperatorDriver();
    const ended = broker.handle(s.session, d.channel);
    d.send({ type: 'ssh.start', kind: 'exec', command: 'echo reached' });
    return { ...s, d, ended };
  };

  await t.test('the hardened default with a current sshd, audited with the session', async () => {
    const { d, ended, events } = exec(assetOf(current));
    assert.equal((await d.waitFor('ssh.exit')).status, 0);
    await ended;
    const connect = events('ssh.target_connect');
    assert.equal(connect.length, 1);
    const details = connect[0]?.details ?? {};
    assert.match(String(details['kex']), /^curve25519-sha256/);
    assert.match(
      String(details['cipher']),
      /^(chacha20-poly1305@openssh\.com|aes(128|256)-gcm@openssh\.com)$/,
    );
    assert.equal(details['mac'], 'implicit', 'an AEAD cipher has no separate MAC');
    assert.equal(details['hostKeyAlgorithm'], 'ssh-ed25519');
    assert.equal(details['compression'], 'none');
    assert.equal(details['algorithmsFrom'], 'default');
    assert.match(String(details['hostKey']), /^SHA256:/);
  });

  await t.test('ssh-audit, as a server, finds nothing to fault in the default offer', async () => {
    const port = await freePort();
    const audited = auditClient(port);
    // ssh-audit audits the first client and exits; the session is refused then (it is no target).
    const asset = assetOf(current, { port });
    await waitFor('ssh-audit to listen and hear the client', async () => {
      const { reason } = await exec(asset).ended;
      return reason !== 'ssh.target_unreachable';
    });
    const report = await audited.report;
    const accepted = documentedSshAuditWarnings();
    const faults = report.notes.filter(
      (n) =>
        n.level === 'fail' || (n.level === 'warn' && !accepted.has(`${n.algorithm}: ${n.text}`)),
    );
    assert.deepEqual(faults, [], report.text);
    assert.ok((report.algorithms['kex'] ?? []).length > 0, report.text);
    t.diagnostic(
      `ssh-audit -c exit ${report.exitCode}; offered ${Object.entries(report.algorithms)
        .map(([k, v]) => `${k} ${v.join(',')}`)
        .join('; ')}`,
    );
  });

  await t.test(
    'an old target: refused by the default before any credential is offered',
    async () => {
      const before = checkOuts();
      const { d, ended, events } = exec(assetOf(old));
      const refused = await d.waitFor('ssh.refused');
      assert.equal(refused.code, 'ssh.target_algorithms');
      assert.match(String(refused.message), /local policy can allow older ones/);
      assert.equal((await ended).reason, 'ssh.target_algorithms');
      assert.equal(events('ssh.target_connect').length, 0);
      assert.equal(checkOuts(), before, 'the vault was not opened');
    },
  );

  await t.test('an old target reached with the algorithms its asset allows', async () => {
    const asset = assetOf(old, {
      algorithms: {
        kex: ['diffie-hellman-group14-sha256'],
        cipher: ['aes128-ctr'],
        mac: ['hmac-sha2-256'],
      },
    });
    const { d, ended, events } = exec(asset);
    assert.equal((await d.waitFor('ssh.exit')).status, 0);
    assert.equal(d.output(), 'reached\n');
    await ended;
    const details = events('ssh.target_connect')[0]?.details ?? {};
    assert.deepEqual(
      [details['kex'], details['cipher'], details['mac'], details['algorithmsFrom']],
      ['diffie-hellman-group14-sha256', 'aes128-ctr', 'hmac-sha2-256', 'asset policy'],
    );
  });
});
