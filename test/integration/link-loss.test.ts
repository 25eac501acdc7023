/**
 * Live sessions when the IT<->OT link is lost (issue 17 item 8), through both gateways with a TCP
 * proxy on the link (every control and data connection goes through it): a Modbus session (raw
 * client behind a local `ssh -L` stand-in, recording PLC stub) and an SSH exec session on a real
 * sshd. Two outages: a reset (`cut`: every connection closed at once, as when the IT gateway's
 * process dies) and a silent one (`freeze`: nothing moves, nothing closes, as when the IT gateway
 * is frozen or a firewall blackholes it). Two rules from the OT local policy: `end` (the default:
 * sessions end `linkLossGraceSeconds` after the link is declared down) and `keep` (until the grant
 * ends by the OT clock).
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import type { SessionStream } from '../../shared/src/link/session-channel.js';
import {
  auditActions,
  makeTicket,
  OFFLINE_TEST_LINK,
  SITE,
  startIt,
  startOt,
  waitForSiteConnected,
  waitForSiteState,
} from '../helpers/link-fixture.js';
import { storeTargetPassword } from '../helpers/ot-ssh-process.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait-for.js';
import { startLinkForward } from '../peers/link-forward.js';
import { mbap, pdu } from '../peers/raw-modbus-client.js';
import { startRecordingPlc, type RecordingPlc } from '../peers/recording-plc.js';
import { startSshd } from '../peers/sshd.js';
import { plc1Asset } from '../../image/demo/plant/plc-1-policy.js';
import type { OtFixture } from '../helpers/link-fixture.js';
import type { ItFixture } from '../helpers/link-fixture.js';

useCrypto();

interface Site {
  readonly it: ItFixture;
  readonly ot: OtFixture;
  readonly proxy: TcpProxy;
  readonly plc: RecordingPlc;
  readonly forwardPort: number;
}

/**
 * `silent`: the outage under test is a silent one, so the link uses short offline timings (silence
 * noticed within seconds, by both sides); otherwise the fixture's, which a busy loop never trips.
 */
async function startSite(
  t: TestContext,
  limits: Record<string, unknown>,
  withSsh: boolean,
  silent: boolean,
): Promise<Site & { sshPassword?: string }> {
  const plc = await startRecordingPlc(t);
  const sshd = withSsh ? await startSshd(t) : undefined;
  const account = sshd?.users[0];
  const it = await startIt(t, silent ? { link: OFFLINE_TEST_LINK } : {});
  const proxy = await startTcpProxy(t, it.running.httpsPort);
  const assets: Record<string, unknown> = { 'plc-1': plc1Asset(plc.port) };
  if (sshd !== undefined && account !== undefined)
    assets['hmi-1'] = {
      protocol: 'ssh',
      address: '127.0.0.1',
      port: sshd.port,
      hostKey: sshd.hostKey,
      username: account.name,
      profiles: { maintenance: { mode: 'record-only' } },
    };
  const ot = await startOt(t, {
    enrollWith: it,
    itUrl: `https://127.0.0.1:${proxy.port}`,
    policy: { limits: { maxSessionMinutes: 60, maxConcurrentSessions: 8, ...limits }, assets },
  });
  if (account !== undefined) storeTargetPassword(ot.gw, account.password);
  await waitForSiteConnected(it);
  const { port } = await startLinkForward(t, it, { profile: 'maintenance' });
  return { it, ot, proxy, plc, forwardPort: port };
}

/** A Modbus client through both gateways, connected to the PLC, one read answered. */
async function modbusSession(t: TestContext, site: Site): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port: site.forwardPort, noDelay: true });
  socket.on('error', () => undefined);
  t.after(() => void socket.destroy());
  await readThrough(socket, 1);
  assert.equal(site.plc.liveConnections(), 1, 'the session holds one PLC connection');
  return socket;
}

