/**
 * The web terminal after a refused command, in headless Chromium through both real gateways to
 * bash behind a real sshd: the xterm.js screen shows the refused line, the notice under it and a
 * fresh prompt, and the next command typed appears right after that prompt (the same bytes as
 * native ssh: test/integration/ssh/ssh-refusal-screen.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import {
  launchChromium,
  loggedInPage,
  terminalText,
  waitForTermState,
  waitForTerminal,
} from '../helpers/browser.js';
import { SITE, startIt, startOt, waitForSiteConnected } from '../helpers/link-fixture.js';
import { storeTargetPassword } from '../helpers/ot-ssh-process.js';
import { waitFor } from '../helpers/wait-for.js';
import { grantAliceByOlga } from '../helpers/web-terminal-grant.js';
import { startSshd } from '../peers/sshd.js';

useCrypto();

test(
  'the web terminal shows a clean prompt after a refused command',
  { timeout: 240_000 },
  async (t) => {
    const sshd = await startSshd(t);
    const target = sshd.users[0];
    assert.ok(target);
    const policy = {
      limits: { maxSessionMinutes: 60, maxConcurrentSessions: 8 },
      assets: {
        'hmi-1': {
          protocol: 'ssh',
          address: '127.0.0.1',
          port: sshd.port,
          hostKey: sshd.hostKey,
          username: target.name,
          profiles: {
            maintenance: {
              mode: 'interactive',
              defaultAction: 'allow',
              lineDiscipline: 'readline',
              rules: [{ pattern: '^sudo\\b', action: 'deny', reason: 'not on the HMI' }],
            },
          },
        },
      },
    };
    const it = await startIt(t);
    const ot = await startOt(t, { enrollWith: it, policy });
    storeTargetPassword(ot.gw, target.password);
    const s = it.gw.services;
    await waitFor('the site catalogue', () => s.store.catalogue.get(SITE, 'hmi-1'));
    const { alice } = await grantAliceByOlga(s, {
      assets: [{ asset: 'hmi-1', profile: 'maintenance' }],
      reason: 'web terminal refusal test',
      ticketRef: 'CHG-2',
    });
    await waitForSiteConnected(it);
    const base = it.running.url;
    const browser = await launchChromium(t);
    const a = await loggedInPage(browser, base, 'alice', alice);
    await a.page.goto(`${base}/terminal/${SITE}/hmi-1`);
    await waitForTermState(a.page, 'live');
    const lines = async (): Promise<string[]> =>
      (await terminalText(a.page)).split('\n').map((l) => l.trimEnd());
    await waitForTerminal(a.page, /\$\s*$/, 'the prompt');
    const prompt = `${(await lines()).filter((l) => l !== '').at(-1) ?? ''} `;
    assert.match(prompt, /\$ $/);
    await a.page.click('#terminal');
    await a.page.keyboard.type('sudo reboot');
    await waitForTerminal(a.page, /sudo reboot\s*$/, 'the echo');
    await a.page.keyboard.press('Enter');
    await waitForTerminal(a.page, /command refused: not on the HMI/, 'the refusal');
    await a.page.keyboard.type('echo "after-$((6*7))"');
    await a.page.keyboard.press('Enter');
    await waitForTerminal(a.page, /after-42\n.*\$\s*$/, 'the next command');
    const shown = await lines();
    const at = shown.indexOf(`${prompt}sudo reboot`);
    assert.ok(at >= 0, shown.join('\n'));
    assert.deepEqual(shown.slice(at, at + 4), [
      `${prompt}sudo reboot`,
      '[airlock] command refused: not on the HMI',
      `${prompt}echo "after-$((6*7))"`,
      'after-42',
    ]);
  },
);
