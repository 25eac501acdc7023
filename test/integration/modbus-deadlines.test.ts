/**
 * Deadlines of an operator's Modbus connection (issue 17 item 5), with a raw TCP client and a fake
 * clock: a frame must be complete `frameTimeoutSeconds` (default 5) after its first byte, however
 * slowly its bytes trickle in; a connection that completes no request for `idleTimeoutSeconds`
 * (default 120) is closed, whether it never sent anything or went quiet. Each closing is audited
 * (`modbus.deadline`) and ends the session, which frees its slot and its PLC connection.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { FakeClock } from '../../shared/src/clock.js';
import { plc1Asset, PLC1_PROFILES } from '../../image/demo/plant/plc-1-policy.js';
import { startBrokerListener, type BrokerListener } from '../peers/modbus-broker-listener.js';
import { connectRaw, mbap, pdu, type RawModbusClient } from '../peers/raw-modbus-client.js';
import { startRecordingPlc, type RecordingPlc } from '../peers/recording-plc.js';
import { waitFor } from '../helpers/wait-for.js';
import { parseWith } from '../../shared/src/config/format-issues.js';
import { formatProblems } from '../../shared/src/result.js';
import { modbusProfileSchema } from '../../gateway-ot/src/protocols/modbus/modbus-policy.js';

interface Rig {
  readonly plc: RecordingPlc;
  readonly gw: BrokerListener;
  readonly clock: FakeClock;
  readonly client: RawModbusClient;
}

async function rig(t: TestContext, profile: Record<string, unknown> = {}): Promise<Rig> {
  const plc = await startRecordingPlc(t);
  const clock = new FakeClock();
  const profiles = { ...PLC1_PROFILES, maintenance: { ...PLC1_PROFILES.maintenance, ...profile } };
  const gw = await startBrokerListener(t, {
    asset: plc1Asset(plc.port, { profiles }),
    profile: 'maintenance',
    clock,
  });
  const client = await connectRaw(t, gw.port);
  // Connected to the PLC (its connect timer gone), the session holds one timer: its idle deadline.
  await waitFor(
    'the session connected to the PLC',
    () => gw.ends.length === 1 && plc.liveConnections() === 1 && clock.pendingTimers === 1,
  );
  return { plc, gw, clock, client };
}

/** One read answered: the broker has read everything sent before and owes nothing. */
async function readOnce(r: Rig, tid: number): Promise<void> {
  r.client.write(mbap(tid, 1, pdu(3, [0, 1])));
  const [answer] = await r.client.frames(1);
  assert.equal(answer?.pdu[0], 3, 'a read answered');
}

function deadlineEvents(gw: BrokerListener): Record<string, unknown>[] {
  return gw.events('modbus.deadline').map((e) => e.details);
}

async function assertEndedBy(r: Rig, kind: 'frame' | 'idle', reason: RegExp): Promise<void> {
  // The deadline fires on the fake clock; its audit event is written as the broker closes the
  // connection, which may be a turn of the loop later: wait for it, then check it.
  const event = await waitFor('the deadline event', () => deadlineEvents(r.gw)[0]);
  assert.equal(event.deadline, kind);
  assert.match(String(event.reason), reason);
  await r.client.closed();
  const end = await r.gw.ends[0];
  assert.match(end?.reason ?? '', reason);
  const [reads] = r.gw.events('modbus.reads');
  assert.match(String(reads?.details.endReason), reason, 'the end reason is audited');
}

test(
  'an MBAP header announcing 200 bytes that never come closes the connection 5 s after its first byte',
  { timeout: 30_000 },
  async (t) => {
    const r = await rig(t);
    await readOnce(r, 1);
    // The read's counters are saved at most once a second, by a timer on the same clock: let it
    // pass, so the timers left are the idle deadline and, once armed, the frame deadline.
    r.clock.advance(1_000);
    await waitFor('only the idle deadline pending', () => r.clock.pendingTimers === 1);
    r.client.write(Buffer.from([0, 2, 0, 0, 0, 200, 1]));
    await waitFor('the frame deadline to be armed', () => r.clock.pendingTimers === 2);
    r.clock.advance(4_999);
    assert.deepEqual(deadlineEvents(r.gw), [], 'not before 5 s');
    r.clock.advance(1);
    await assertEndedBy(r, 'frame', /not complete 5 s after its first byte/);
    assert.equal(deadlineEvents(r.gw)[0]?.pendingBytes, 7);
    assert.equal(r.plc.received.length, 1, 'only the complete read reached the PLC');
  },
);

test(
  'a byte every 2.5 s does not extend the frame deadline; complete frames do not arm it',
  { timeout: 30_000 },
  async (t) => {
    const r = await rig(t, { frameTimeoutSeconds: 5 });
    const frame = mbap(9, 1, pdu(3, [0, 1]));
    r.client.write(frame.subarray(0, 1));
    await waitFor('the frame deadline to be armed', () => r.clock.pendingTimers === 2);
    r.clock.advance(2_500);
    r.client.write(frame.subarray(1, 2));
    r.clock.advance(2_500);
    await assertEndedBy(r, 'frame', /not complete 5 s after its first byte/);
  },
);

test(
  'a connection that never sends anything is closed after the idle limit',
  { timeout: 30_000 },
  async (t) => {
    const r = await rig(t);
    r.clock.advance(119_999);
    assert.deepEqual(deadlineEvents(r.gw), [], 'not before 120 s');
    r.clock.advance(1);
    await assertEndedBy(r, 'idle', /no complete Modbus request for 120 s/);
  },
);

test(
  'each complete request restarts the idle limit (profile key idleTimeoutSeconds)',
  { timeout: 30_000 },
  async (t) => {
    const r = await rig(t, { idleTimeoutSeconds: 30 });
    await readOnce(r, 1);
    r.clock.advance(25_000);
    await readOnce(r, 2);
    r.clock.advance(25_000);
    await readOnce(r, 3);
    assert.deepEqual(deadlineEvents(r.gw), [], '50 s in, never 30 s quiet');
    r.clock.advance(30_000);
    await assertEndedBy(r, 'idle', /no complete Modbus request for 30 s/);
  },
);

test('the deadlines are profile keys with defaults, checked when the policy is loaded', () => {
  const defaults = modbusProfileSchema.parse({ unitIds: [1] });
  assert.equal(defaults.frameTimeoutSeconds, 5);
  assert.equal(defaults.idleTimeoutSeconds, 120);
  for (const bad of [{ frameTimeoutSeconds: 0 }, { idleTimeoutSeconds: 100_000 }]) {
    const r = parseWith(modbusProfileSchema, { unitIds: [1], ...bad });
    assert.equal(r.ok, false, JSON.stringify(bad));
    if (!r.ok) assert.match(formatProblems(r.error), new RegExp(`^${Object.keys(bad)[0]}: `));
  }
});
