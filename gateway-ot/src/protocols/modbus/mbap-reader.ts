/**
 * Cuts a Modbus TCP byte stream into MBAP frames, whatever the reads look like: a frame split at
 * any offset, several frames in one read, pipelined requests. Used for both directions (operator
 * requests and PLC responses).
 *
 * Guarantees: a frame is returned only when all of it has arrived; the header is checked as soon
 * as its first six bytes are there (protocol id 0, length field 2..254, i.e. a unit id and a PDU of
 * 1..253 bytes), so a bad length is refused without waiting for bytes that will never be valid;
 * after the first error the reader stays failed (a byte stream cannot be resynchronised safely).
 * It never throws on input. Not checked here: what the PDU says (modbus-request.ts).
 */
import { err, ok, type Result } from '../../../../shared/src/result.js';
import { MAX_PDU_BYTES, MBAP_HEADER_BYTES } from './modbus-pdu.js';

export interface MbapFrame {
  readonly transactionId: number;
  readonly unitId: number;
  /** Function code and data; a view into the received bytes, never longer than 253. */
  readonly pdu: Buffer;
}

export interface MbapError {
  readonly reason: string;
  readonly transactionId: number | undefined;
  /** The header bytes seen (at most 8), for the audit record. */
  readonly headerHex: string;
}

const EMPTY = Buffer.alloc(0);
const MIN_LENGTH = 2;
const MAX_LENGTH = MAX_PDU_BYTES + 1;

export class MbapReader {
  private buf: Buffer = EMPTY;
  private pos = 0;
  private failure: MbapError | undefined;

  push(chunk: Buffer): void {
    if (this.failure !== undefined || chunk.length === 0) return;
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pending(): number {
    return this.buf.length - this.pos;
  }

  /** The next complete frame, the error that broke the stream, or undefined when more bytes are needed. */
  next(): Result<MbapFrame, MbapError> | undefined {
    if (this.failure !== undefined) return err(this.failure);
    const available = this.buf.length - this.pos;
    if (available < 6) return undefined;
    const b = this.buf;
    const p = this.pos;
    const protocolId = b.readUInt16BE(p + 2);
    const length = b.readUInt16BE(p + 4);
    if (protocolId !== 0)
      return this.fail(`protocol id ${protocolId} (Modbus is 0)`, b.readUInt16BE(p));
    if (length < MIN_LENGTH || length > MAX_LENGTH) {
      return this.fail(
        `length field ${length} outside ${MIN_LENGTH}..${MAX_LENGTH} (unit id and a PDU of 1..${MAX_PDU_BYTES} bytes)`,
        b.readUInt16BE(p),
      );
    }
    const total = 6 + length;
    if (available < total) return undefined;
    const frame: MbapFrame = {
      transactionId: b.readUInt16BE(p),
      unitId: b.readUInt8(p + 6),
      pdu: b.subarray(p + MBAP_HEADER_BYTES, p + total),
    };
    this.pos = p + total;
    if (this.pos >= this.buf.length) {
      this.buf = EMPTY;
      this.pos = 0;
    }
    return ok(frame);
  }

  private fail(reason: string, transactionId: number): Result<MbapFrame, MbapError> {
    const headerHex = this.buf
      .subarray(this.pos, Math.min(this.buf.length, this.pos + 8))
      .toString('hex');
    this.failure = { reason, transactionId, headerHex };
    this.buf = EMPTY;
    this.pos = 0;
    return err(this.failure);
  }
}
