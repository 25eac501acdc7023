import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { FakeClock, type Clock } from '../../../../shared/src/clock.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';
import { MbapReader } from './mbap-reader.js';
import { encodeFrame } from './modbus-pdu.js';
import { dialTcp, PlcConnection, type PlcAnswer } from './plc-connection.js';

const READ = Buffer.from('0300000001', 'hex');
const ANSWER = Buffer.from('03020007', 'hex');

interface Plc {
  /** Transaction ids of the requests the PLC received, in order. */
  readonly received: number[];
  answer(transactionId: number): void;
}

/** A PLC on 127.0.0.1 that answers only when told to. */
async function startPlc(t: TestContext): Promise<{ plc: Plc; port: number }> {
  const received: number[] = [];
  let peer: Socket | undefined;
  const server = createServer((s) => {
    peer = s;
    s.on('error', () => undefined);
    const reader = new MbapReader();
    s.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      for (let f = reader.next(); f?.ok === true; f = reader.next())
        received.push(f.value.transactionId);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    peer?.destroy();
    server.close();
  });
  return {
    port: (server.address() as AddressInfo).port,
    plc: {
      received,
      answer: (id) => peer?.write(encodeFrame(id, 1, ANSWER)),
    },
  };
}

function connect(port: number, clock: Clock): PlcConnection {
  return new PlcConnection({
    host: '127.0.0.1',
    port,
    clock,
    dial: dialTcp,
    timeoutMs: 1000,
    onClose: () => undefined,
  });
}

test('each request times out exactly timeoutMs after it was sent, with one timer per connection', async (t) => {
  const { plc, port } = await startPlc(t);
  const clock = new FakeClock();
  const t0 = clock.now();
  const conn = connect(port, clock);
  t.after(() => conn.close('test over'));
  const answers: string[] = [];
  const log =
    (name: string) =>
    (a: PlcAnswer): void =>
      void answers.push(`${name}:${a.kind}@${clock.now() - t0}`);

  conn.send(1, READ, log('a'));
  // Connected (the connect timer is cancelled) before the clock moves.
  await waitFor('a at the PLC', () => plc.received.length === 1);
  clock.advance(300);
  conn.send(1, READ, log('b'));
  clock.advance(300);
  conn.send(1, READ, log('c'));
  await waitFor('three requests at the PLC', () => plc.received.length === 3);
  assert.equal(clock.pendingTimers, 1, 'one timer for three requests');
  // b is answered before anything times out: it never times out.
  const [, idB] = plc.received;
  plc.answer(idB ?? -1);
  await waitFor('the answer to b', () => answers.length === 1);
  assert.equal(conn.inFlight, 2);
  clock.advance(399); // t = 999: nothing due yet
  assert.deepEqual(answers, ['b:response@600']);
  clock.advance(1); // t = 1000: a is due
  assert.deepEqual(answers, ['b:response@600', 'a:timeout@1000']);
  clock.advance(599); // t = 1599: c (sent at 600) not due yet
  assert.equal(answers.length, 2);
  clock.advance(1); // t = 1600
  assert.deepEqual(answers, ['b:response@600', 'a:timeout@1000', 'c:timeout@1600']);
  assert.equal(conn.inFlight, 0);
  // A late answer to a request that timed out is dropped and counted, never taken for a newer one.
  conn.send(1, READ, log('d'));
  await waitFor('d at the PLC', () => plc.received.length === 4);
  plc.answer(plc.received[0] ?? -1);
  plc.answer(plc.received[3] ?? -1);
  await waitFor('the answer to d', () => answers.length === 4);
  assert.equal(answers[3], 'd:response@1600');
  assert.equal(conn.strayResponses, 1);
  // Nothing outstanding: the timer that is left finds nothing due and is not re-armed.
  clock.advance(5000);
  assert.equal(answers.length, 4);
  assert.equal(clock.pendingTimers, 0);
});

test('a timeout handler that sends again gets a timeout of its own; closing answers the rest', async (t) => {
  const { plc, port } = await startPlc(t);
  const clock = new FakeClock();
  const t0 = clock.now();
  const conn = connect(port, clock);
  const answers: string[] = [];
  conn.send(1, READ, (a) => {
    answers.push(`first:${a.kind}@${clock.now() - t0}`);
    conn.send(1, READ, (b) => answers.push(`retry:${b.kind}@${clock.now() - t0}`));
  });
  await waitFor('the first request at the PLC', () => plc.received.length === 1);
  clock.advance(500);
  conn.send(1, READ, (a) => answers.push(`second:${a.kind}@${clock.now() - t0}`));
  clock.advance(500); // first times out at 1000; its retry is due at 2000
  assert.deepEqual(answers, ['first:timeout@1000']);
  clock.advance(500); // second, due at 1500
  assert.deepEqual(answers, ['first:timeout@1000', 'second:timeout@1500']);
  clock.advance(499);
  assert.equal(answers.length, 2);
  conn.close('the session ended');
  assert.deepEqual(answers, ['first:timeout@1000', 'second:timeout@1500', 'retry:closed@1999']);
  assert.equal(clock.pendingTimers, 0);
  await waitFor('the requests at the PLC', () => plc.received.length === 3);
});

test('a wall clock stepped back does not hold a request longer than twice its timeout', async (t) => {
  const { plc, port } = await startPlc(t);
  const timers = new FakeClock();
  // The broker's clock reads the wall time; the timers run on elapsed time (as Node's do).
  let step = 0;
  const clock: Clock = {
    now: () => timers.now() + step,
    setTimeout: (fn, ms) => timers.setTimeout(fn, ms),
    setInterval: (fn, ms) => timers.setInterval(fn, ms),
  };
  const t0 = timers.now();
  const conn = connect(port, clock);
  t.after(() => conn.close('test over'));
  const answers: string[] = [];
  conn.send(1, READ, (a) => answers.push(`${a.kind}@${timers.now() - t0}`));
  await waitFor('the request at the PLC', () => plc.received.length === 1);
  step = -3_600_000; // NTP steps the clock back an hour
  timers.advance(1000);
  assert.deepEqual(answers, [], 'not due by the stepped clock yet');
  timers.advance(999);
  assert.deepEqual(answers, []);
  timers.advance(1);
  assert.deepEqual(answers, ['timeout@2000'], 'one more timeout, not the hour of the step');
  assert.equal(conn.inFlight, 0);
});
