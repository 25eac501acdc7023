/**
 * Fuzzing the Modbus broker: thousands of random, mutated and well-formed frames over many
 * connections, against a recording PLC stub. The broker must stay up (every batch's connection is
 * answered or closed, and a clean request works at the end) and nothing outside the maintenance
 * profile may reach the PLC, as judged by an independent oracle. A bigger run: npm run bench.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../shared/src/clock.js';
import { startBrokerListener } from '../peers/modbus-broker-listener.js';
import { fuzzFrame, isAllowedAtPlc, prng } from '../peers/modbus-fuzz.js';
import { plc1Asset, PLC1_PROFILES } from '../peers/plc-1-policy.js';
import { connectRaw, mbap, pdu } from '../peers/raw-modbus-client.js';
import { startRecordingPlc } from '../peers/recording-plc.js';

const FRAMES = 8000;
const PER_CONNECTION = 16;
/** Completes any frame the reader is waiting for, then breaks framing: every batch ends in a close. */
const TERMINATOR = Buffer.alloc(300, 0xff);

test(`${FRAMES} fuzzed frames: the broker stays up and nothing outside policy reaches the PLC`, { timeout: 120_000 }, async (t) => {
  const seed = Number(process.env.AIRLOCK_FUZZ_SEED ?? 20261124);
  const rand = prng(seed);
  const plc = await startRecordingPlc(t);
  const profiles = { ...PLC1_PROFILES, maintenance: { ...PLC1_PROFILES.maintenance, rateLimit: { requestsPerSecond: 100_000, burst: 100_000 } } };
  const gw = await startBrokerListener(t, { asset: plc1Asset(plc.port, { profiles, maxInFlight: 4 }), profile: 'maintenance', clock: new FakeClock() });
  let sent = 0;
  let answered = 0;
  let refusedByOracle = 0;
  while (sent < FRAMES) {
    const client = await connectRaw(t, gw.port);
    const batch = Array.from({ length: PER_CONNECTION }, (_, i) => fuzzFrame(rand, sent + i));
    sent += PER_CONNECTION;
    refusedByOracle += batch.filter((f) => f.length < 8 || !isAllowedAtPlc(f.readUInt8(6), f.subarray(7))).length;
    client.write(Buffer.concat([...batch, TERMINATOR]));
    answered += (await client.closed(10_000)).length;
  }
  const outside = plc.received.filter((r) => !isAllowedAtPlc(r.unitId, Buffer.from(r.pduHex, 'hex')));
  assert.deepEqual(outside, [], `seed ${seed}: frames outside policy reached the PLC`);
  assert.equal(plc.framingErrors, 0);
  assert.ok(refusedByOracle > FRAMES / 3, `the oracle refuses most fuzz frames (${refusedByOracle}), so its silence above means something`);
  assert.ok(plc.received.length > FRAMES / 20, `enough frames got through to mean something (${plc.received.length})`);
  assert.ok(answered > FRAMES / 10, `answers: ${answered}`);

  const client = await connectRaw(t, gw.port);
  client.write(mbap(1, 1, pdu(3, [0, 2])));
  assert.deepEqual((await client.frames(1))[0]?.pdu.toString('hex'), '030400000000', 'still serving');
  client.socket.end();
  await Promise.all(gw.ends);
  assert.equal(gw.audit.verify().ok, true);
  t.diagnostic(`seed ${seed}: ${sent} frames sent on ${gw.ends.length - 1} connections, ${answered} answers, ${plc.received.length} frames at the PLC, ${gw.events('modbus.malformed').length} malformed, ${gw.events('modbus.deny').length} denied, ${gw.events('modbus.write').length} writes`);
});
