/**
 * A small Modbus TCP client over any byte stream (here an operator session's stream through the
 * link to the OT broker): builds MBAP frames for the few functions the portal's points page uses
 * (FC 1-4 reads, FC 5 and 6 single writes), sends one request at a time, matches the answer by
 * transaction id, unit id and function code, and parses data or the exception.
 *
 * Guarantees: every answer is checked against what the function requires (byte count for the
 * requested quantity, echo for writes) before it is believed; an exception is returned as a value
 * with its code and name, never as success; a malformed answer, a closed stream or no answer in
 * `timeoutMs` rejects with an AirlockError and poisons the client (the stream cannot be trusted
 * after a framing error). Not guaranteed: anything about policy (the OT broker decides).
 */
import type { Duplex } from 'node:stream';
import { AirlockError } from '../../../shared/src/errors.js';

export const MODBUS_TABLES = [
  'coils',
  'discreteInputs',
  'inputRegisters',
  'holdingRegisters',
] as const;
export type ModbusTable = (typeof MODBUS_TABLES)[number];

const READ_FC: Record<ModbusTable, number> = {
  coils: 1,
  discreteInputs: 2,
  holdingRegisters: 3,
  inputRegisters: 4,
};
const IS_BITS: Record<ModbusTable, boolean> = {
  coils: true,
  discreteInputs: true,
  holdingRegisters: false,
  inputRegisters: false,
};
/** Spec limits for one read request. */
export const MAX_READ: Record<ModbusTable, number> = {
  coils: 2000,
  discreteInputs: 2000,
  holdingRegisters: 125,
  inputRegisters: 125,
};

export const EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  0x01: 'illegal function',
  0x02: 'illegal data address',
  0x03: 'illegal data value',
  0x04: 'server device failure',
  0x05: 'acknowledge',
  0x06: 'server device busy',
  0x08: 'memory parity error',
  0x0a: 'gateway path unavailable',
  0x0b: 'gateway target device failed to respond',
};

export interface ModbusException {
  readonly code: number;
  /** "02 illegal data address". */
  readonly text: string;
}

export type ModbusAnswer<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly exception: ModbusException };

export function exceptionText(code: number): string {
  return `${code.toString(16).padStart(2, '0').toUpperCase()} ${EXCEPTION_NAMES[code] ?? 'unknown exception'}`;
}

