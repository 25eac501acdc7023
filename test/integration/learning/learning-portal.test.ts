/**
 * The learn, review, enforce loop as the portal shows it: a real OT gateway enrolled with a real IT
 * gateway, a pymodbus server as the PLC, and Modbus sessions opened through the link. An earlier
 * job writes HR 50; the OT owner opens a learn window and proposes (with a replay) from a second
 * gateway instance on the same data folder, as `airlock-ot policy` does; the running gateway
 * publishes the window and the proposal (diff, replay refusals) over the link, and the portal's
 * "Policy learning" page shows them to the site's OT owners and auditors, read-only, with the
 * OT-side apply command; an engineer gets 403 (audited as access.deny). After `apply` the page
 * shows the proposal applied.
 */
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { systemClock } from '../../../shared/src/clock.js';
import { randomIds } from '../../../shared/src/ids.js';
import { silentLogger } from '../../../shared/src/log.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { createOtGateway, type OtGateway } from '../../../gateway-ot/src/app.js';
import type { OtConfig } from '../../../gateway-ot/src/config/config.js';
import { pinnedRequest } from '../../helpers/https-client.js';
import {
  makeTicket,
  SITE,
  startIt,
  startOt,
  waitForSiteConnected,
  type ItFixture,
} from '../../helpers/link-fixture.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startPymodbusServer } from '../../peers/pymodbus.js';
import { mbap, pdu } from '../../peers/raw-modbus-client.js';

useCrypto();

const HR = { from: 0, to: 199 };

function policyFor(port: number) {
  return {
    assets: {
      'plc-1': {
        protocol: 'modbus',
        address: '127.0.0.1',
        port,
        profiles: {
          job: {
            unitIds: [1],
            functions: ['read', 'write'],
            tables: { holdingRegisters: { read: [HR], write: [{ ...HR, min: 0, max: 65535 }] } },
            learnCeiling: {
              unitIds: [1],
              functions: ['read', 'write'],
              tables: {
                holdingRegisters: {
                  read: [{ from: 0, to: 999 }],
                  write: [{ from: 0, to: 999, min: 0, max: 65535 }],
                },
              },
            },
          },
        },
      },
    },
  };
}

/** Runs `fn` on a second, not started gateway over the same data folder (as the OT CLI does). */
async function asCli<T>(config: OtConfig, fn: (gw: OtGateway) => T): Promise<T> {
  const gw = await createOtGateway(config, {
    clock: systemClock,
    ids: randomIds,
    log: silentLogger,
  });
  try {
    return fn(gw);
  } finally {
    await gw.stop();
  }
}

/** Sends each request over a Modbus session through the link and returns each answer's PDU. */
async function modbusJob(it: ItFixture, requests: readonly Buffer[]): Promise<number[][]> {
  const ticket = makeTicket(it, Date.now(), { asset: 'plc-1', profile: 'job' });
  const s = await it.gw.services.siteCommands.openSession(SITE, ticket);
  const answers: number[][] = [];
  try {
    for (const [i, r] of requests.entries()) {
      s.stream.write(mbap(i + 1, 1, r));
      answers.push([...(await nextFrame(s.stream)).subarray(7)]);
    }
  } finally {
    s.close('job done');
  }
  return answers;
}

function nextFrame(stream: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error('no Modbus answer within 10 s')), 10_000);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 6 && buf.length >= 6 + buf.readUInt16BE(4)) done(undefined);
    };
    const onClose = (): void => done(new Error('the session closed'));
    function done(e: Error | undefined): void {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('close', onClose);
      if (e === undefined) resolve(buf);
      else reject(e);
    }
    stream.on('data', onData);
    stream.on('close', onClose);
  });
}

async function users(it: ItFixture) {
  const admin = it.gw.services.auth.userAdmin;
  const make = async (name: string, role: 'ot-owner' | 'auditor' | 'engineer') =>
    (
      await admin.createUser(
        { name, roles: [role === 'engineer' ? { role } : { role, site: SITE }] },
        'cli:test',
      )
    ).user;
  return {
    olga: await make('olga', 'ot-owner'),
    audrey: await make('audrey', 'auditor'),
    alice: await make('alice', 'engineer'),
  };
}

