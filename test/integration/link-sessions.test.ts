/**
 * Sessions over the link, with an in-process IT gateway and OT gateway on 127.0.0.1: the IT side
 * sends `open` with a signed ticket, the OT side verifies it itself and dials a data connection for
 * that session only, and hands it to the registered broker. The OT gateway runs on a FakeClock, so
 * ends by its clock (grant end, local session limit, lockdown seen by polling) are tested by
 * advancing time, never by sleeping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { FakeClock } from '../../shared/src/clock.js';
import { AirlockError } from '../../shared/src/errors.js';
import type { SessionStream } from '../../shared/src/link/session-channel.js';
import { LOCKDOWN_POLL_MS } from '../../gateway-ot/src/sessions/lockdown-watch.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import {
  auditActions,
  makeTicket,
  startIt,
  startOt,
  TEST_POLICY,
  type ItFixture,
  type OtFixture,
  waitForSiteConnected,
} from '../helpers/link-fixture.js';
import { echoBroker } from '../helpers/test-brokers.js';
import { waitFor } from '../helpers/wait-for.js';

useCrypto();

async function setup(
  t: Parameters<typeof startIt>[0],
): Promise<{ it: ItFixture; ot: OtFixture; clock: FakeClock }> {
  const clock = new FakeClock(Date.now());
  const it = await startIt(t);
  // Jumps of the OT clock by minutes look to the OT side like a link silent that long; sessions
  // here must end by the OT clock and the IT side's commands only, so they are kept without it.
  const policy = { ...TEST_POLICY, limits: { ...TEST_POLICY.limits, sessionsWithoutLink: 'keep' } };
  const ot = await startOt(t, { enrollWith: it, clock, policy, brokers: [echoBroker('modbus')] });
  await waitForSiteConnected(it);
  return { it, ot, clock };
}

function closedReason(s: SessionStream): Promise<string> {
  return new Promise((resolve) => s.onClose(resolve));
}

async function refusal(p: Promise<unknown>): Promise<AirlockError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AirlockError) return e;
    throw e;
  }
  throw new Error('expected the session to be refused');
}

test(
  'an opened session carries bytes and control messages both ways, and ends with its reason on both sides, audited',
  { timeout: 60_000 },
  async (t) => {
    const { it, ot, clock } = await setup(t);
    const ticket = makeTicket(it, clock.now());
    const s = await it.gw.services.siteCommands.openSession('plant-1', ticket);
    assert.equal(s.sessionId, ticket.ticket.sessionId);
    s.stream.write('hello plant');
    const [echoed] = (await once(s.stream, 'data')) as [Buffer];
    assert.equal(echoed.toString(), 'hello plant');
    const pong = new Promise((resolve) => s.onControl(resolve));
    s.sendControl({ type: 'ping', echo: 42 });
    assert.deepEqual(await pong, { type: 'pong', echo: 42 });
    assert.equal(ot.gw.services.sessions.liveCount, 1);

    const reason = closedReason(s);
    assert.equal(
      await it.gw.services.siteCommands.endSession(
        'plant-1',
        ticket.ticket.sessionId,
        'ended by an OT owner',
      ),
      true,
    );
    assert.equal(await reason, 'ended by an OT owner');
    await waitFor('the OT side to record the end', () =>
      auditActions(ot.gw).some((e) => e.action === 'session.end'),
    );
    const events = auditActions(ot.gw).filter((e) =>
      ['ticket.verify', 'session.start', 'modbus.reads', 'session.end'].includes(e.action),
    );
    assert.deepEqual(
      events.map((e) => `${e.action}:${e.outcome}`),
      [
        'ticket.verify:success',
        'session.start:success',
        'modbus.reads:success',
        'session.end:success',
      ],
    );
    assert.equal(
      events[2]?.details.sessionId,
      ticket.ticket.sessionId,
      'broker events carry the session id',
    );
    assert.equal(events[3]?.details.reason, 'ended by an OT owner');
    assert.equal(
      await it.gw.services.siteCommands.endSession('plant-1', ticket.ticket.sessionId, 'again'),
      false,
      'no such live session any more',
    );
  },
);

test(
  'the OT gateway refuses what it cannot verify, and the IT side gets its code and reason',
  { timeout: 60_000 },
  async (t) => {
    const { it, ot, clock } = await setup(t);
    const cmd = it.gw.services.siteCommands;
    const unknown = await refusal(
      cmd.openSession('plant-1', makeTicket(it, clock.now(), { asset: 'plc-9' })),
    );
    assert.equal(unknown.code, 'policy.unknown_asset');
    assert.match(unknown.message, /plc-9 is not in this gateway's local policy/);

    const ticket = makeTicket(it, clock.now());
    const s = await cmd.openSession('plant-1', ticket);
    s.close('done');
    await waitFor('the first session to end', () => ot.gw.services.sessions.liveCount === 0);
    const replay = await refusal(
      cmd.openSession('plant-1', { ...ticket, ticket: { ...ticket.ticket } }),
    );
    assert.equal(replay.code, 'ticket.replayed');
    const verdicts = auditActions(ot.gw)
      .filter((e) => e.action === 'ticket.verify')
      .map((e) => e.details.code ?? 'accepted');
    assert.deepEqual(verdicts, ['policy.unknown_asset', 'accepted', 'ticket.replayed']);
    await assert.rejects(
      cmd.openSession('plant-2', makeTicket(it, clock.now(), { site: 'plant-2' })),
      /site plant-2 is not connected/,
    );
  },
);

test(
  'sessions end by the OT clock: at the grant end, and at the local session limit',
  { timeout: 60_000 },
  async (t) => {
    const { it, ot, clock } = await setup(t);
    const cmd = it.gw.services.siteCommands;
    const shortGrant = await cmd.openSession(
      'plant-1',
      makeTicket(it, clock.now(), { grantNotAfter: clock.now() + 10 * 60_000 }),
    );
    const longGrant = await cmd.openSession(
      'plant-1',
      makeTicket(it, clock.now(), { grantNotAfter: clock.now() + 8 * 3_600_000 }),
    );
    const first = closedReason(shortGrant);
    const second = closedReason(longGrant);
    clock.advance(10 * 60_000);
    assert.equal(await first, 'the grant has ended');
    assert.equal(ot.gw.services.sessions.liveCount, 1, 'the other session goes on');
    clock.advance(50 * 60_000);
    assert.equal(await second, 'the local limit of 60 minutes per session was reached');
    await waitFor(
      'both ends audited',
      () => auditActions(ot.gw).filter((e) => e.action === 'session.end').length === 2,
    );
  },
);

test(
  'IT-side lockdown ends live sessions and refuses new ones; a local lockdown cannot be lifted from the IT side',
  { timeout: 60_000 },
  async (t) => {
    const { it, ot, clock } = await setup(t);
    const cmd = it.gw.services.siteCommands;
    const live = await cmd.openSession('plant-1', makeTicket(it, clock.now()));
    const ended = closedReason(live);
    assert.equal(await cmd.setLockdown('plant-1', true, 'incident 42'), true);
    assert.match(await ended, /site is locked down from the IT gateway: incident 42/);
    assert.equal(
      (await refusal(cmd.openSession('plant-1', makeTicket(it, clock.now())))).code,
      'site.lockdown',
    );
    assert.equal(await cmd.setLockdown('plant-1', false, 'incident closed'), true);
    const again = await cmd.openSession('plant-1', makeTicket(it, clock.now()));

    // The OT owner locks the site down locally (what `airlock-ot lockdown --on` does).
    const endedLocally = closedReason(again);
    ot.gw.services.lockdown.set('local', true, 'maintenance on line 1', 'cli:olga');
    clock.advance(LOCKDOWN_POLL_MS);
    assert.match(await endedLocally, /locked down locally by cli:olga: maintenance on line 1/);
    assert.equal(
      await cmd.setLockdown('plant-1', false, 'trying to lift it'),
      true,
      'the IT switch is off; the command is carried out',
    );
    assert.equal(
      (await refusal(cmd.openSession('plant-1', makeTicket(it, clock.now())))).code,
      'site.lockdown',
      'the local lockdown holds',
    );
    ot.gw.services.lockdown.set('local', false, 'line 1 back', 'cli:olga');
    (await cmd.openSession('plant-1', makeTicket(it, clock.now()))).close('done');
    const lockEvents = auditActions(ot.gw)
      .filter((e) => e.action.startsWith('site.lockdown'))
      .map((e) => `${e.action}:${String(e.details.source)}`);
    assert.deepEqual(lockEvents, [
      'site.lockdown:it',
      'site.lockdown_lift:it',
      'site.lockdown:local',
      'site.lockdown_lift:local',
    ]);
  },
);

test(
  'ending a grant ends its sessions only, and the local concurrency limit refuses one more',
  { timeout: 60_000 },
  async (t) => {
    const { it, ot, clock } = await setup(t);
    const cmd = it.gw.services.siteCommands;
    const open = (grantId: string): Promise<SessionStream> =>
      cmd.openSession('plant-1', makeTicket(it, clock.now(), { grantId }));
    const a1 = await open('grt_a');
    const a2 = await open('grt_a');
    const b = await open('grt_b');
    await open('grt_c');
    assert.equal((await refusal(open('grt_d'))).code, 'session.limit');
    const reasons = Promise.all([closedReason(a1), closedReason(a2)]);
    assert.equal(await cmd.endGrantSessions('plant-1', 'grt_a', 'grant revoked by olga'), true);
    assert.deepEqual(await reasons, ['grant revoked by olga', 'grant revoked by olga']);
    assert.equal(b.isClosed, false);
    await waitFor('two sessions left', () => ot.gw.services.sessions.liveCount === 2);
  },
);
