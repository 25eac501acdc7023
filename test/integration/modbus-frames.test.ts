/**
 * What the Modbus broker does with every kind of frame, against a recording PLC stub that counts
 * what arrives: the malformed-frame table, split and pipelined frames, diagnostic, identification
 * and vendor function codes, PLC timeouts and wrong answers (0B), a write whose audit event cannot
 * be recorded (04, not forwarded), the rate limit (06), and the end of a session by its signal.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { FakeClock } from '../../shared/src/clock.js';
import { startBrokerListener, type BrokerListener } from '../peers/modbus-broker-listener.js';
import { plc1Asset, PLC1_PROFILES } from '../../image/demo/plant/plc-1-policy.js';
import { connectRaw, mbap, pdu } from '../peers/raw-modbus-client.js';
import { startRecordingPlc, type RecordingPlc } from '../peers/recording-plc.js';
import { omitUndefined } from '../../shared/src/omit-undefined.js';

interface Rig {
  readonly plc: RecordingPlc;
  readonly gw: BrokerListener;
  readonly clock: FakeClock;
}

async function rig(
  t: TestContext,
  assetOverrides: Record<string, unknown> = {},
  profile = 'maintenance',
  isAuditBroken?: () => boolean,
): Promise<Rig> {
  const plc = await startRecordingPlc(t);
  const clock = new FakeClock();
  const gw = await startBrokerListener(t, {
    asset: plc1Asset(plc.port, assetOverrides),
    profile,
    clock,
    ...omitUndefined({ isAuditBroken }),
  });
  return { plc, gw, clock };
}

const READ_HR0 = pdu(3, [0, 2]);
const tick = (ms = 3): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test(
  'malformed frames close the connection, are audited, and nothing reaches the PLC',
  { timeout: 30_000 },
  async (t) => {
    const { plc, gw } = await rig(t);
    const cases: { name: string; bytes: Buffer; answer?: number }[] = [
      { name: 'protocol id 1', bytes: mbap(1, 1, READ_HR0, { protocolId: 1 }) },
      { name: 'length 0', bytes: mbap(2, 1, [], { length: 0 }) },
      { name: 'length 1 (unit id, no PDU)', bytes: mbap(3, 1, [], { length: 1 }) },
      { name: 'length 255 (PDU of 254)', bytes: mbap(4, 1, Buffer.alloc(254, 3), { length: 255 }) },
      { name: 'length 65535', bytes: mbap(5, 1, READ_HR0, { length: 65535 }) },
      {
        name: 'FC 3 with a byte too many',
        bytes: mbap(6, 1, Buffer.concat([READ_HR0, Buffer.of(0)])),
        answer: 3,
      },
      { name: 'FC 6 one byte short', bytes: mbap(7, 1, pdu(6, [0]).subarray(0, 4)), answer: 3 },
      {
        name: 'FC 16 byte count disagrees with quantity',
        bytes: mbap(8, 1, pdu(16, [0, 2], [2, 0, 1])),
        answer: 3,
      },
      { name: 'FC 3 quantity 0', bytes: mbap(9, 1, pdu(3, [0, 0])), answer: 3 },
      { name: 'FC 3 quantity 126', bytes: mbap(10, 1, pdu(3, [0, 126])), answer: 3 },
      { name: 'FC 1 quantity 2001', bytes: mbap(11, 1, pdu(1, [0, 2001])), answer: 3 },
      {
        name: 'FC 15 quantity 1969',
        bytes: mbap(12, 1, pdu(15, [0, 1969], [247, ...Buffer.alloc(247)])),
        answer: 3,
      },
      {
        name: 'FC 16 quantity 124 (PDU of 254, caught by the length)',
        bytes: mbap(17, 1, pdu(16, [0, 124], [248, ...Buffer.alloc(248)])),
      },
      { name: 'FC 3 address wrap 65535+2', bytes: mbap(13, 1, pdu(3, [65535, 2])), answer: 2 },
      { name: 'FC 5 coil value 0x1234', bytes: mbap(14, 1, pdu(5, [8, 0x1234])), answer: 3 },
      { name: 'function code 0', bytes: mbap(15, 1, [0]), answer: 3 },
      {
        name: 'function code 0x83 (an exception, not a request)',
        bytes: mbap(16, 1, [0x83, 2]),
        answer: 3,
      },
    ];
    for (const c of cases) {
      const client = await connectRaw(t, gw.port);
      client.write(c.bytes);
      const got = await client.closed();
      if (c.answer === undefined) assert.deepEqual(got, [], `${c.name}: closed without an answer`);
      else {
        assert.equal(got.length, 1, `${c.name}: one answer before closing`);
        assert.deepEqual(
          [got[0]?.transactionId, got[0]?.pdu.toString('hex')],
          [c.bytes.readUInt16BE(0), Buffer.of((c.bytes[7] ?? 0) | 0x80, c.answer).toString('hex')],
          c.name,
        );
      }
    }
    await Promise.all(gw.ends);
    assert.deepEqual(plc.received, [], 'nothing of a malformed frame reached the PLC');
    const malformed = gw.events('modbus.malformed');
    assert.equal(malformed.length, cases.length);
    assert.match(String(malformed[0]?.details.reason), /protocol id 1/);
    assert.match(
      String(malformed[cases.findIndex((c) => c.name.includes('wrap'))]?.details.reason),
      /wraps past 65535/,
    );
    assert.deepEqual(gw.ends.length, cases.length);
    for (const end of await Promise.all(gw.ends))
      assert.match(end.reason, /^malformed Modbus frame/);
  },
);

test(
  'a frame split at every offset, and 50 pipelined requests, are answered correctly',
  { timeout: 30_000 },
  async (t) => {
    for (const maxInFlight of [1, 4]) {
      const { plc, gw } = await rig(t, { maxInFlight });
      const client = await connectRaw(t, gw.port);
      const frame = mbap(0x1234, 1, READ_HR0);
      for (let at = 1; at < frame.length; at++) {
        client.write(frame.subarray(0, at));
        await tick();
        client.write(frame.subarray(at));
        const [answer] = await client.frames(1);
        assert.deepEqual(
          [answer?.transactionId, answer?.pdu.toString('hex')],
          [0x1234, '030400000000'],
          `split at ${at}`,
        );
      }
      const pipelined = Buffer.concat(
        Array.from({ length: 50 }, (_, i) => mbap(1000 + i, 1, pdu(3, [i % 20, 1]))),
      );
      client.write(pipelined);
      const answers = await client.frames(50);
      assert.deepEqual(
        answers.map((a) => a.transactionId),
        Array.from({ length: 50 }, (_, i) => 1000 + i),
      );
      assert.ok(answers.every((a) => a.pdu.toString('hex') === '03020000'));
      assert.equal(plc.received.length, frame.length - 1 + 50);
      assert.deepEqual(
        plc.received.slice(-50).map((r) => r.pduHex),
        Array.from({ length: 50 }, (_, i) => pdu(3, [i % 20, 1]).toString('hex')),
        'in arrival order',
      );
    }
  },
);

test(
  'FC 8, 43 and 90: refused with 01 unless the profile allows them',
  { timeout: 30_000 },
  async (t) => {
    const profiles = {
      ...PLC1_PROFILES,
      engineering: { unitIds: [1], functions: ['read', 'diagnostic', 90] },
    };
    const { plc, gw } = await rig(t, { profiles });
    plc.respond = (_unit, p) =>
      p[0] === 43
        ? Buffer.from('2b0e01010000010003414243', 'hex')
        : p[0] === 90
          ? Buffer.of(90, 0xfe, 0)
          : Buffer.from(p);
    const client = await connectRaw(t, gw.port);
    client.write(
      Buffer.concat([
        mbap(1, 1, pdu(8, [0, 0xa5a5])),
        mbap(2, 1, [43, 14, 1, 0]),
        mbap(3, 1, [90, 0, 2]),
        mbap(4, 1, pdu(8, [1, 0])),
      ]),
    );
    const a = (await client.frames(4)).sort((x, y) => x.transactionId - y.transactionId);
    assert.deepEqual(
      a.map((f) => [f.transactionId, f.pdu.toString('hex')]),
      [
        [1, '8801'],
        [2, '2b0e01010000010003414243'],
        [3, 'da01'],
        [4, '8801'],
      ],
    );
    assert.deepEqual(
      plc.received.map((r) => r.pduHex),
      ['2b0e0100'],
      'only the allowed identification request reached the PLC',
    );

    const eng = await startBrokerListener(t, {
      asset: plc1Asset(plc.port, { profiles }),
      profile: 'engineering',
      clock: new FakeClock(),
    });
    const c2 = await connectRaw(t, eng.port);
    c2.write(
      Buffer.concat([
        mbap(1, 1, pdu(8, [0, 0xa5a5])),
        mbap(2, 1, [90, 0, 2]),
        mbap(3, 1, pdu(8, [1, 0])),
        mbap(4, 1, [43, 14, 1, 0]),
      ]),
    );
    const b = (await c2.frames(4)).sort((x, y) => x.transactionId - y.transactionId);
    // Return Query Data echoes; vendor code 90 is allowed by number; restart (8/1) is not a read-only diagnostic; 43 is not allowed here.
    assert.deepEqual(
      b.map((f) => [f.transactionId, f.pdu.toString('hex')]),
      [
        [1, '080000a5a5'],
        [2, '5afe00'],
        [3, '8801'],
        [4, 'ab01'],
      ],
    );
    assert.equal(
      eng.events('modbus.write').length,
      1,
      'the vendor request is audited as a state-changing request',
    );
    assert.equal(eng.events('modbus.write')[0]?.details.pduPrefixHex, '0002');
  },
);

test(
  'requests before a malformed frame are answered; nothing after it is read',
  { timeout: 30_000 },
  async (t) => {
    const { plc, gw } = await rig(t);
    const client = await connectRaw(t, gw.port);
    client.write(
      Buffer.concat([
        mbap(1, 1, READ_HR0),
        mbap(2, 1, pdu(6, [0, 99])),
        mbap(3, 1, pdu(3, [65535, 2])),
        mbap(4, 1, READ_HR0),
      ]),
    );
    const got = await client.closed();
    assert.deepEqual(
      got.map((f) => [f.transactionId, f.pdu.toString('hex')]),
      [
        [1, '030400000000'],
        [2, '06000000' + '63'],
        [3, '8302'],
      ],
    );
    assert.deepEqual(
      plc.received.map((r) => r.pduHex),
      ['0300000002', '0300000001', '0600000063'],
      'the read, the old value, the write; nothing after the malformed frame',
    );
    await Promise.all(gw.ends);
    assert.deepEqual(
      gw
        .events()
        .filter((e) => e.action.startsWith('modbus.'))
        .map((e) => e.action),
      ['modbus.malformed', 'modbus.write', 'modbus.reads'],
      'the malformed frame is audited when it is read',
    );
  },
);