test(
  'the OT gateway publishes learn windows and proposals with their replay; the portal shows them to OT owners and auditors only',
  { timeout: 120_000 },
  async (t: TestContext) => {
    const plc = await startPymodbusServer(t, 1, new Array<number>(300).fill(0));
    const it = await startIt(t);
    const ot = await startOt(t, { enrollWith: it, policy: policyFor(plc.port) });
    await waitForSiteConnected(it);
    const s = it.gw.services;
    await waitFor('the learning status of the connection', () =>
      s.sites.learningOf(SITE)?.status.profiles.length === 0 ? true : undefined,
    );

    // An earlier job under the broad profile: the write to HR 50 is audited as modbus.write.
    assert.deepEqual(await modbusJob(it, [pdu(6, [50, 7])]), [[6, 0, 50, 0, 7]]);

    const until = await asCli(ot.config, (gw) =>
      gw.services.learning.learn({
        asset: 'plc-1',
        profile: 'job',
        until: Date.now() + 3_600_000,
        actor: 'cli:olga',
      }),
    );
    const learned = await modbusJob(it, [
      pdu(3, [0, 10]),
      pdu(6, [5, 1200]),
      pdu(6, [500, 9]), // beyond the profile, inside its learn ceiling: allowed while learning
    ]);
    assert.deepEqual(
      learned.map((a) => a[0]),
      [3, 6, 6],
    );
    const proposal = await asCli(ot.config, (gw) =>
      gw.services.learning.propose({
        asset: 'plc-1',
        profile: 'job',
        marginPercent: 10,
        replayDays: 1,
        actor: 'cli:olga',
      }),
    );

    const published = await waitFor(
      'the proposal on the IT side',
      () => {
        const p = s.sites.learningOf(SITE)?.status.profiles[0];
        return p?.proposal?.id === proposal.id ? p : undefined;
      },
      20_000,
    );
    assert.equal(published.window?.until, until.until);
    assert.equal(published.window?.startedBy, 'cli:olga');
    assert.equal(published.proposal?.review?.operations, 3);
    assert.deepEqual(
      published.proposal?.review?.replay?.refused.map((r) => [r.source, r.operation, r.rule]),
      [['audit', 'unit 1 fc 6 holdingRegisters 50 x1 = 7', 'address']],
    );

    const { olga, audrey, alice } = await users(it);
    const get = (path: string, userId: typeof olga.id) =>
      pinnedRequest(`${it.running.url}${path}`, it.running.tlsFingerprint, {
        headers: {
          cookie: `__Host-airlock-session=${s.auth.sessions.issue(userId, 'web', '127.0.0.1').secret}`,
        },
      });
    for (const who of [olga, audrey]) {
      const sitePage = await get(`/sites/${SITE}`, who.id);
      assert.match(sitePage.body, new RegExp(`href="/sites/${SITE}/learning"`));
    }
    for (const who of [olga, audrey]) {
      const page = await get(`/sites/${SITE}/learning`, who.id);
      assert.equal(page.status, 200, page.body);
      assert.match(page.body, /data-profile="plc-1\/job"/);
      assert.match(page.body, /data-mode="learn"/);
      assert.match(page.body, new RegExp(`data-proposal="${proposal.id}" data-applied="no"`));
      assert.match(page.body, new RegExp(`airlock-ot policy apply ${proposal.id}`));
      assert.match(page.body, /data-replay="refusals"/);
      assert.match(page.body, /unit 1 fc 6 holdingRegisters 50 x1 = 7/);
      assert.match(page.body, /<pre class="profile-diff">[^<]*\+ /);
      assert.doesNotMatch(page.body, /data-stale/, 'made from the policy file in force');
      assert.doesNotMatch(page.body, /<form[^>]*learning/, 'nothing is applied from the portal');
    }
    const refused = await get(`/sites/${SITE}/learning`, alice.id);
    assert.equal(refused.status, 403, refused.body);
    assert.doesNotMatch(refused.body, new RegExp(proposal.id));
    const denials = [...s.store.audit.iterate()].filter(
      (e) => e.action === 'access.deny' && e.details['code'] === 'learning.owners_auditors_only',
    );
    assert.deepEqual(
      denials.map((e) => [e.actor, e.site]),
      [['alice', SITE]],
      'the refusal is audited once',
    );

    // Applied on the OT side: the window ends and the page says so.
    await asCli(ot.config, (gw) =>
      gw.services.learning.apply({ proposalId: proposal.id, actor: 'cli:olga' }),
    );
    await waitFor(
      'the applied proposal on the IT side',
      () => (s.sites.learningOf(SITE)?.status.profiles[0]?.proposal?.appliedAt ?? null) !== null,
      20_000,
    );
    const after = await get(`/sites/${SITE}/learning`, audrey.id);
    assert.match(after.body, new RegExp(`data-proposal="${proposal.id}" data-applied="yes"`));
    assert.match(after.body, /data-mode="enforce"/);
    assert.doesNotMatch(after.body, /airlock-ot policy apply prp_/);
  },
);
