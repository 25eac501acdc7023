/**
 * The operator side of a brokered OPC UA session, byte for byte: the operator's first chunk (read
 * before anything costly starts), the framing guard over every operator chunk, the loopback bridge
 * to the session's own OPC UA server, and the relay both ways with back-pressure and an idle timeout.
 *
 * Guarantees: operator bytes reach the bridge only after the guard passed them; a guard refusal is
 * audited (`opcua.malformed`, or `opcua.limit` for maxMessageBytes) and ends the relay; the relay
 * resolves with why it ended (operator, server, idle, signal or refusal) and detaches its abort listener.
 * Not its job: closing the bridge, the operator stream or the server (opcua-broker.ts does, in one
 * finally), or understanding OPC UA services (opcua-session-server.ts, opcua-operations.ts).
 */
import { connect, type Socket } from 'node:net';
import { AirlockError, describeError } from '../../../../shared/src/errors.js';
import type { BrokerSession, OperatorChannel } from '../../sessions/sessions.js';
import type { FrameGuard } from './opcua-frame-guard.js';

export function openBridge(port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new AirlockError(
          'internal',
          'opcua.bridge_timeout',
          'the broker could not reach its own OPC UA server',
        ),
      );
    }, timeoutMs);
    const onError = (e: Error): void => {
      clearTimeout(timer);
      reject(
        new AirlockError(
          'internal',
          'opcua.bridge_failed',
          'the broker could not reach its own OPC UA server',
          { cause: e },
        ),
      );
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      // Owned by the relay from here, which logs errors; this keeps one attached in between.
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}

export interface RelayOptions {
  readonly session: BrokerSession;
  readonly channel: OperatorChannel;
  readonly bridge: Socket;
  readonly ended: Promise<string>;
  finish(reason: string): void;
  readonly guard: FrameGuard;
  readonly idleTimeoutMs: number;
}

/** Moves bytes both ways with back-pressure until something ends the session; resolves with why. */
export async function relay(o: RelayOptions): Promise<string> {
  const { session, channel, bridge, finish } = o;
  const stream = channel.stream;
  const onAbort = (): void => finish(String(session.signal.reason ?? 'session ended'));
  if (session.signal.aborted) onAbort();
  session.signal.addEventListener('abort', onAbort, { once: true });

  bridge.setTimeout(o.idleTimeoutMs, () => finish('idle timeout'));
  bridge.on('error', (e) => session.log.debug('opcua bridge error', { error: describeError(e) }));
  bridge.on('close', () => finish("the broker's OPC UA server closed the connection"));
  if (stream.destroyed || stream.readableEnded) finish('the operator closed the connection');
  stream.on('close', () => finish('the operator closed the connection'));
  stream.on('end', () => finish('the operator closed the connection'));

  stream.on('data', (chunk: Buffer) => {
    if (!checkFrames(session, o.guard, chunk)) {
      finish('malformed or oversized OPC UA message');
      return;
    }
    if (!bridge.write(chunk)) {
      stream.pause();
      bridge.once('drain', () => stream.resume());
    }
  });
  bridge.on('data', (chunk: Buffer) => {
    if (!stream.write(chunk)) {
      bridge.pause();
      stream.once('drain', () => bridge.resume());
    }
  });
  stream.resume();
  try {
    return await o.ended;
  } finally {
    session.signal.removeEventListener('abort', onAbort);
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