function readThrough(socket: Socket, tid: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 6 && got.length >= 6 + got.readUInt16BE(4)) {
        socket.off('data', onData);
        if (got.readUInt16BE(0) === tid && got[7] === 3) resolve();
        else reject(new Error(`unexpected answer ${got.toString('hex')}`));
      }
    };
    socket.on('data', onData);
    socket.write(mbap(tid, 1, pdu(3, [0, 1])));
  });
}

/** An SSH exec session on the real sshd, through both gateways, with its command running. */
async function sshSession(site: Site): Promise<SessionStream> {
  const s = await site.it.gw.services.siteCommands.openSession(
    SITE,
    makeTicket(site.it, Date.now(), {
      asset: 'hmi-1',
      protocol: 'ssh',
      profile: 'maintenance',
      channel: 'ssh-session',
    }),
  );
  let out = '';
  s.stream.on('data', (c: Buffer) => (out += c.toString()));
  s.stream.on('error', () => undefined);
  s.sendControl({ type: 'ssh.start', kind: 'exec', command: 'echo started; exec sleep 300' });
  await waitFor('the command to run on the target', () => out.includes('started'));
  return s;
}

function sessionEnds(ot: OtFixture): string[] {
  return auditActions(ot.gw)
    .filter((e) => e.action === 'session.end')
    .map((e) => String(e.details.reason));
}

test(
  'silent outage (IT side frozen, nothing closed): Modbus and SSH sessions end after the grace, the PLC connection with them',
  { timeout: 90_000 },
  async (t) => {
    const site = await startSite(t, { linkLossGraceSeconds: 0.5 }, true, true);
    await modbusSession(t, site);
    await sshSession(site);
    assert.equal(site.ot.gw.services.sessions.liveCount, 2);
    site.proxy.freeze();
    await waitFor('the OT side to declare the link down', () => {
      const state = site.ot.gw.services.link.state;
      return state !== 'online';
    });
    await waitFor('both sessions to end', () => sessionEnds(site.ot).length === 2);
    for (const reason of sessionEnds(site.ot))
      assert.match(reason, /the link to the IT gateway has been down for 0\.5 s \(nothing heard/);
    assert.equal(site.ot.gw.services.sessions.liveCount, 0, 'the slots are free');
    await waitFor('the PLC connection to close', () => site.plc.liveConnections() === 0);
    const reads = auditActions(site.ot.gw).find((e) => e.action === 'modbus.reads');
    assert.match(String(reads?.details.endReason), /the link to the IT gateway has been down/);
    site.proxy.thaw();
  },
);

test(
  'reset outage (every link connection closed): Modbus and SSH sessions end at once with their data connections',
  { timeout: 90_000 },
  async (t) => {
    // A grace far beyond the test: what ends the sessions here is their own data connection.
    const site = await startSite(t, { linkLossGraceSeconds: 3600 }, true, false);
    await modbusSession(t, site);
    await sshSession(site);
    site.proxy.cut();
    await waitFor('both sessions to end', () => sessionEnds(site.ot).length === 2);
    for (const reason of sessionEnds(site.ot)) assert.match(reason, /data connection/);
    assert.equal(site.ot.gw.services.sessions.liveCount, 0);
    await waitFor('the PLC connection to close', () => site.plc.liveConnections() === 0);
    site.proxy.restore();
  },
);

test(
  'sessionsWithoutLink keep: a Modbus session outlives a silent outage and works again after it',
  { timeout: 90_000 },
  async (t) => {
    // Grace 0 would end it the moment the link is declared down, were the rule `end`.
    const site = await startSite(
      t,
      { sessionsWithoutLink: 'keep', linkLossGraceSeconds: 0 },
      false,
      true,
    );
    const socket = await modbusSession(t, site);
    site.proxy.freeze();
    await waitFor('the OT side to declare the link down', () => {
      const state = site.ot.gw.services.link.state;
      return state !== 'online';
    });
    await waitForSiteState(site.it, 'offline');
    site.proxy.thaw();
    await readThrough(socket, 2);
    assert.deepEqual(sessionEnds(site.ot), [], 'the session never ended');
    assert.equal(site.ot.gw.services.sessions.liveCount, 1);
    assert.equal(site.plc.liveConnections(), 1);
  },
);
