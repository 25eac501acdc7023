/**
 * The link between the compiled gateways as real processes, enrolled only through the CLIs a
 * launcher or an admin uses (`airlock-it site-add`, `site-enroll-token --json`, `airlock-ot enroll`),
 * and the crash case: after `kill -9` of the OT gateway, the IT side shows the site offline (the
 * kernel closes the killed process's TCP connection, so it is usually at once; offlineAfterSeconds,
 * 3 s in this config, catches a connection that is not closed), and a restarted OT gateway comes back
 * online by itself. How long it took is reported, not asserted: on a loaded machine /healthz polling
 * alone can take longer than the bound (speed belongs in test/bench/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IT_MAIN, OT_MAIN, startNode } from '../../shared/src/testing/processes.js';
import { itCliFixture, otCliFixture } from '../helpers/cli-fixture.js';
import { pinnedRequest } from '../helpers/https-client.js';
import { waitFor } from '../helpers/wait-for.js';

const OFFLINE_AFTER_S = 3;

interface SiteHealth {
  readonly site: string;
  readonly link: string;
  readonly gatewayVersion: string | null;
}

test(
  `kill -9 of the OT gateway: the IT side shows the site offline (offlineAfterSeconds ${OFFLINE_AFTER_S} s here); restarted, it is online again`,
  { timeout: 120_000 },
  async (t) => {
    const itCli = itCliFixture(t, {
      link: { heartbeatSeconds: 1, offlineAfterSeconds: OFFLINE_AFTER_S },
    });
    const otCli = otCliFixture(t, {
      site: 'plant-1',
      config: { link: { reconnectMinSeconds: 0.2, reconnectMaxSeconds: 1 } },
    });

    const added = await itCli.cli('site-add', '--site', 'plant-1', '--timezone', 'Europe/Berlin');
    assert.equal(added.code, 0, added.stderr);
    const it = await startNode(t, [IT_MAIN, 'run', '--config', itCli.cfg]);
    const itUrl = `https://127.0.0.1:${String(it.ready.httpsPort)}`;
    const fp = String(it.ready.tlsFingerprint).replace(/:/g, '').toLowerCase();
    const site = async (): Promise<SiteHealth> => {
      const res = await pinnedRequest(`${itUrl}/healthz`, fp);
      const s = res.json<{ sites: SiteHealth[] }>().sites.find((x) => x.site === 'plant-1');
      assert.ok(s !== undefined);
      return s;
    };
    assert.equal((await site()).link, 'not-enrolled');

    const tokenRun = await itCli.cli('site-enroll-token', '--site', 'plant-1', '--json');
    assert.equal(tokenRun.code, 0, tokenRun.stderr);
    const issued = JSON.parse(tokenRun.stdout) as { token: string; itFingerprint: string };
    assert.equal(
      issued.itFingerprint.replace(/:/g, '').toLowerCase(),
      fp,
      'the token comes with the fingerprint the gateway serves',
    );
    const enroll = (...args: string[]) =>
      otCli.cli(
        'enroll',
        '--it-url',
        itUrl,
        '--token',
        issued.token,
        '--fingerprint',
        issued.itFingerprint,
        ...args,
      );
    const enrolled = await enroll('--json');
    assert.equal(enrolled.code, 0, enrolled.stderr);
    assert.equal((JSON.parse(enrolled.stdout) as { enrolled: string }).enrolled, 'plant-1');
    const again = await enroll();
    assert.equal(again.code, 1, 'a used token is refused');
    assert.match(again.stderr, /used/);

    const ot = await startNode(t, [OT_MAIN, 'run', '--config', otCli.cfg]);
    const online = await waitFor(
      'the site to come online',
      async () => {
        const s = await site();
        return s.link === 'online' ? s : undefined;
      },
      30_000,
      100,
    );
    assert.equal(online.gatewayVersion !== null, true);

    ot.child.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(
      'the site to show offline',
      async () => (await site()).link === 'offline',
      30_000,
      100,
    );
    const tookMs = Date.now() - killedAt;
    t.diagnostic(
      `offline shown ${tookMs} ms after kill -9 (offlineAfterSeconds ${OFFLINE_AFTER_S} s)`,
    );
    await ot.stop();

    await startNode(t, [OT_MAIN, 'run', '--config', otCli.cfg]);
    await waitFor(
      'the restarted gateway to come online',
      async () => (await site()).link === 'online',
      30_000,
      100,
    );
  },
);
