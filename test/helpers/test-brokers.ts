/**
 * Protocol brokers for link tests (registered in an in-process OT gateway): they exercise the
 * session plumbing (ticket, data connection, signal, ending) without a plant protocol.
 *  - echo:   sends every byte back, and answers control message `ping` with `pong`;
 *  - sink:   reads and counts bytes, slowly (pausing), measuring how much the channel buffers;
 *  - source: writes `bytes` bytes honouring back-pressure, then ends its direction.
 * Each resolves when its signal aborts or the stream ends, with a reason.
 */
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Protocol } from '../../shared/src/model/session-ticket.js';
import type {
  BrokerSession,
  OperatorChannel,
  ProtocolBroker,
  SessionEnd,
} from '../../gateway-ot/src/sessions/protocol-broker.js';

function untilEnd(session: BrokerSession, stream: Duplex): Promise<SessionEnd> {
  return new Promise((resolve) => {
    const done = (reason: string): void => resolve({ reason });
    if (session.signal.aborted) return done(String(session.signal.reason));
    session.signal.addEventListener('abort', () => done(String(session.signal.reason)), {
      once: true,
    });
    stream.once('end', () => done('operator closed the stream'));
    stream.once('error', (e) => done(`stream error: ${e.message}`));
  });
}

export function echoBroker(
  protocol: Protocol,
  seen: { sessions: BrokerSession[] } = { sessions: [] },
): ProtocolBroker {
  return {
    protocol,
    handle(session: BrokerSession, channel: OperatorChannel): Promise<SessionEnd> {
      seen.sessions.push(session);
      channel.stream.on('data', (d: Buffer) => channel.stream.write(d));
      channel.onControl((m) => {
        if (m.type === 'ping') channel.sendControl({ type: 'pong', echo: m.echo ?? null });
      });
      session.audit({
        action: 'modbus.reads',
        target: session.assetName,
        outcome: 'success',
        details: { count: 0 },
      });
      return untilEnd(session, channel.stream);
    },
  };
}

export interface Measured {
  bytes: number;
  maxBuffered: number;
}

/** Pauses the reader for a moment every `pauseEvery` bytes, so the writer must wait for it. */
export async function drainSlowly(
  stream: Duplex,
  measure: () => number,
  out: Measured,
  pauseEvery = 4 * 1024 * 1024,
): Promise<void> {
  let sincePause = 0;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    out.bytes += b.length;
    sincePause += b.length;
    out.maxBuffered = Math.max(out.maxBuffered, measure());
    if (sincePause >= pauseEvery) {
      sincePause = 0;
      await new Promise((r) => setTimeout(r, 5));
      out.maxBuffered = Math.max(out.maxBuffered, measure());
    }
  }
}

/** Writes `total` bytes in 64 KiB chunks, waiting for 'drain' whenever write() says so. */
export async function writeWithBackpressure(
  stream: Duplex,
  total: number,
  measure: () => number,
  out: Measured,
): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  let sent = 0;
  while (sent < total) {
    const n = Math.min(chunk.length, total - sent);
    const ok = stream.write(n === chunk.length ? chunk : chunk.subarray(0, n));
    sent += n;
    out.bytes = sent;
    out.maxBuffered = Math.max(out.maxBuffered, measure());
    if (!ok) await once(stream, 'drain');
  }
  stream.end();
}

/** Bytes a channel holds in memory: its own count when it has one (SessionChannel), else its stream buffers. */
export function bufferedOf(channel: { readonly stream: Duplex }): () => number {
  const c = channel as { readonly stream: Duplex; bufferedBytes?: () => number };
  return () =>
    typeof c.bufferedBytes === 'function'
      ? c.bufferedBytes()
      : c.stream.readableLength + c.stream.writableLength;
}

export interface ThroughputProbe {
  readonly sink: Measured;
  readonly source: Measured;
}

/** Profile `read-only` sinks everything the operator sends (slowly); any other profile sources `bytes`. */
export function throughputBroker(
  protocol: Protocol,
  bytes: number,
  probe: ThroughputProbe,
): ProtocolBroker {
  return {
    protocol,
    async handle(session, channel) {
      const measure = bufferedOf(channel);
      if (session.profileName === 'read-only') {
        await drainSlowly(channel.stream, measure, probe.sink);
        return { reason: 'sink finished' };
      }
      await writeWithBackpressure(channel.stream, bytes, measure, probe.source);
      return untilEnd(session, channel.stream);
    },
  };
}
