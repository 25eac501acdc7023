/**
 * Owner-signed approvals end to end with real peers: an OT gateway whose local policy says
 * `approvals: owner-signed`, the OT CLI (`airlock-ot owner enroll-start olga`, its own process on
 * the gateway's database) printing the one-time code, olga enrolling her passkey in Chromium
 * (DevTools virtual authenticator) at https://localhost:<port>, alice's request, olga approving it
 * in the portal (the browser signs the request's content with her passkey), then alice's real
 * OpenSSH client through the IT gateway's SSH endpoint, the link and the OT gateway's SSH broker to
 * a real sshd. The OT audit records the verified signer (`ticket.verify` with `signers: [olga]`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../../image/demo/plant/free-port.js';
import { distRoot } from '../../../shared/src/testing/processes.js';
import { launchChromium, loggedInPage } from '../../helpers/browser.js';
import { auditActions } from '../../helpers/link-fixture.js';
import { keyLogin, startSshChain } from '../../helpers/ssh-chain.js';
import { waitFor } from '../../helpers/wait-for.js';

const run = promisify(execFile);

test(
  'in Chromium: olga enrolls from the OT CLI code, signs her approval with her passkey, alice opens a session with OpenSSH through both gateways',
  { timeout: 240_000 },
  async (t) => {
    const port = await freePort();
    const base = `https://localhost:${port}`;
    const chain = await startSshChain(t, {
      approvals: { mode: 'owner-signed', quorum: 1 },
      itPort: port,
      publicUrl: base,
      request: false,
    });
    const ot = chain.ot;
    assert.ok(ot !== undefined);
    const s = chain.it.gw.services;
    const { alice, olga } = chain.users;
    await waitFor('the published mode', () => s.access.signatures.isOwnerSigned('plant-1'));

    // The OT CLI prints the code (a process of its own on the running gateway's database).
    const cfg = join(chain.dir, 'ot-cli.json');
    writeFileSync(cfg, JSON.stringify(ot.config));
    const cli = await run(process.execPath, [
      join(distRoot, 'gateway-ot', 'src', 'main.js'),
      'owner',
      'enroll-start',
      'olga',
      '--config',
      cfg,
    ]);
    const code = /one-time code for olga at plant-1: (\S+)/.exec(cli.stdout)?.[1];
    assert.ok(code !== undefined, cli.stdout);

    const browser = await launchChromium(t);
    const { page, consoleErrors } = await loggedInPage(browser, base, 'olga', {
      password: olga.password,
      totpSecret: olga.totpSecret,
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    // The site page says the site is owner-signed and how to enroll.
    await page.goto(`${base}/sites/plant-1`);
    assert.equal(await page.getAttribute('#approval-mode', 'data-mode'), 'owner-signed');
    assert.match((await page.textContent('#owner-signed-enroll')) ?? '', /enroll-start olga/);

    await page.goto(`${base}/sites/plant-1/owner-enroll`);
    await page.fill('#owner-enroll-code', code);
    await Promise.all([
      page.waitForSelector('#owner-enroll-register'),
      page.click('#owner-enroll button[type=submit]'),
    ]);
    await Promise.all([
      page.waitForSelector('#owner-enrolled, .notice.error'),
      page.click('#owner-enroll-register button[type=submit]'),
    ]);
    assert.ok(await page.isVisible('#owner-enrolled'), await page.content());
    assert.equal(s.access.signatures.credentialsOf('plant-1', 'olga').length, 1);

    // alice asks for hmi-1; olga opens the request page: owner-signed, the approve form signs.
    const now = Date.now();
    const req = await s.access.requests.create(alice.user, {
      site: 'plant-1',
      assets: [{ asset: 'hmi-1', profile: 'maintenance' }],
      startsAt: now,
      endsAt: now + 3_600_000,
      reason: 'firmware update on the HMI',
    });
    await page.goto(`${base}/requests/${req.id}`);
    assert.match((await page.textContent('#approval-mode')) ?? '', /signed with your passkey/);
    // Approve is only the signing form (the plain form offers Deny alone).
    assert.equal(await page.locator('form:not(#signed-approve) button[value=approve]').count(), 0);
    await page.fill('#approve-comment', 'agreed with the shift lead');
    await Promise.all([
      page.waitForURL(/notice=granted/),
      page.click('#signed-approve button[type=submit]'),
    ]);
    const approved = [...s.store.audit.iterate()].filter((e) => e.action === 'request.approve');
    assert.equal(approved.length, 1);
    assert.deepEqual(Object.keys(approved[0]?.details['signed'] as object), ['credentialId']);
    assert.equal(s.store.ownerApprovals.ofRequest(req.id).length, 1);
    assert.deepEqual(
      consoleErrors.filter((m) => !m.startsWith('Failed to load resource')),
      [],
    );

    // alice's real OpenSSH client through both gateways: the session opens and runs.
    chain.answers(alice);
    const ssh = await chain.run('ssh', [
      ...chain.baseOptions(),
      '-p',
      String(chain.sshPort),
      ...keyLogin(alice),
      'alice+hmi-1@127.0.0.1',
      'echo signed-by-olga',
    ]);
    assert.equal(ssh.code, 0, ssh.stderr);
    assert.match(ssh.stdout, /signed-by-olga/);
    const verified = auditActions(ot.gw).filter(
      (e) => e.action === 'ticket.verify' && e.outcome === 'success',
    );
    assert.ok(verified.length >= 1);
    assert.deepEqual(verified.at(-1)?.details['signers'], ['olga']);
    assert.equal(verified.at(-1)?.details['approvalMode'], 'owner-signed');
  },
);