interface Pending {
  readonly tid: number;
  readonly unit: number;
  readonly fc: number;
  readonly resolve: (pdu: Buffer) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class MbapClient {
  private buffer: Buffer = Buffer.alloc(0);
  private nextTid = 1;
  private pending: Pending | undefined;
  private failure: AirlockError | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly stream: Duplex,
    private readonly timeoutMs: number,
  ) {
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', () =>
      this.fail(
        new AirlockError('unavailable', 'modbus.stream_error', 'the session to the PLC failed'),
      ),
    );
    stream.on('close', () =>
      this.fail(
        new AirlockError('unavailable', 'modbus.stream_closed', 'the session to the PLC closed'),
      ),
    );
    stream.on('end', () =>
      this.fail(
        new AirlockError('unavailable', 'modbus.stream_closed', 'the session to the PLC closed'),
      ),
    );
  }

  /** Reads `quantity` points of a table from `address`: bits as 0/1, registers as uint16. */
  async read(
    unit: number,
    table: ModbusTable,
    address: number,
    quantity: number,
  ): Promise<ModbusAnswer<number[]>> {
    if (quantity < 1 || quantity > MAX_READ[table] || address + quantity > 65536)
      throw new AirlockError(
        'bad_request',
        'modbus.read_span',
        `cannot read ${quantity} ${table} from ${address}`,
      );
    const fc = READ_FC[table];
    const req = Buffer.alloc(5);
    req.writeUInt8(fc, 0);
    req.writeUInt16BE(address, 1);
    req.writeUInt16BE(quantity, 3);
    const pdu = await this.transact(unit, req);
    if (isException(pdu, fc)) return exception(pdu);
    const bytes = IS_BITS[table] ? Math.ceil(quantity / 8) : quantity * 2;
    if (pdu.length !== 2 + bytes || pdu[1] !== bytes)
      throw this.malformed(
        `a ${table} read answered with ${pdu.length - 2} data bytes, expected ${bytes}`,
      );
    const data = pdu.subarray(2);
    const values: number[] = [];
    for (let i = 0; i < quantity; i++)
      values.push(IS_BITS[table] ? ((data[i >> 3] ?? 0) >> (i & 7)) & 1 : data.readUInt16BE(2 * i));
    return { ok: true, value: values };
  }

  /** FC 5 (coil, value 0/1) or FC 6 (holding register, uint16); success only on an exact echo. */
  async writeSingle(
    unit: number,
    table: 'coils' | 'holdingRegisters',
    address: number,
    value: number,
  ): Promise<ModbusAnswer<null>> {
    const fc = table === 'coils' ? 5 : 6;
    const req = Buffer.alloc(5);
    req.writeUInt8(fc, 0);
    req.writeUInt16BE(address, 1);
    req.writeUInt16BE(table === 'coils' ? (value === 1 ? 0xff00 : 0) : value, 3);
    const pdu = await this.transact(unit, req);
    if (isException(pdu, fc)) return exception(pdu);
    if (!pdu.equals(req)) throw this.malformed('the write was not echoed');
    return { ok: true, value: null };
  }

  private transact(unit: number, pdu: Buffer): Promise<Buffer> {
    // One request at a time: answers then come in order and a timeout leaves nothing ambiguous.
    const run = this.queue.then(() => this.send(unit, pdu));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private send(unit: number, pdu: Buffer): Promise<Buffer> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const tid = this.nextTid;
    this.nextTid = (this.nextTid + 1) & 0xffff;
    const header = Buffer.alloc(7);
    header.writeUInt16BE(tid, 0);
    header.writeUInt16BE(0, 2);
    header.writeUInt16BE(pdu.length + 1, 4);
    header.writeUInt8(unit, 6);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.fail(
            new AirlockError(
              'unavailable',
              'modbus.no_answer',
              `no answer within ${this.timeoutMs} ms`,
            ),
          ),
        this.timeoutMs,
      );
      this.pending = { tid, unit, fc: pdu[0] ?? 0, resolve, reject, timer };
      this.stream.write(Buffer.concat([header, pdu]));
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 7 && this.failure === undefined) {
      const tid = this.buffer.readUInt16BE(0);
      const length = this.buffer.readUInt16BE(4);
      if (this.buffer.readUInt16BE(2) !== 0 || length < 2 || length > 254) {
        this.fail(this.malformed('the answer is not Modbus TCP (bad MBAP header)'));
        return;
      }
      if (this.buffer.length < 6 + length) return;
      const unit = this.buffer.readUInt8(6);
      const pdu = Buffer.from(this.buffer.subarray(7, 6 + length));
      this.buffer = this.buffer.subarray(6 + length);
      const p = this.pending;
      if (p === undefined || p.tid !== tid) continue; // an answer to nothing asked (late): dropped
      if (p.unit !== unit || ((pdu[0] ?? 0) & 0x7f) !== p.fc) {
        this.fail(
          this.malformed(`the answer to transaction ${tid} came from another unit or function`),
        );
        return;
      }
      this.pending = undefined;
      clearTimeout(p.timer);
      p.resolve(pdu);
    }
  }

  /** A malformed answer: the stream cannot be trusted any more. */
  private malformed(reason: string): AirlockError {
    const e = new AirlockError(
      'unavailable',
      'modbus.bad_answer',
      `malformed Modbus answer: ${reason}`,
    );
    this.failure ??= e;
    return e;
  }

  private fail(e: AirlockError): void {
    this.failure ??= e;
    const p = this.pending;
    if (p === undefined) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    p.reject(e);
  }
}

function isException(pdu: Buffer, fc: number): boolean {
  return pdu[0] === (fc | 0x80);
}

function exception(pdu: Buffer): { ok: false; exception: ModbusException } {
  if (pdu.length !== 2)
    throw new AirlockError(
      'unavailable',
      'modbus.bad_answer',
      'malformed Modbus answer: an exception must carry one code byte',
    );
  const code = pdu[1] ?? 0;
  return { ok: false, exception: { code, text: exceptionText(code) } };
}
