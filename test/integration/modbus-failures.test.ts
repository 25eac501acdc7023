/**
 * The Modbus broker when things go wrong, against a recording PLC stub and a fake clock: a PLC that
 * does not answer (0B after the asset's timeout), answers wrongly (dropped, 0B), or goes away; an
 * audit log that cannot record a write (04, the write is not sent); the rate limit (06); broadcast
 * writes (0A); and a session ended by its signal, which closes both sides.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { FakeClock } from '../../shared/src/clock.js';
import { startBrokerListener, type BrokerListener } from '../peers/modbus-broker-listener.js';
import { plc1Asset, PLC1_PROFILES } from '../../image/demo/plant/plc-1-policy.js';
import { connectRaw, mbap, pdu, type AnswerFrame } from '../peers/raw-modbus-client.js';
import { startRecordingPlc, standardAnswer, type RecordingPlc } from '../peers/recording-plc.js';
import { omitUndefined } from '../../shared/src/omit-undefined.js';
import { waitFor } from '../helpers/wait-for.js';

interface Rig {
  readonly plc: RecordingPlc;
  readonly gw: BrokerListener;
  readonly clock: FakeClock;
}

async function rig(
  t: TestContext,
  options: {
    asset?: Record<string, unknown>;
    profile?: string;
    isAuditBroken?: () => boolean;
    auditGate?: () => Promise<void>;
  } = {},
): Promise<Rig> {
  const plc = await startRecordingPlc(t);
  const clock = new FakeClock();
  const gw = await startBrokerListener(t, {
    asset: plc1Asset(plc.port, options.asset),
    profile: options.profile ?? 'maintenance',
    clock,
    ...omitUndefined({ isAuditBroken: options.isAuditBroken, auditGate: options.auditGate }),
  });
  return { plc, gw, clock };
}

/** Waits (on real time, for the sockets) until the PLC stub has received `n` frames. */
async function untilReceived(plc: RecordingPlc, n: number): Promise<void> {
  await waitFor(`${n} frames at the PLC`, () => plc.received.length >= n);
  assert.equal(plc.received.length, n, 'frames at the PLC');
}

const show = (frames: readonly AnswerFrame[]): [number, string][] =>
  frames.map((f) => [f.transactionId, f.pdu.toString('hex')]);

test(
  'a PLC that does not answer in time, or answers wrongly, gives 0B; a late answer is dropped',
  { timeout: 30_000 },
  async (t) => {
    const { plc, gw, clock } = await rig(t);
    const client = await connectRaw(t, gw.port);
    plc.respond = () => undefined;
    client.write(mbap(7, 1, pdu(3, [0, 2])));
    await untilReceived(plc, 1);
    clock.advance(999);
    clock.advance(1);
    assert.deepEqual(show(await client.frames(1)), [[7, '830b']]);

    // The PLC answers the timed-out request late: dropped, and the next request gets its own answer.
    plc.sendRaw(mbap(plc.received[0]?.transactionId ?? 0, 1, Buffer.from('030400010002', 'hex')));
    plc.respond = standardAnswer;
    client.write(mbap(8, 1, pdu(3, [0, 2])));
    assert.deepEqual(show(await client.frames(1)), [[8, '030400000000']]);

    // Wrong byte count, then an answer from another unit: both dropped, both 0B.
    plc.respond = (_u, p) => Buffer.of(p[0] ?? 0, 2, 0, 0);
    client.write(mbap(9, 1, pdu(3, [0, 2])));
    assert.deepEqual(show(await client.frames(1)), [[9, '830b']]);
    plc.respond = standardAnswer;
    plc.answerUnit = 2;
    client.write(mbap(10, 1, pdu(3, [0, 2])));
    assert.deepEqual(show(await client.frames(1)), [[10, '830b']]);
    plc.answerUnit = undefined;
    client.write(mbap(11, 1, pdu(3, [0, 2])));
    assert.deepEqual(
      show(await client.frames(1)),
      [[11, '030400000000']],
      'the connection still works',
    );
    client.socket.end();
    await Promise.all(gw.ends);

    const timeouts = gw.events('modbus.timeout');
    assert.equal(timeouts.length, 3);
    assert.match(String(timeouts[0]?.details.reason), /no answer within 1000 ms/);
    assert.match(
      String(timeouts[1]?.details.reason),
      /wrong response dropped: byte count 2, expected 4/,
    );
    assert.match(
      String(timeouts[2]?.details.reason),
      /response from unit 2 to a request for unit 1/,
    );
    assert.equal(timeouts[0]?.details.exception, '0B');
    const counts = gw.events('modbus.reads')[0]?.details;
    assert.deepEqual([counts?.reads, counts?.plcFailures, counts?.strayResponses], [2, 3, 1]);
  },
);

test(
  'a write whose audit event cannot be recorded is answered 04 and never sent',
  { timeout: 30_000 },
  async (t) => {
    let isBroken = false;
    const { plc, gw } = await rig(t, { isAuditBroken: () => isBroken });
    const client = await connectRaw(t, gw.port);
    isBroken = true;
    client.write(mbap(1, 1, pdu(6, [0, 1000])));
    assert.deepEqual(show(await client.frames(1)), [[1, '8604']]);
    assert.deepEqual(
      plc.received.map((r) => r.pduHex),
      ['0300000001'],
      'only the read of the old value reached the PLC',
    );
    client.write(mbap(2, 1, pdu(6, [0, 5000])));
    assert.deepEqual(
      show(await client.frames(1)),
      [[2, '8603']],
      'refusals still work without audit',
    );
    client.write(mbap(3, 1, pdu(3, [0, 1])));
    assert.deepEqual(
      show(await client.frames(1)),
      [[3, '03020000']],
      'reads are not audited one by one and still work',
    );
    isBroken = false;
    client.write(mbap(4, 1, pdu(6, [0, 1000])));
    assert.deepEqual(show(await client.frames(1)), [[4, '060000' + '03e8']]);
    assert.equal(plc.received.filter((r) => r.pduHex.startsWith('06')).length, 1);
    assert.deepEqual(
      gw.events('modbus.write').map((e) => e.details.changes),
      [['HR 40001: 0 → 1000']],
    );
  },
);

