/**
 * Issue 18, "SSH: one strong login per shift", with the real OpenSSH client: one login with the
 * registered key and a code makes that key fresh; then `ssh`, `scp`, `sftp` and `-L` connect in
 * BatchMode (which cannot answer a prompt) through both gateways to a real sshd, using the
 * colon-free target form `alice+hmi-1@host` that scp's `host:path` syntax leaves whole. A
 * lockdown, a revoked grant and a disabled account still refuse at once, each with its reason;
 * after the period the key needs a code again, and the prompt says when the login ran out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSync } from 'otplib';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { createUserNow } from '../../helpers/create-user-now.js';
import { startIt, SITE } from '../../helpers/link-fixture.js';
import { startSshChain, keyLogin } from '../../helpers/ssh-chain.js';
import { waitFor } from '../../helpers/wait-for.js';
import { operatorSshEnv } from '../../helpers/operator-ssh.js';
import { tenPromptlessConnections } from '../../helpers/promptless-connections.js';

test(
  'one key + code login, then ten BatchMode connections (ssh, scp, sftp, -L); revocation still refuses at once',
  { timeout: 300_000 },
  async (t) => {
    const chain = await startSshChain(t);
    const { alice, olga } = chain.users;
    const s = chain.it.gw.services;
    // -o Port (not -p/-P): the same options serve ssh, scp and sftp.
    const key = [...chain.baseOptions(), '-o', `Port=${chain.sshPort}`, ...keyLogin(alice)];
    const batch = ['-o', 'BatchMode=yes', ...key];
    const logins = () => chain.audit('auth.login');

    // Before any code login the key alone does not get in.
    const before = await chain.run('ssh', [...batch, 'alice+hmi-1@127.0.0.1', 'true']);
    assert.equal(before.code, 255);
    assert.match(before.stderr, /Permission denied/);
    await waitFor('the connection without a code to be audited', () =>
      logins().some((e) => e.outcome === 'denied' && e.details.reason === 'code-not-given'),
    );

    // The strong login: key, then the code.
    chain.answers(alice);
    const strong = await chain.run('ssh', [...key, 'alice:hmi-1@127.0.0.1', 'echo strong']);
    assert.equal(strong.code, 0, strong.stderr);
    assert.equal(strong.stdout, 'strong\n');

    // Ten connections, none of which could answer a prompt.
    const exec = async (n: number): Promise<void> => {
      const r = await chain.run('ssh', [...batch, 'alice+hmi-1@127.0.0.1', `echo run-${n}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `run-${n}\n`);
    };
    await tenPromptlessConnections(t, chain, batch, { file: 'shift', payloadBytes: 100_000 });
    const fresh = logins().filter((e) => e.outcome === 'success' && e.details.mfa === 'fresh-key');
    assert.equal(fresh.length, 10, 'ten logins on the fresh key');
    assert.equal(
      chain.audit('mfa.verify').filter((e) => e.outcome === 'success').length,
      1,
      'one code in all',
    );
    assert.equal(typeof fresh[0]?.details.mfaAt, 'string');

    // A site's own, shorter period (here: a code every time) refuses the fresh key's session with
    // the reason and ends the mark; a code login then opens it, and with the site back on the
    // gateway's period, that code login made the key fresh again.
    const admin = { cli: 'cli:test' } as const;
    const policy = (sshFreshMinutes: number | null) =>
      s.access.policies.set(admin, SITE, {
        requiredApprovals: 1,
        ticketPattern: null,
        sshFreshMinutes,
      });
    policy(0);
    const strict = await chain.run('ssh', [...batch, 'alice+hmi-1@127.0.0.1', 'true']);
    assert.equal(strict.code, 255);
    assert.match(
      strict.stderr,
      /airlock: site plant-1 asks for a code on every SSH connection; your last was at .* connect again and enter your code/,
    );
    const ended = await chain.run('ssh', [...batch, 'alice+hmi-1@127.0.0.1', 'true']);
    assert.match(ended.stderr, /Permission denied/, 'the mark ended with the refusal');
    chain.answers(alice, { stepOffset: 1 });
    const withCode = await chain.run('ssh', [...key, 'alice+hmi-1@127.0.0.1', 'echo with-code']);
    assert.equal(withCode.code, 0, withCode.stderr);
    policy(null);
    await exec(10);

    // A lockdown refuses the next session with its reason; lifting it lets the key in again.
    await s.access.lockdown.set(olga.user, SITE, true, 'pump 3 leaking');
    const locked = await chain.run('ssh', [...batch, 'alice+hmi-1@127.0.0.1', 'true']);
    assert.equal(locked.code, 255);
    assert.match(locked.stderr, /airlock: site plant-1 is locked down: pump 3 leaking/);
    await s.access.lockdown.set(olga.user, SITE, false, 'fixed');
    await exec(11);

    // A revoked grant: refused at once with the reason.
    await s.access.grants.revoke(olga.user, chain.grantId, 'work done');
    const revoked = await chain.run('ssh', [...batch, 'alice+hmi-1@127.0.0.1', 'true']);
    assert.equal(revoked.code, 255);
    assert.match(revoked.stderr, /airlock: your grant \S+ for hmi-1 was revoked/);

    // A disabled account: its keys are removed with it (the leaver's exit, user-admin.ts), so
    // the key no longer logs in, and its mark is gone for good.
    s.auth.userAdmin.updateUser(alice.user.id, { state: 'disabled' }, { cli: 'cli:test' });
    assert.deepEqual(s.store.sshKeys.listByUser(alice.user.id), []);
    const disabled = await chain.run('ssh', [...batch, 'alice+hmi-1@127.0.0.1', 'true']);
    assert.equal(disabled.code, 255);
    assert.match(disabled.stderr, /Permission denied/);
    assert.ok(
      logins().some((e) => e.outcome !== 'success' && e.details.reason === 'key-not-accepted'),
      JSON.stringify(logins().slice(-3)),
    );
    s.auth.userAdmin.updateUser(alice.user.id, { state: 'active' }, { cli: 'cli:test' });
    const reEnabled = await chain.run('ssh', [...batch, 'alice+hmi-1@127.0.0.1', 'true']);
    assert.equal(reEnabled.code, 255, 'enabling the account again needs a key and a code login');
    assert.match(reEnabled.stderr, /Permission denied/);
  },
);

test(
  'after the period the key needs a code again, and the prompt says when the login ran out',
  { timeout: 120_000 },
  async (t) => {
    const it = await startIt(t, { site: false, ssh: { mfaFreshSeconds: 2 } });
    const s = it.gw.services;
    const dir = makeTempDir(t, 'airlock-fresh-');
    const alice = createUserNow(s.auth.userAdmin, { name: 'alice', roles: [{ role: 'engineer' }] });
    const keyFile = join(dir, 'alice_ed25519');
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
    const registered = s.auth.sshKeys.add(alice.user, readFileSync(`${keyFile}.pub`, 'utf8'));
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${it.running.ssh?.port} ${it.running.ssh?.publicKey}\n`);
    // The askpass script answers the code in `code`.
    const askpass = join(dir, 'askpass.sh');
    writeFileSync(askpass, `#!/bin/sh\ncat '${dir}/code'\n`);
    chmodSync(askpass, 0o700);
    // A code works once: the second login uses the next step's (inside the allowed drift).
    const code = (step: number) =>
      writeFileSync(
        join(dir, 'code'),
        `${generateSync({ secret: alice.totpSecret ?? '', epoch: Math.floor(Date.now() / 1000) + 30 * step })}\n`,
      );
    const ssh = (extra: readonly string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(
          '/usr/bin/ssh',
          [
            ...extra,
            '-F',
            '/dev/null',
            '-o',
            `UserKnownHostsFile=${knownHosts}`,
            '-o',
            'StrictHostKeyChecking=yes',
            '-o',
            'NumberOfPasswordPrompts=1',
            '-o',
            'LogLevel=ERROR',
            '-o',
            `Port=${it.running.ssh?.port}`,
            '-i',
            keyFile,
            '-o',
            'IdentitiesOnly=yes',
            '-o',
            'PreferredAuthentications=publickey,keyboard-interactive',
            // No site here: once logged in, the endpoint refuses for want of a target.
            'alice@127.0.0.1',
            'true',
          ],
          {
            env: operatorSshEnv({ dir, askpass }),
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (c) => resolve({ code: c, stderr }));
      });
    const loggedIn = /airlock: name a target/;

    code(0);
    // (That the key then logs in without a code is the first test's: two seconds are too short to rely on.)
    assert.match((await ssh([])).stderr, loggedIn, 'key + code');
    const mark = s.store.sshFreshLogins.get(registered.id);
    assert.ok(mark !== undefined);
    await waitFor('the mark to run out', () => Date.now() > mark.freshUntil);

    const expired = await ssh(['-o', 'BatchMode=yes']);
    assert.equal(expired.code, 255);
    assert.match(expired.stderr, /Permission denied/);
    await waitFor('the expired login to be audited', () =>
      [...s.store.audit.iterate()].some(
        (e) =>
          e.action === 'auth.login' &&
          e.outcome === 'denied' &&
          e.details.reason === 'fresh-login-expired',
      ),
    );
    // Interactively, the prompt's instructions say why a code is asked again (OpenSSH prints
    // them at log level INFO); the code renews the mark.
    code(1);
    const renewed = await ssh(['-o', 'LogLevel=INFO']);
    assert.match(renewed.stderr, loggedIn);
    assert.match(
      renewed.stderr,
      /Your SSH login with a code \d+ (s|min|h) ago ran out \d+ (s|min|h) ago\. .*this key then logs in without a code for 2 s/s,
    );
    assert.ok((s.store.sshFreshLogins.get(registered.id)?.verifiedAt ?? 0) > mark.verifiedAt);
  },
);
