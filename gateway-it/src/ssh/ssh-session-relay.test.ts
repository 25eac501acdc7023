import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import type { ServerChannel } from 'ssh2';
import { createLogger } from '../../../shared/src/log.js';
import { SessionChannel, type FrameSocket } from '../../../shared/src/link/session-channel.js';
import type { LiveSession } from '../sessions/sessions.js';
import { OperatorSocketQueue } from './operator-socket-queue.js';
import { SshSessionRelay } from './ssh-session-relay.js';

const KiB = 1024;
const BOUND = 256 * KiB;
const CHUNK = 64 * KiB;

/** The IT end of a session's data WebSocket: records what it sends and whether reading is paused. */
class FakeFrameSocket implements FrameSocket {
  isPaused = false;
  readonly sent: (string | Uint8Array)[] = [];
  bufferedAmount = 0;
  channel: SessionChannel | undefined;
  send(data: string | Uint8Array, _o: { binary: boolean }, cb: (err?: Error) => void): void {
    this.sent.push(data);
    cb();
  }
  pause(): void {
    this.isPaused = true;
  }
  resume(): void {
    this.isPaused = false;
  }
  close(code = 1000, reason = ''): void {
    setImmediate(() => this.channel?.closed(code, reason));
  }
}

/** The operator's TCP socket as ssh2 uses it: every packet is queued, whatever `write` returns. */
class FakeOperatorSocket extends EventEmitter {
  writableLength = 0;
  peakLength = 0;
  take(n: number): void {
    this.writableLength += n;
    this.peakLength = Math.max(this.peakLength, this.writableLength);
  }
  /** The kernel took everything: the buffer is empty and 'drain' fires. */
  flush(): void {
    this.writableLength = 0;
    this.emit('drain');
  }
}

/** An ssh2 session channel whose window is always open: each write goes straight to the socket. */
class FakeServerChannel extends Duplex {
  readonly received: Buffer[] = [];
  exitStatus: unknown;
  readonly stderr = { write: (_b: unknown): boolean => true };
  constructor(private readonly socket: FakeOperatorSocket) {
    super({ highWaterMark: 64 * 1024 * 1024 });
  }
  override _read(): void {}
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.received.push(chunk);
    this.socket.take(chunk.length);
    cb();
  }
  exit(status: unknown): void {
    this.exitStatus = status;
  }
}

/** What the relay uses of a LiveSession (the real one lives in sessions/, behind its entry). */
function liveSession(stream: SessionChannel): LiveSession & { readonly isEnded: boolean } {
  let ended: string | undefined;
  stream.onClose((reason) => (ended ??= reason));
  const fake = {
    id: 'ses_test',
    stream,
    get isEnded(): boolean {
      return ended !== undefined;
    },
    get endReason(): string | undefined {
      return ended;
    },
    publishOutput: (): void => undefined,
    end: (reason: string): void => stream.close(reason),
  };
  return fake as unknown as LiveSession;
}

