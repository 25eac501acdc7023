/**
 * Issue 17 item 2: what the SSH endpoint's login events say. A login's `auth.login` names its first
 * factor (`publickey` with the key's SHA256 fingerprint, or `password`) and the second; a
 * connection that offers keys the account does not have and never logs in leaves ONE failure
 * event (how many keys, the first fingerprints), not a row per key. The ssh2 client drives the
 * order of methods; the real OpenSSH client is exercised in ssh-endpoint.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ssh2 from 'ssh2';
import { generateSync } from 'otplib';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { sshFingerprint } from '../../../gateway-it/src/auth/auth.js';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import { startIt } from '../../helpers/link-fixture.js';
import { createUserNow } from '../../helpers/create-user-now.js';
import { waitFor } from '../../helpers/wait-for.js';

useCrypto();

type Step = ssh2.AnyAuthMethod;

const askCode = (answer: string): Step => ({
  type: 'keyboard-interactive',
  username: 'alice:hmi-1',
  prompt: (_n, _i, _l, _p, finish) => finish([answer]),
});

/** One connection that tries `steps` in order; resolves true when it got in, false when refused. */
function attempt(port: number, hostKey: string, steps: readonly Step[]): Promise<boolean> {
  return new Promise((resolve) => {
    const client = new ssh2.Client();
    let i = 0;
    client
      .on('ready', () => {
        client.end();
        resolve(true);
      })
      .on('error', () => resolve(false))
      .on('close', () => resolve(false));
    client.connect({
      host: '127.0.0.1',
      port,
      username: 'alice:hmi-1',
      hostVerifier: (key: Buffer) => key.toString('base64') === hostKey,
      // No handshake timer to race on a loaded machine: the test's own timeout bounds it.
      readyTimeout: 0,
      // No step left: false tells ssh2 to give up (its types do not list it).
      authHandler: (_left, _partial, next) => next(steps[i++] ?? (false as never)),
    });
  });
}

/**
 * An Ed25519 pair ssh2 can read back: its generator writes about one key in 256 so that it never
 * parses (a public key starting with a zero byte; gateway-it/src/ssh/ssh-host-key.ts), and the
 * client then skips that key without offering it (19 refused keys counted for 20, now and then).
 */
function readableKeyPair(): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}

const publicKeyBlob = (pub: string): Buffer => Buffer.from(pub.split(' ')[1] ?? '', 'base64');

test(
  'SSH logins record the first factor and key fingerprint; refused keys are audited once per connection',
  { timeout: 60_000 },
  async (t) => {
    const it = await startIt(t, { site: false });
    const s = it.gw.services;
    const port = it.running.ssh?.port ?? 0;
    const hostKey = it.running.ssh?.publicKey.split(' ')[1] ?? '';
    const alice = createUserNow(s.auth.userAdmin, {
      name: 'alice',
      roles: [{ role: 'engineer' }],
    });
    const own = readableKeyPair();
    s.auth.sshKeys.add(alice.user, own.public);
    const strangers = Array.from({ length: 20 }, readableKeyPair);
    const logins = (): AuditEvent[] =>
      [...s.store.audit.iterate()].filter((e) => e.action === 'auth.login');

    // Key login after three keys the account does not have: one success event, no failure row.
    const byKey = await attempt(port, hostKey, [
      ...strangers
        .slice(0, 3)
        .map((k): Step => ({ type: 'publickey', username: 'alice:hmi-1', key: k.private })),
      { type: 'publickey', username: 'alice:hmi-1', key: own.private },
      askCode(generateSync({ secret: alice.totpSecret ?? '' })),
    ]);
    assert.equal(byKey, true);
    await waitFor('the key login event', () => logins().length === 1);
    assert.deepEqual(
      logins().map((e) => [e.outcome, e.details]),
      [
        [
          'success',
          {
            via: 'ssh',
            source: '127.0.0.1',
            firstFactor: 'publickey',
            keyFingerprint: sshFingerprint(publicKeyBlob(own.public)),
            mfa: 'totp',
          },
        ],
      ],
    );

    // Password login (the second factor here a recovery code).
    const byPassword = await attempt(port, hostKey, [
      { type: 'password', username: 'alice:hmi-1', password: alice.password },
      askCode(alice.recoveryCodes[0] ?? ''),
    ]);
    assert.equal(byPassword, true);
    await waitFor('the password login event', () => logins().length === 2);
    const second = logins()[1];
    assert.equal(second?.details['firstFactor'], 'password');
    assert.equal(second?.details['mfa'], 'recovery');
    assert.equal(second?.details['keyFingerprint'], undefined);

    // Twenty keys nobody registered, then the client gives up: one failure event, at close.
    const refused = await attempt(
      port,
      hostKey,
      strangers.map((k): Step => ({ type: 'publickey', username: 'alice:hmi-1', key: k.private })),
    );
    assert.equal(refused, false);
    await waitFor('the refused keys event', () => logins().length === 3);
    const failure = logins()[2];
    assert.equal(failure?.outcome, 'failure');
    assert.equal(failure?.target, 'alice');
    assert.deepEqual(
      { ...failure?.details, keyFingerprints: undefined },
      {
        via: 'ssh',
        source: '127.0.0.1',
        firstFactor: 'publickey',
        reason: 'key-not-accepted',
        keysRejected: 20,
        badSignatures: 0,
        keyFingerprints: undefined,
      },
    );
    assert.deepEqual(
      failure?.details['keyFingerprints'],
      strangers.slice(0, 8).map((k) => sshFingerprint(publicKeyBlob(k.public))),
    );
    assert.equal(logins().length, 3, 'one row for twenty keys');
  },
);
