/**
 * A recording PLC stub for tests that must know exactly what reached the PLC: it records every
 * frame it receives (unit id and PDU, hex) and answers like a small conformant server with all data
 * zero: FC 1–4 with the right byte count, FC 5/6 by echo, FC 15/16 with address and quantity, others
 * with exception 01. A `respond` hook replaces the answer (or suppresses it, to test timeouts).
 *
 * Written independently of the broker's parser on purpose: a bug shared by both would hide itself.
 * Framing errors close the connection and are recorded as such.
 */
import { createServer, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

export interface ReceivedFrame {
  readonly transactionId: number;
  readonly unitId: number;
  readonly pduHex: string;
}

/** The answer PDU for `pdu`, or undefined to stay silent. */
export type Responder = (unitId: number, pdu: Buffer) => Buffer | undefined;

export interface RecordingPlc {
  readonly port: number;
  readonly received: ReceivedFrame[];
  framingErrors: number;
  connections: number;
  respond: Responder;
  /** When set, answers carry this unit id instead of the request's (a confused gateway or device). */
  answerUnit: number | undefined;
  /** Writes raw bytes to every open connection (a late or unsolicited answer). */
  sendRaw(bytes: Buffer): void;
  /** Connections open now. */
  liveConnections(): number;
  close(): Promise<void>;
}

export const standardAnswer: Responder = (_unit, pdu) => {
  const fc = pdu[0] ?? 0;
  const word = (at: number): number => pdu.readUInt16BE(at);
  switch (fc) {
    case 1:
    case 2: {
      const n = Math.ceil(word(3) / 8);
      return Buffer.concat([Buffer.from([fc, n]), Buffer.alloc(n)]);
    }
    case 3:
    case 4:
      return Buffer.concat([Buffer.from([fc, 2 * word(3)]), Buffer.alloc(2 * word(3))]);
    case 5:
    case 6:
      return Buffer.from(pdu);
    case 15:
    case 16:
      return Buffer.from(pdu.subarray(0, 5));
    default:
      return Buffer.from([fc | 0x80, 0x01]);
  }
};

export async function startRecordingPlc(t: Pick<TestContext, 'after'>): Promise<RecordingPlc> {
  const sockets = new Set<Socket>();
  const plc: RecordingPlc = {
    port: 0,
    received: [],
    framingErrors: 0,
    connections: 0,
    respond: standardAnswer,
    answerUnit: undefined,
    sendRaw: (bytes) => {
      for (const s of sockets) s.write(bytes);
    },
    liveConnections: () => sockets.size,
    close: () => close(),
  };
  const server = createServer((socket) => {
    plc.connections++;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 7) {
        const length = buf.readUInt16BE(4);
        if (buf.readUInt16BE(2) !== 0 || length < 2 || length > 254) {
          plc.framingErrors++;
          socket.destroy();
          return;
        }
        if (buf.length < 6 + length) break;
        const tid = buf.readUInt16BE(0);
        const unit = buf.readUInt8(6);
        const pdu = buf.subarray(7, 6 + length);
        buf = buf.subarray(6 + length);
        plc.received.push({ transactionId: tid, unitId: unit, pduHex: pdu.toString('hex') });
        const answer = plc.respond(unit, pdu);
        if (answer === undefined) continue;
        const head = Buffer.alloc(7);
        head.writeUInt16BE(tid, 0);
        head.writeUInt16BE(answer.length + 1, 4);
        head.writeUInt8(plc.answerUnit ?? unit, 6);
        socket.write(Buffer.concat([head, answer]));
      }
    });
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const address = server.address();
  (plc as { port: number }).port =
    typeof address === 'object' && address !== null ? address.port : 0;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
    return closing;
  };
  t.after(close);
  return plc;
}