/** A text frame from the OT side, as ws hands it over. */
const control = (stream: SessionChannel, m: Record<string, unknown>): void =>
  stream.frame(Buffer.from(JSON.stringify(m)), false);

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test('a slow-draining operator holds the site stream: the socket buffer stays bounded, every byte arrives in order, then the exit status', async () => {
  const frames = new FakeFrameSocket();
  const stream = new SessionChannel('ses_test', frames, { onViolation: () => undefined });
  frames.channel = stream;
  const session = liveSession(stream);
  const socket = new FakeOperatorSocket();
  const peak = { bytes: 0 };
  const channel = new FakeServerChannel(socket);
  const relay = new SshSessionRelay(
    channel as unknown as ServerChannel,
    session,
    createLogger({ name: 'test', level: 'error' }),
    new OperatorSocketQueue(socket, peak, BOUND),
  );
  relay.start(undefined, { type: 'ssh.start', kind: 'exec', command: 'cat image' });
  control(stream, { type: 'ssh.started' });

  // The site sends 8 MiB (four times the SSH window an OpenSSH client grants) as fast as it can.
  const chunks = Array.from({ length: 128 }, (_, i) => Buffer.alloc(CHUNK, i));
  const sent = createHash('sha256');
  for (const c of chunks) {
    sent.update(c);
    stream.frame(c, true);
  }
  control(stream, { type: 'stream.eof' });
  control(stream, { type: 'ssh.exit', status: 0 });
  await settle();

  // Nobody drained the socket: the relay stopped after the bound, and the link stopped being read.
  const delivered = (): number => channel.received.reduce((n, b) => n + b.length, 0);
  assert.ok(delivered() > BOUND, 'the relay wrote up to the bound');
  assert.ok(delivered() <= BOUND + CHUNK, `wrote ${delivered()} bytes into a full socket`);
  assert.equal(
    frames.isPaused,
    true,
    'the site data socket is paused (TCP back-pressure to the OT)',
  );
  assert.equal(channel.exitStatus, undefined, 'no exit status before the bytes');

  // The operator drains slowly: each time the kernel takes the buffer, at most the bound refills it.
  let rounds = 0;
  while (channel.exitStatus === undefined) {
    assert.ok(rounds++ < 1000, 'the relay stalled');
    socket.flush();
    await settle();
  }
  assert.ok(socket.peakLength <= BOUND + CHUNK, `socket buffer peaked at ${socket.peakLength}`);
  assert.ok(peak.bytes <= BOUND + CHUNK && peak.bytes > BOUND, `peak recorded ${peak.bytes}`);
  const steps = Math.floor((128 * CHUNK) / (BOUND + CHUNK));
  assert.ok(rounds >= steps, `the 8 MiB left in steps of at most the bound (${rounds} drains)`);
  const got = createHash('sha256');
  for (const b of channel.received) got.update(b);
  assert.equal(delivered(), 128 * CHUNK);
  assert.equal(got.digest('hex'), sent.digest('hex'), 'every byte, in order');
  assert.equal(channel.exitStatus, 0);
  await settle();
  assert.equal(session.isEnded, true);
});

test('a client that keeps up never waits on the socket: no pause, no drain listener', async () => {
  const frames = new FakeFrameSocket();
  const stream = new SessionChannel('ses_test', frames, { onViolation: () => undefined });
  frames.channel = stream;
  const session = liveSession(stream);
  const socket = new FakeOperatorSocket();
  const channel = new FakeServerChannel(socket);
  const relay = new SshSessionRelay(
    channel as unknown as ServerChannel,
    session,
    createLogger({ name: 'test', level: 'error' }),
    new OperatorSocketQueue(socket, { bytes: 0 }, BOUND),
  );
  relay.start(undefined, { type: 'ssh.start', kind: 'exec', command: 'cat image' });
  control(stream, { type: 'ssh.started' });
  for (let i = 0; i < 64; i++) {
    stream.frame(Buffer.alloc(CHUNK, i), true);
    await settle();
    socket.writableLength = 0; // the kernel took it at once
  }
  assert.equal(
    channel.received.reduce((n, b) => n + b.length, 0),
    64 * CHUNK,
  );
  assert.equal(socket.listenerCount('drain'), 0);
  assert.equal(frames.isPaused, false);
});

test('many channels of one connection wait on one drain listener and all resume', () => {
  const socket = new FakeOperatorSocket();
  const peak = { bytes: 0 };
  const q = new OperatorSocketQueue(socket, peak, BOUND);
  socket.take(BOUND);
  assert.equal(q.isOverBound(), false, 'at the bound is not over it');
  socket.take(1);
  assert.equal(q.isOverBound(), true);
  assert.equal(peak.bytes, BOUND + 1);
  const resumed: number[] = [];
  for (let i = 0; i < 20; i++) q.whenDrained(() => resumed.push(i));
  assert.equal(socket.listenerCount('drain'), 1);
  socket.flush();
  assert.deepEqual(
    resumed,
    Array.from({ length: 20 }, (_, i) => i),
  );
  socket.emit('drain');
  assert.equal(resumed.length, 20, 'each waiter runs once');
  assert.equal(q.isOverBound(), false);
  assert.equal(peak.bytes, BOUND + 1, 'the peak is kept');
});