test(
  'a session that ends while its write is being committed sends nothing more: the write is recorded as not sent',
  { timeout: 30_000 },
  async (t) => {
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let gated = false;
    const { plc, gw } = await rig(t, {
      auditGate: () => {
        gated = true;
        return gate;
      },
    });
    const client = await connectRaw(t, gw.port);
    client.write(mbap(1, 1, pdu(6, [0, 1000])));
    await waitFor('the write to wait on its audit commit', () => gated);
    gw.abortAll('grant revoked');
    await gw.ends[0];
    open();
    await waitFor('the not-sent event', () => gw.events('modbus.timeout').length === 1);
    assert.deepEqual(
      plc.received.map((r) => r.pduHex),
      ['0300000001'],
      'only the read of the old value reached the PLC',
    );
    assert.equal(gw.events('modbus.write').length, 1);
    const notSent = gw.events('modbus.timeout')[0]?.details;
    assert.equal(notSent?.writeOutcome, 'not sent');
    assert.match(String(notSent?.reason), /grant revoked.*before the write was sent/);
  },
);

test(
  'the rate limit answers 06 and audits the first refusal of a run; broadcast writes get 0A',
  { timeout: 30_000 },
  async (t) => {
    const profiles = {
      ...PLC1_PROFILES,
      maintenance: {
        ...PLC1_PROFILES.maintenance,
        unitIds: [0, 1],
        rateLimit: { requestsPerSecond: 2, burst: 3 },
      },
    };
    const { plc, gw, clock } = await rig(t, { asset: { profiles } });
    const client = await connectRaw(t, gw.port);
    client.write(Buffer.concat([1, 2, 3, 4, 5].map((i) => mbap(i, 1, pdu(3, [0, 1])))));
    const answers = (await client.frames(5)).sort((a, b) => a.transactionId - b.transactionId);
    assert.deepEqual(show(answers), [
      [1, '03020000'],
      [2, '03020000'],
      [3, '03020000'],
      [4, '8306'],
      [5, '8306'],
    ]);
    clock.advance(500);
    client.write(Buffer.concat([mbap(6, 0, pdu(6, [0, 10])), mbap(7, 0, pdu(3, [0, 1]))]));
    const b = (await client.frames(2)).sort((x, y) => x.transactionId - y.transactionId);
    assert.deepEqual(
      show(b),
      [
        [6, '860a'],
        [7, '8306'],
      ],
      'broadcast write refused; the read is over the rate again',
    );
    assert.equal(plc.received.length, 3);
    const denials = gw.events('modbus.deny').map((e) => e.details.rule);
    assert.deepEqual(denials, ['rate', 'broadcast', 'rate']);
    client.socket.end();
    const [end] = await Promise.all(gw.ends);
    assert.match(end?.reason ?? '', /operator/);
    const counts = gw.events('modbus.reads')[0]?.details;
    assert.deepEqual(
      [counts?.reads, counts?.readPoints, counts?.rateLimited, counts?.denied],
      [3, 3, 3, 1],
    );
  },
);

test(
  'the session signal closes both sides; a PLC that goes away ends the session after 0B',
  { timeout: 30_000 },
  async (t) => {
    const { plc, gw } = await rig(t);
    const client = await connectRaw(t, gw.port);
    client.write(mbap(1, 1, pdu(4, [0, 3])));
    assert.deepEqual(show(await client.frames(1)), [[1, '0406000000000000']]);
    assert.equal(plc.liveConnections(), 1);
    gw.abortAll('grant gr_test ended');
    assert.deepEqual(await client.closed(), []);
    const [end] = await Promise.all(gw.ends);
    assert.equal(end?.reason, 'grant gr_test ended');
    await waitFor('the PLC connection to close', () => plc.liveConnections() === 0);
    assert.equal(plc.liveConnections(), 0, 'the PLC connection is closed too');

    const c2 = await connectRaw(t, gw.port);
    plc.respond = () => undefined;
    c2.write(mbap(2, 1, pdu(3, [0, 1])));
    await untilReceived(plc, 2);
    await plc.close();
    assert.deepEqual(show(await c2.closed()), [[2, '830b']]);
    const second = await gw.ends[1];
    assert.match(second?.reason ?? '', /^PLC connection lost/);
  },
);

test(
  'a PLC that cannot be reached: the session ends with the reason, audited (and a request already read gets 0B)',
  { timeout: 30_000 },
  async (t) => {
    const plc = await startRecordingPlc(t);
    const port = plc.port;
    await plc.close();
    const gw = await startBrokerListener(t, {
      asset: plc1Asset(port),
      profile: 'maintenance',
      clock: new FakeClock(),
    });
    const client = await connectRaw(t, gw.port);
    client.write(mbap(5, 1, pdu(3, [0, 1])));
    // The refusal can beat the request to the broker: then the session ends before it is read.
    const got = show(await client.closed());
    if (got.length > 0) {
      assert.deepEqual(got, [[5, '830b']]);
      assert.match(String(gw.events('modbus.timeout')[0]?.details.reason), /ECONNREFUSED/);
    }
    const [end] = await Promise.all(gw.ends);
    assert.match(end?.reason ?? '', /PLC connection lost: PLC connection error: ECONNREFUSED/);
    assert.equal(gw.events('modbus.reads')[0]?.details.endReason, end?.reason);
  },
);
