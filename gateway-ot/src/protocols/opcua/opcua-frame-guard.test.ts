import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFrameGuard, type FrameVerdict } from './opcua-frame-guard.js';

const LIMITS = { maxChunkBytes: 65_536, maxMessageBytes: 200_000 };

function chunk(type: string, size: number): Buffer {
  const b = Buffer.alloc(Math.max(size, 8));
  b.write(type, 0, 'latin1');
  b.writeUInt32LE(size, 4);
  return b;
}

const hello = chunk('HELF', 64);

function feed(parts: readonly Buffer[]): FrameVerdict {
  const guard = createFrameGuard(LIMITS);
  let v: FrameVerdict = { kind: 'ok' };
  for (const p of parts) v = guard.push(p);
  return v;
}

test('valid framing passes whole, split byte by byte, and coalesced', () => {
  const stream = Buffer.concat([
    hello,
    chunk('OPNF', 132),
    chunk('MSGC', 65_536),
    chunk('MSGF', 100),
    chunk('CLOF', 57),
  ]);
  assert.equal(feed([stream]).kind, 'ok');
  assert.equal(feed([...stream].map((b) => Buffer.from([b]))).kind, 'ok');
  assert.equal(
    feed([stream.subarray(0, 70), stream.subarray(70, 5000), stream.subarray(5000)]).kind,
    'ok',
  );
});

test('malformed framing is named', () => {
  const cases: Array<[Buffer[], RegExp]> = [
    [[Buffer.from('GET / HTTP/1.1\r\n')], /unknown message type "GET"/],
    [[chunk('MSGF', 100)], /first message is MSG/],
    [[chunk('HELC', 64)], /chunk type "C" not valid for HEL/],
    [[chunk('HELF', 10)], /Hello of 10 bytes/],
    [[hello, hello], /second Hello/],
    [[hello, chunk('ACKF', 28)], /unknown message type "ACK"/],
    [[hello, chunk('MSGX', 100)], /chunk type "X"/],
    [[hello, chunk('MSGF', 4)], /smaller than its header/],
  ];
  for (const [parts, reason] of cases) {
    const v = feed(parts);
    assert.equal(v.kind, 'malformed');
    if (v.kind === 'malformed') assert.match(v.reason, reason);
  }
});

test('chunk and message sizes are limits, and a failed guard stays failed', () => {
  assert.equal(feed([hello, chunk('MSGF', 65_537)]).kind, 'limit');
  const many = Array.from({ length: 4 }, () => chunk('MSGC', 60_000));
  assert.equal(feed([hello, ...many]).kind, 'limit');
  // An abort chunk ends the message: the count starts again.
  assert.equal(
    feed([
      hello,
      chunk('MSGC', 60_000),
      chunk('MSGA', 60_000),
      chunk('MSGC', 60_000),
      chunk('MSGF', 60_000),
    ]).kind,
    'ok',
  );
  const guard = createFrameGuard(LIMITS);
  assert.equal(guard.push(Buffer.from('garbage!')).kind, 'malformed');
  assert.equal(guard.push(hello).kind, 'malformed');
});
