/**
 * Issue 18, "SSH: one strong login per shift", confirmed in the portal, with the real OpenSSH
 * client and Chromium: alice's key is not fresh, so the code prompt also shows a one-time link;
 * bob opening it is refused; alice, logged in to the portal with her second factor, sees her key's
 * fingerprint and the SSH client's address and confirms; Enter at the prompt then logs in, and ten
 * BatchMode connections (ssh, scp, sftp, -L) follow with no prompt and no code at all. A link not
 * yet confirmed, and one past its five minutes, refuse the login with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../../shared/src/clock.js';
import { launchChromium, loggedInPage } from '../../helpers/browser.js';
import { keyLogin, startSshChain } from '../../helpers/ssh-chain.js';
import { waitFor } from '../../helpers/wait-for.js';
import { operatorSshEnv } from '../../helpers/operator-ssh.js';
import { tenPromptlessConnections } from '../../helpers/promptless-connections.js';

/** The system clock, which the test can move forward (a link's five minutes pass at once). */
function skippingClock(): Clock & { skip(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms),
    setInterval: (fn, ms) => systemClock.setInterval(fn, ms),
    skip: (ms) => (offset += ms),
  };
}

const LINK = /(https:\/\/\S+\/ssh\/confirm\/([a-z0-9]{10}))/;

