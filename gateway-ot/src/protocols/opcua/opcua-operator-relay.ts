/**
 * The operator side of a brokered OPC UA session, byte for byte: the operator's first chunk (read
 * before anything costly starts), the framing guard over every operator chunk, and the connection
 * of the operator's channel to the session's own OPC UA server, in process: the channel is handed
 * to node-opcua's endpoint as the socket of a new connection, so a read costs no loopback TCP hop
 * (two socket writes, two wake-ups and a relay turn each way, which a bridge socket did cost).
 *
 * Guarantees: operator bytes reach the server only after the guard passed them; a guard refusal is
 * audited (`opcua.malformed`, or `opcua.limit` for maxMessageBytes) and ends the relay; back-pressure
 * holds both ways (the operator's stream pauses while the server has not taken its bytes, the server's
 * writes wait for the operator's stream to drain); the relay resolves with why it ended (operator,
 * server, idle, signal or refusal) and detaches its abort listener. The in-process connection
 * carries a remote address no TCP peer can have (`isOperatorConnection`), which is how the session
 * server tells it from any local process that finds its listening port.
 * Not its job: closing the operator stream or the server (opcua-broker.ts does, in one finally), or
 * understanding OPC UA services (opcua-session-server.ts, opcua-operations.ts).
 * Relies on node-opcua 2.182's endpoint accepting connections from its `net.Server`'s `connection`
 * event (a private field, reached in one place: `connectOperator`).
 */
import { Duplex } from 'node:stream';
import { AirlockError, describeError } from '../../../../shared/src/errors.js';
import type { BrokerSession, OperatorChannel } from '../../sessions/sessions.js';
import type { FrameGuard } from './opcua-frame-guard.js';

/** The remote address and port of the in-process operator connection: not an IP, not a TCP port. */
const OPERATOR_ADDRESS = 'airlock-operator-channel';
const OPERATOR_PORT = 65_536;

/** True for the channel `connectOperator` made; a TCP peer always has an IP address and a port below 65,536. */
export function isOperatorConnection(remote: {
  readonly remoteAddress: string;
  readonly remotePort: number;
}): boolean {
  return remote.remoteAddress === OPERATOR_ADDRESS && remote.remotePort === OPERATOR_PORT;
}

/**
 * What node-opcua's transport asks of a socket, over the operator's channel: bytes the server
 * writes go to the operator's stream (waiting for its drain), bytes pushed in are the operator's
 * (after the guard). node-opcua sets no-delay, keep-alive and a long socket timeout of its own:
 * meaningless here (no TCP), so they are accepted and ignored; the idle timeout is the relay's.
 */
class OperatorSocket extends Duplex {
  readonly remoteAddress = OPERATOR_ADDRESS;
  readonly remotePort = OPERATOR_PORT;
  readonly remoteFamily = 'airlock';

  constructor(
    private readonly operator: Duplex,
    private readonly onPull: () => void,
    private readonly onTraffic: () => void,
  ) {
    super({ allowHalfOpen: false });
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  setTimeout(): this {
    return this;
  }

  override _read(): void {
    this.onPull();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (e?: Error) => void): void {
    this.onTraffic();
    if (this.operator.write(chunk)) done();
    else this.operator.once('drain', () => done());
  }
}

/** The session server's listening endpoint, as far as `connectOperator` needs it. */
export interface OperatorEndpoint {
  readonly endpoints: readonly unknown[];
}

export interface RelayOptions {
  readonly session: BrokerSession;
  readonly channel: OperatorChannel;
  /** The session's OPC UA server (node-opcua `OPCUAServer`, started). */
  readonly server: OperatorEndpoint;
  /** The operator's first chunk, already passed by the guard. */
  readonly first: Buffer;
  readonly ended: Promise<string>;
  finish(reason: string): void;
  readonly guard: FrameGuard;
  readonly idleTimeoutMs: number;
}

/** Hands `socket` to the server's first endpoint as a new connection, as its listener would. */
function connectOperator(server: OperatorEndpoint, socket: OperatorSocket): void {
  const listener = (server.endpoints[0] as { _server?: { emit(e: string, s: unknown): boolean } })
    ?._server;
  if (listener === undefined)
    throw new AirlockError(
      'internal',
      'opcua.bridge_failed',
      'the broker could not reach its own OPC UA server',
    );
  listener.emit('connection', socket);
}

/** Moves bytes both ways with back-pressure until something ends the session; resolves with why. */
export async function relay(o: RelayOptions): Promise<string> {
  const { session, channel, finish } = o;
  const stream = channel.stream;
  const onAbort = (): void => finish(String(session.signal.reason ?? 'session ended'));
  if (session.signal.aborted) onAbort();
  session.signal.addEventListener('abort', onAbort, { once: true });

  // The idle clock is reset by traffic either way, at most once a second (no timer per chunk).
  let lastTraffic = Date.now();
  const touch = (): void => {
    lastTraffic = Date.now();
  };
  const idleCheck = setInterval(
    () => {
      if (Date.now() - lastTraffic >= o.idleTimeoutMs) finish('idle timeout');
    },
    Math.min(1000, o.idleTimeoutMs),
  );
  idleCheck.unref();

  const socket = new OperatorSocket(stream, () => stream.resume(), touch);
  socket.on('error', (e) =>
    session.log.debug('opcua server side error', { error: describeError(e) }),
  );
  socket.on('close', () => finish("the broker's OPC UA server closed the connection"));
  socket.on('finish', () => finish("the broker's OPC UA server closed the connection"));
  if (stream.destroyed || stream.readableEnded) finish('the operator closed the connection');
  stream.on('close', () => finish('the operator closed the connection'));
  stream.on('end', () => finish('the operator closed the connection'));
  stream.on('data', (chunk: Buffer) => {
    touch();
    if (!checkFrames(session, o.guard, chunk)) {
      finish('malformed or oversized OPC UA message');
      return;
    }
    if (!socket.push(chunk)) stream.pause();
  });
  try {
    connectOperator(o.server, socket);
    socket.push(o.first);
    stream.resume();
    return await o.ended;
  } finally {
    clearInterval(idleCheck);
    session.signal.removeEventListener('abort', onAbort);
    socket.destroy();
  }
}

/** Runs the guard over operator bytes; audits and answers false when the channel must close. */
export function checkFrames(session: BrokerSession, guard: FrameGuard, chunk: Buffer): boolean {
  const verdict = guard.push(chunk);
  if (verdict.kind === 'ok') return true;
  const action = verdict.kind === 'malformed' ? 'opcua.malformed' : 'opcua.limit';
  const details =
    verdict.kind === 'malformed'
      ? { reason: verdict.reason }
      : { limit: 'maxMessageBytes', reason: verdict.reason };
  try {
    session.audit({ action, target: session.assetName, outcome: 'denied', details });
  } catch (e) {
    session.log.error('opcua framing refusal could not be audited', { error: describeError(e) });
  }
  return false;
}

/** The operator's first chunk, leaving the stream paused; undefined if none comes in time. */
export function firstBytes(
  channel: OperatorChannel,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Buffer | undefined> {
  const stream = channel.stream;
  return new Promise((resolve) => {
    const done = (chunk: Buffer | undefined): void => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      signal.removeEventListener('abort', onEnd);
      stream.pause();
      resolve(chunk);
    };
    const onData = (chunk: Buffer): void => done(chunk);
    const onEnd = (): void => done(undefined);
    const timer = setTimeout(onEnd, timeoutMs);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    signal.addEventListener('abort', onEnd, { once: true });
  });
}
