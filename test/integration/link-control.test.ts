/**
 * The control channel between a real in-process IT gateway and OT gateway on 127.0.0.1: frames that
 * break the rules close the link and are audited, and the gateway comes back by itself; the asset
 * catalogue is published and stored (audited only when it changes); heartbeats measure the clock
 * offset and detect a silent peer; a restarted IT gateway sees its site come back without anyone
 * acting. Nothing here races a timer: a bad peer speaks while the real gateway's path is frozen (it
 * cannot take the link back mid-case), and only the silent-peer case uses short offline timings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock, type Clock } from '../../shared/src/clock.js';
import { MAX_CONTROL_FRAME_BYTES } from '../../shared/src/link/control-messages.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import {
  auditActions,
  OFFLINE_TEST_LINK,
  SITE,
  startIt,
  startOt,
  TEST_POLICY,
  waitForSiteConnected,
  waitForSiteState,
} from '../helpers/link-fixture.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { connectRawPeer } from '../helpers/raw-link-peer.js';
import { waitFor } from '../helpers/wait-for.js';

useCrypto();

test(
  'malformed, unknown-type and oversized control messages close the link, are audited, and the gateway reconnects',
  { timeout: 90_000 },
  async (t) => {
    const it = await startIt(t);
    // The real gateway's link goes through a proxy the test freezes while a bad peer speaks: the
    // bad peer supersedes the real link, and the real gateway cannot take it back until the thaw.
    const proxy = await startTcpProxy(t, it.running.httpsPort);
    const ot = await startOt(t, { enrollWith: it, itUrl: `https://127.0.0.1:${proxy.port}` });
    await waitForSiteConnected(it);
    const cases: [string, unknown, number, string][] = [
      ['malformed', '{"type":"pong",', 1008, 'frame.not_json'],
      ['unknown type', { type: 'shell', cmd: 'rm -rf /' }, 1008, 'frame.unknown_type'],
      [
        'invalid fields',
        { type: 'pong', id: 1, itTime: 1, otTime: 1, extra: true },
        1008,
        'frame.invalid',
      ],
      ['binary', Buffer.from([1, 2, 3]), 1008, 'frame.binary'],
      [
        'oversized',
        JSON.stringify({ type: 'catalogue', assets: [], pad: 'x'.repeat(MAX_CONTROL_FRAME_BYTES) }),
        1009,
        'frame.too_large',
      ],
    ];
    for (const [name, frame, code, auditCode] of cases) {
      proxy.freeze();
      // The same identity as the running gateway (as a compromised or buggy gateway would be).
      const peer = await connectRawPeer(
        it.running.url,
        it.running.tlsFingerprint,
        ot.gw.services.identity,
        SITE,
      );
      peer.send(peer.hello());
      await peer.next('welcome');
      peer.send(frame);
      const closed = await peer.closed;
      assert.equal(closed.code, code, name);
      const audited = auditActions(it.gw)
        .filter((e) => e.action === 'link.violation')
        .at(-1);
      assert.equal(audited?.details.code, auditCode, name);
      proxy.thaw();
      await waitFor(
        `the real gateway back online after the ${name} frame`,
        () => it.gw.services.links.get(SITE).state === 'online',
        60_000,
      );
    }
    const reasons = auditActions(it.gw)
      .filter((e) => e.action === 'link.disconnect')
      .map((e) => String(e.details.reason));
    assert.ok(
      reasons.some((r) => r.startsWith('superseded')),
      'the real link was superseded by the bad peer',
    );
    assert.deepEqual(
      reasons.filter((r) => r.startsWith('link violation')).length,
      5,
      reasons.join('; '),
    );
  },
);

test(
  'the catalogue is published on connect and stored; a change is audited once, no change is not',
  { timeout: 60_000 },
  async (t) => {
    const it = await startIt(t);
    const ot = await startOt(t, { enrollWith: it });
    await waitFor('catalogue stored', () => it.gw.services.store.catalogue.list(SITE).length === 2);
    assert.deepEqual(
      it.gw.services.store.catalogue
        .list(SITE)
        .map((a) => [a.name, a.protocol, a.servicePort, a.profiles.map((p) => p.name)]),
      [
        ['hmi-1', 'ssh', 22, ['maintenance']],
        ['plc-1', 'modbus', 502, ['maintenance', 'read-only']],
      ],
    );
    const stored = JSON.stringify(it.gw.services.store.catalogue.list(SITE));
    assert.ok(
      !stored.includes('svc') && !stored.includes('AAAAC3'),
      'no account names or host keys leave the OT side',
    );
    const connects = (): number =>
      auditActions(it.gw).filter((e) => e.action === 'link.connect').length;
    await ot.stop();
    const same = await startOt(t, { dir: ot.dir });
    await waitFor('reconnected', () => connects() === 2);
    await same.stop();
    const policy = structuredClone(TEST_POLICY) as { assets: Record<string, unknown> };
    delete policy.assets['hmi-1'];
    policy.assets['plc-2'] = {
      protocol: 'modbus',
      address: '127.0.0.1',
      profiles: { 'read-only': { unitIds: [3] } },
    };
    await startOt(t, { dir: ot.dir, policy });
    await waitFor(
      'changed catalogue stored',
      () => it.gw.services.store.catalogue.get(SITE, 'plc-2') !== undefined,
    );
    const changes = auditActions(it.gw)
      .filter((e) => e.action === 'site.catalogue')
      .map((e) => [e.details.added, e.details.removed]);
    assert.deepEqual(changes, [
      [['hmi-1', 'plc-1'], []],
      [['plc-2'], ['hmi-1']],
    ]);
  },
);

test(
  'heartbeats measure the clock offset, a silent gateway is shown offline, and a restarted IT gateway sees its site come back',
  { timeout: 60_000 },
  async (t) => {
    const it = await startIt(t);
    const skewed: Clock = {
      now: () => Date.now() + 300_000,
      setTimeout: systemClock.setTimeout,
      setInterval: systemClock.setInterval,
    };
    const ot = await startOt(t, { enrollWith: it, clock: skewed });
    const offset = await waitFor('a measured offset', () => {
      const l = it.gw.services.links.get(SITE);
      return l.state === 'online' &&
        l.clockOffsetMs !== null &&
        Math.abs(l.clockOffsetMs - 300_000) < 1_000
        ? l.clockOffsetMs
        : undefined;
    });
    assert.ok(Math.abs(offset - 300_000) < 1_000);
    const health = it.gw.services.links.get(SITE);
    assert.equal(health.gatewayVersion, '0.1.0');

    // The IT gateway restarts on the same port and data: the site comes back by itself.
    const port = it.running.httpsPort;
    await it.stop();
    await waitFor('the OT side to notice', () => ot.gw.services.link.state !== 'online');
    // Short offline timings: the silent peer below must be noticed within seconds.
    const again = await startIt(t, { dir: it.dir, port, site: false, link: OFFLINE_TEST_LINK });
    await waitFor(
      'the site back online after the restart',
      () => again.gw.services.links.get(SITE).state === 'online',
    );

    // A peer that authenticates and then goes silent (a cut cable: no FIN) is cut off and shown offline.
    await ot.stop();
    await waitForSiteState(again, 'offline');
    const silent = await connectRawPeer(
      again.running.url,
      again.running.tlsFingerprint,
      ot.gw.services.identity,
      SITE,
    );
    silent.send(silent.hello());
    await silent.next('welcome');
    assert.equal(again.gw.services.links.get(SITE).state, 'online');
    const closed = await silent.closed;
    assert.equal(closed.code, 4008);
    assert.match(closed.reason, /nothing heard from the gateway for \d+ ms/);
    assert.equal(again.gw.services.links.get(SITE).state, 'offline');
  },
);