test(
  'SSH login confirmed in the portal: link, wrong user refused, confirm, Enter; then ten BatchMode connections; unconfirmed and expired links refused',
  { timeout: 300_000 },
  async (t) => {
    const clock = skippingClock();
    const chain = await startSshChain(t, { clock });
    const { alice, bob } = chain.users;
    const s = chain.it.gw.services;
    const base = chain.it.running.url;
    const key = [...chain.baseOptions(), '-o', `Port=${chain.sshPort}`, ...keyLogin(alice)];
    const batch = ['-o', 'BatchMode=yes', ...key];
    const fingerprint = /SHA256:\S+/.exec(
      execFileSync('/usr/bin/ssh-keygen', [
        '-l',
        '-E',
        'sha256',
        '-f',
        `${alice.keyFile ?? ''}.pub`,
      ]).toString(),
    )?.[0];
    assert.ok(fingerprint !== undefined);

    // The prompt's answer waits for the test: `go` releases one answer, `auto` answers at once.
    const askpass = join(chain.dir, 'confirm-askpass.sh');
    writeFileSync(
      askpass,
      `#!/bin/sh\ncase "$1" in\n  *erification*) [ -e '${chain.dir}/auto' ] || while [ ! -e '${chain.dir}/go' ]; do sleep 0.05; done; rm -f '${chain.dir}/go'; echo ;;\n  *) echo "unexpected prompt: $1" >&2; exit 1 ;;\nesac\n`,
    );
    chmodSync(askpass, 0o700);
    /** An interactive login (LogLevel INFO shows the prompt's instructions, hence the link). */
    const login = (prompts: number, command: string) => {
      const child = spawn(
        '/usr/bin/ssh',
        [
          '-o',
          'LogLevel=INFO',
          '-o',
          `NumberOfPasswordPrompts=${prompts}`,
          ...key,
          'alice+hmi-1@127.0.0.1',
          command,
        ],
        {
          env: operatorSshEnv({ dir: chain.dir, askpass }),
          stdio: ['ignore', 'pipe', 'pipe'],
          // Its own process group: the askpass script it starts goes with it.
          detached: true,
        },
      );
      t.after(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // ESRCH: already gone.
        }
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>(
        (resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })),
      );
      return {
        link: () =>
          waitFor('the confirmation link in the prompt', () => {
            const m = LINK.exec(stderr);
            return m?.[1] !== undefined && m[2] !== undefined && { url: m[1], code: m[2] };
          }),
        stderr: () => stderr,
        exited,
      };
    };
    const logins = () => chain.audit('auth.login');
    const confirms = () =>
      chain.audit('ssh.confirm').map((e) => [e.outcome, e.details.reason ?? null]);

    const browser = await launchChromium(t);
    const { page: alicePage } = await loggedInPage(browser, base, 'alice', alice);
    const { page: bobPage } = await loggedInPage(browser, base, 'bob', bob);

    // 1. The prompt shows the link; bob may not use it; alice sees her key and confirms.
    const first = login(1, 'echo confirmed');
    const link = await first.link();
    assert.ok(link.url.startsWith(`${base}/ssh/confirm/`), link.url);
    assert.match(first.stderr(), new RegExp(`key ${fingerprint.replace(/[+/]/g, '\\$&')}`));
    const asBob = await bobPage.goto(link.url);
    assert.equal(asBob?.status(), 403);
    assert.match(await bobPage.content(), /this SSH login is not yours/);
    const confirmPage = await alicePage.goto(link.url);
    assert.equal(confirmPage?.status(), 200);
    assert.equal(await alicePage.textContent('#ssh-confirm-key'), fingerprint);
    assert.match((await alicePage.textContent('#ssh-confirm-source')) ?? '', /^127\.0\.0\.1$/);
    await alicePage.click(`form[action="/ssh/confirm/${link.code}"] button[type=submit]`);
    await alicePage.waitForSelector('#ssh-confirmed');
    const reuse = await alicePage.goto(link.url);
    assert.equal(reuse?.status(), 409, 'the link works once');
    writeFileSync(join(chain.dir, 'go'), '');
    const done = await first.exited;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout, 'confirmed\n');
    assert.deepEqual(confirms(), [
      ['denied', 'other-user'],
      ['success', null],
      ['denied', 'already-used'],
    ]);

    // 2. Ten connections that could not answer a prompt.
    await tenPromptlessConnections(t, chain, batch, { file: 'confirm', payloadBytes: 50_000 });
    const fresh = logins().filter((e) => e.outcome === 'success' && e.details.mfa === 'fresh-key');
    assert.equal(fresh.length, 11, 'the confirmed login and ten on the fresh key');
    assert.equal(
      chain.audit('mfa.verify').filter((e) => e.details.via === 'ssh').length,
      0,
      'no code on any SSH connection (the two codes were the portal logins)',
    );

    // 3. A link not confirmed: Enter is refused with the reason, and the link dies with the connection.
    assert.equal(s.ssh?.freshKeys.endShift(alice.user, 'api'), 1);
    writeFileSync(join(chain.dir, 'auto'), '');
    const early = login(2, 'true');
    const unconfirmed = await early.link();
    const r1 = await early.exited;
    assert.equal(r1.code, 255);
    assert.match(r1.stderr, /Not confirmed yet: open the link below in the portal and confirm/);
    assert.match(r1.stderr, /Permission denied/);
    await waitFor('the unconfirmed login to be audited', () =>
      logins().some((e) => e.outcome === 'denied' && e.details.reason === 'not-confirmed'),
    );
    const dead = await alicePage.goto(unconfirmed.url);
    assert.equal(dead?.status(), 404);
    assert.match(await alicePage.content(), /unknown, already used or expired/);

    // 4. A link past its five minutes: refused in the portal, and the prompt says it expired.
    rmSync(join(chain.dir, 'auto'));
    const late = login(2, 'true');
    const old = await late.link();
    clock.skip(6 * 60_000);
    const expired = await alicePage.goto(old.url);
    assert.equal(expired?.status(), 404);
    assert.match(await alicePage.content(), /this SSH confirmation link has expired/);
    writeFileSync(join(chain.dir, 'go'), '');
    await waitFor('the prompt to say the link expired', () =>
      /The portal link expired before it was confirmed/.test(late.stderr()),
    );
    writeFileSync(join(chain.dir, 'go'), '');
    const r2 = await late.exited;
    assert.equal(r2.code, 255);
    assert.equal(chain.audit('ssh.confirm_expire').length, 1);
    // The prompt then offered a new link, not confirmed either: that is the login's final reason.
    await waitFor(
      'the second unconfirmed login to be audited',
      () =>
        logins().filter((e) => e.outcome === 'denied' && e.details.reason === 'not-confirmed')
          .length === 2,
    );
    assert.deepEqual(confirms().slice(3), [
      ['denied', 'unknown'],
      ['denied', 'expired'],
    ]);
    const stillOut = await chain.run('ssh', [...batch, 'alice+hmi-1@127.0.0.1', 'true']);
    assert.equal(stillOut.code, 255, 'no refused link made the key fresh');
  },
);
