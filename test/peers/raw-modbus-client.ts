/**
 * A raw Modbus TCP operator for tests: writes exact bytes (malformed, split, pipelined) and reads
 * back whole MBAP frames, so tests can check each answer's transaction id, unit and PDU, and see
 * when the gateway closes the connection.
 */
import { connect, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

export interface AnswerFrame {
  readonly transactionId: number;
  readonly unitId: number;
  readonly pdu: Buffer;
}

export interface RawModbusClient {
  readonly socket: Socket;
  write(bytes: Buffer): void;
  /** Resolves with the next `count` frames, or rejects if the connection closes first or after `timeoutMs`. */
  frames(count: number, timeoutMs?: number): Promise<AnswerFrame[]>;
  /** Resolves when the gateway has closed the connection, with the frames that came before. */
  closed(timeoutMs?: number): Promise<AnswerFrame[]>;
}

/** An MBAP request frame; `length` overrides the length field (for malformed frames). */
export function mbap(
  transactionId: number,
  unitId: number,
  pdu: readonly number[] | Buffer,
  options: { protocolId?: number; length?: number } = {},
): Buffer {
  const head = Buffer.alloc(7);
  head.writeUInt16BE(transactionId, 0);
  head.writeUInt16BE(options.protocolId ?? 0, 2);
  head.writeUInt16BE(options.length ?? pdu.length + 1, 4);
  head.writeUInt8(unitId, 6);
  return Buffer.concat([head, Buffer.from(pdu)]);
}

/** A PDU: function code, then 16-bit big-endian words, then raw bytes. */
export function pdu(fc: number, words: readonly number[], bytes: readonly number[] = []): Buffer {
  const b = Buffer.alloc(1 + 2 * words.length);
  b.writeUInt8(fc, 0);
  words.forEach((w, i) => b.writeUInt16BE(w, 1 + 2 * i));
  return Buffer.concat([b, Buffer.from(bytes)]);
}

export async function connectRaw(
  t: Pick<TestContext, 'after'>,
  port: number,
): Promise<RawModbusClient> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  socket.on('error', () => undefined);
  t.after(() => void socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buf = Buffer.alloc(0);
  const got: AnswerFrame[] = [];
  let isClosed = false;
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 6 && buf.length >= 6 + buf.readUInt16BE(4)) {
      const length = buf.readUInt16BE(4);
      got.push({
        transactionId: buf.readUInt16BE(0),
        unitId: buf.readUInt8(6),
        pdu: Buffer.from(buf.subarray(7, 6 + length)),
      });
      buf = buf.subarray(6 + length);
    }
    wake?.();
  });
  socket.once('close', () => {
    isClosed = true;
    wake?.();
  });
  const waitFor = (isDone: () => boolean, timeoutMs: number, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!isDone()) return;
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(() => {
        wake = undefined;
        reject(
          new Error(
            `timed out waiting for ${what} (have ${got.length} frames, closed: ${isClosed})`,
          ),
        );
      }, timeoutMs);
      wake = check;
      check();
    });
  return {
    socket,
    write: (bytes) => void socket.write(bytes),
    async frames(count, timeoutMs = 20_000) {
      await waitFor(() => got.length >= count || isClosed, timeoutMs, `${count} frames`);
      if (got.length < count)
        throw new Error(`connection closed after ${got.length} of ${count} frames`);
      return got.splice(0, count);
    },
    async closed(timeoutMs = 20_000) {
      await waitFor(() => isClosed, timeoutMs, 'the connection to close');
      return got.splice(0);
    },
  };
}
