/**
 * The portal's web terminal and live supervision in a real browser (headless Chromium) through
 * both real gateways (in-process, HTTPS and the link on 127.0.0.1) to a real OpenSSH sshd:
 *  - alice opens her granted asset in the web terminal, types a command and sees its output;
 *  - an asset she holds no grant for is refused, and the page shows why;
 *  - olga (OT owner) sees alice's live session, watches it live, and ends it with a reason;
 *  - a `supervised` profile waits until olga watches, then reaches the target;
 *  - the recording of alice's first session reaches the IT gateway over the link, verified against
 *    the OT audit chain, and olga plays it in the portal.
 * The OT gateway is the real one: its vault holds the target password, its SSH broker records.
 * Each step asserts the audit events it expects on the IT side.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditLog } from '../../shared/src/audit/audit-log.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import {
  launchChromium,
  loggedInPage,
  waitForTermState,
  waitForTerminal,
} from '../helpers/browser.js';
import { SITE, startIt, startOt, waitForSiteConnected } from '../helpers/link-fixture.js';
import { storeTargetPassword } from '../helpers/ot-ssh-process.js';
import { waitFor } from '../helpers/wait-for.js';
import { grantAliceByOlga } from '../helpers/web-terminal-grant.js';
import { startSshd } from '../peers/sshd.js';

useCrypto();

function actions(
  audit: AuditLog,
): { action: string; outcome: string; details: Readonly<Record<string, unknown>> }[] {
  return [...audit.iterate()].map((e) => ({
    action: e.action,
    outcome: e.outcome,
    details: e.details,
  }));
}

test(
  'web terminal, refusal, live supervision, ending a session and a supervised start, in Chromium through both gateways to a real sshd',
  { timeout: 240_000 },
  async (t) => {
    const sshd = await startSshd(t);
    const target = sshd.users[0];
    assert.ok(target);
    const ssh = (profiles: Record<string, unknown>) => ({
      protocol: 'ssh',
      address: '127.0.0.1',
      port: sshd.port,
      hostKey: sshd.hostKey,
      username: target.name,
      profiles,
    });
    const policy = {
      limits: { maxSessionMinutes: 60, maxConcurrentSessions: 8 },
      assets: {
        'hmi-1': ssh({ maintenance: { mode: 'record-only' } }),
        'hmi-2': ssh({ vendor: { mode: 'record-only', supervised: true } }),
        'hmi-3': ssh({ maintenance: { mode: 'record-only' } }),
      },
    };
    const it = await startIt(t);
    const ot = await startOt(t, { enrollWith: it, policy });
    storeTargetPassword(ot.gw, target.password);
    const s = it.gw.services;
    await waitFor('the site catalogue', () => s.store.catalogue.get(SITE, 'hmi-3'));
    const { alice, olga } = await grantAliceByOlga(s, {
      assets: [
        { asset: 'hmi-1', profile: 'maintenance' },
        { asset: 'hmi-2', profile: 'vendor' },
      ],
      reason: 'web terminal test',
      ticketRef: 'CHG-1',
    });
    await waitForSiteConnected(it);
    const base = it.running.url;

    const browser = await launchChromium(t);
    const a = await loggedInPage(browser, base, 'alice', alice);
    const o = await loggedInPage(browser, base, 'olga', olga);

    let firstSession = '';
    await t.test(
      'the dashboard links the web terminal; a command typed in it runs on the target',
      async () => {
        assert.ok(
          (await a.page.locator(`a[href="/terminal/${SITE}/hmi-1"]`).count()) > 0,
          'dashboard links the terminal',
        );
        await a.page.goto(`${base}/terminal/${SITE}/hmi-1`);
        assert.match(
          await waitForTermState(a.page, 'live'),
          /connected to plant-1\/hmi-1 \(maintenance\)/,
        );
        await a.page.click('#terminal');
        await a.page.keyboard.type('echo "web-$((6*7))"; whoami');
        await a.page.keyboard.press('Enter');
        const text = await waitForTerminal(
          a.page,
          new RegExp(`web-42\\s*\\n${target.name}`),
          'the command output',
        );
        assert.match(text, /web-42/);
        const live = s.sessions.live.list({ site: SITE });
        assert.equal(live.length, 1);
        firstSession = live[0]?.id ?? '';
        assert.equal(live[0]?.info.via, 'web');
        const start = actions(s.store.audit).find((e) => e.action === 'session.start');
        assert.equal(start?.details.via, 'web');
      },
    );

    await t.test('an asset without a grant is refused and the page says why', async () => {
      const p = await a.page.context().newPage();
      await p.goto(`${base}/terminal/${SITE}/hmi-3`);
      const text = await waitForTermState(p, 'refused');
      assert.match(text, /you have no grant for hmi-3 at plant-1/);
      const deny = actions(s.store.audit).filter((e) => e.action === 'session.deny');
      assert.equal(deny.at(-1)?.details.code, 'access.no_grant');
      await p.close();
    });

    await t.test(
      'the OT owner sees the live session, watches its output live and ends it',
      async () => {
        await o.page.goto(`${base}/sites/${SITE}/sessions`);
        const row = o.page.locator('tr.live-session');
        assert.equal(await row.count(), 1);
        assert.match((await row.textContent()) ?? '', /alice.*hmi-1/s);
        await Promise.all([
          o.page.waitForURL(/\/watch$/),
          row.locator('a:has-text("Watch")').click(),
        ]);
        assert.match(await waitForTermState(o.page, 'live'), /watching alice on plant-1\/hmi-1/);
        await a.page.keyboard.type('echo "seen-$((2+3))"');
        await a.page.keyboard.press('Enter');
        await waitForTerminal(o.page, /seen-5/, 'the watcher seeing the operator output');
        await o.page.fill('#reason', 'test of ending a session');
        await Promise.all([
          o.page.waitForURL(/notice=session-ended/),
          o.page.click('button:has-text("End session")'),
        ]);
        assert.match(
          await waitForTermState(a.page, 'ended'),
          /ended by olga: test of ending a session/,
        );
        await waitFor('the session to leave the registry', () => s.sessions.live.size === 0);
        const log = actions(s.store.audit);
        assert.ok(log.some((e) => e.action === 'session.watch' && e.details.event === 'start'));
        assert.ok(
          log.some(
            (e) =>
              e.action === 'session.terminate' && e.details.reason === 'test of ending a session',
          ),
        );
        assert.ok(log.some((e) => e.action === 'session.end'));
      },
    );

    await t.test(
      'a supervised profile waits for a supervisor, then reaches the target',
      async () => {
        await a.page.goto(`${base}/terminal/${SITE}/hmi-2`);
        await waitForTermState(a.page, 'live');
        await waitForTerminal(a.page, /starts when a supervisor is watching/, 'the waiting notice');
        assert.doesNotMatch(
          await waitForTerminal(a.page, /./, 'anything'),
          new RegExp(`${target.name}@`),
          'no shell before a supervisor watches',
        );
        await o.page.goto(`${base}/sites/${SITE}/sessions`);
        await Promise.all([
          o.page.waitForURL(/\/watch$/),
          o.page.click('tr.live-session a:has-text("Watch")'),
        ]);
        await waitForTermState(o.page, 'live');
        await waitForTerminal(
          a.page,
          new RegExp(`${target.name}@`),
          'the shell prompt once supervised',
        );
        await a.page.click('#terminal');
        await a.page.keyboard.type('echo "supervised-$((1+1))"');
        await a.page.keyboard.press('Enter');
        await waitForTerminal(o.page, /supervised-2/, 'the supervisor seeing the output');
        await a.page.keyboard.type('exit');
        await a.page.keyboard.press('Enter');
        await waitForTermState(a.page, 'ended');
        await waitForTermState(o.page, 'ended');
      },
    );

    await t.test(
      'the recording of the first session reaches the IT gateway, verified, and plays for the OT owner',
      async () => {
        await waitFor(
          'the recording verified at IT',
          () => s.recording.ingest.get(firstSession)?.status === 'verified',
          30_000,
        );
        await o.page.goto(`${base}/sites/${SITE}/recordings`);
        await Promise.all([
          o.page.waitForURL(new RegExp(`/recordings/${firstSession}$`)),
          o.page.click(`tr.recording[data-session="${firstSession}"] a:has-text("Play")`),
        ]);
        await o.page.selectOption('#speed', '16');
        await waitForTermState(o.page, 'done');
        await waitForTerminal(o.page, /web-42/, 'the recorded output');
        assert.ok(
          actions(s.store.audit).some(
            (e) => e.action === 'recording.play' && e.details.sessionId === firstSession,
          ),
        );
      },
    );

    assert.deepEqual(a.consoleErrors, [], 'no script or CSP error on the operator pages');
    assert.deepEqual(o.consoleErrors, [], 'no script or CSP error on the supervisor pages');
  },
);
