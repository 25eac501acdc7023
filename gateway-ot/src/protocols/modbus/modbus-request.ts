/**
 * Decodes a request PDU into a typed value and checks it against the Modbus specification: the
 * length is exactly what the function code requires, quantities are within the spec limits, byte
 * counts agree with quantities, single-coil values are 0x0000 or 0xFF00, and no span wraps past
 * address 65535. Function codes the spec does not define in detail (vendor codes such as 90,
 * user-defined codes, unknown diagnostics sub-functions, MEI types other than 14) are accepted as
 * opaque `other` requests of class `programming`: their length cannot be checked, only policy can
 * refuse them. Function code 0 and 128..255 (exception space) are refused.
 *
 * Never throws on input. A refusal carries the exception code a conformant server would answer
 * (02 for an address wrap, 03 for everything else), which the broker sends before closing.
 */
import { err, ok, type Result } from '../../../../shared/src/result.js';
import { ADDRESS_SPACE, EXCEPTION, FC, LIMITS, MAX_PDU_BYTES, type Table } from './modbus-pdu.js';

export const FUNCTION_CLASSES = [
  'read',
  'write',
  'diagnostic',
  'identification',
  'file',
  'programming',
] as const;
export type FunctionClass = (typeof FUNCTION_CLASSES)[number];

export interface Span {
  readonly table: Table;
  readonly address: number;
  readonly quantity: number;
}

export interface FileRecordWrite {
  readonly file: number;
  readonly record: number;
  readonly values: readonly number[];
}

interface Base {
  readonly fc: number;
  /** Every class this request belongs to; policy allows it when all are allowed (or its code is). */
  readonly classes: readonly FunctionClass[];
}

export type ModbusRequest =
  | (Base & { readonly kind: 'read'; readonly span: Span })
  | (Base & {
      readonly kind: 'write-coils';
      readonly address: number;
      readonly values: readonly boolean[];
    })
  | (Base & {
      readonly kind: 'write-registers';
      readonly address: number;
      readonly values: readonly number[];
    })
  | (Base & {
      readonly kind: 'mask-write';
      readonly address: number;
      readonly andMask: number;
      readonly orMask: number;
    })
  | (Base & {
      readonly kind: 'read-write';
      readonly read: Span;
      readonly address: number;
      readonly values: readonly number[];
    })
  | (Base & { readonly kind: 'file-write'; readonly records: readonly FileRecordWrite[] })
  | (Base & {
      readonly kind: 'other';
      readonly subFunction: number | undefined;
      readonly changesState: boolean;
    });

export interface RequestProblem {
  readonly reason: string;
  readonly exception: typeof EXCEPTION.ILLEGAL_DATA_ADDRESS | typeof EXCEPTION.ILLEGAL_DATA_VALUE;
}

type Decoded = Result<ModbusRequest, RequestProblem>;

const bad = (reason: string): Decoded => err({ reason, exception: EXCEPTION.ILLEGAL_DATA_VALUE });
const wraps = (address: number, quantity: number): boolean => address + quantity > ADDRESS_SPACE;
const wrapProblem = (address: number, quantity: number): Decoded =>
  err({
    reason: `address ${address} + quantity ${quantity} wraps past 65535`,
    exception: EXCEPTION.ILLEGAL_DATA_ADDRESS,
  });

/** FC 8 sub-functions that only read; all others restart, silence or reset the device. */
const READ_ONLY_DIAGNOSTICS = new Set([0x00, 0x02, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12]);
const KNOWN_DIAGNOSTICS = new Set([...READ_ONLY_DIAGNOSTICS, 0x01, 0x03, 0x04, 0x0a, 0x14]);
const MEI_READ_DEVICE_ID = 0x0e;

/** Whether forwarding this request can change the device (data, configuration, state or program). */
export function isStateChanging(r: ModbusRequest): boolean {
  return r.kind === 'other' ? r.changesState : r.kind !== 'read';
}

export function decodeRequest(pdu: Buffer): Decoded {
  if (pdu.length < 1 || pdu.length > MAX_PDU_BYTES) return bad(`PDU of ${pdu.length} bytes`);
  const fc = pdu.readUInt8(0);
  const needs = (n: number): string | undefined =>
    pdu.length === n ? undefined : `function ${fc} needs a PDU of ${n} bytes, got ${pdu.length}`;
  switch (fc) {
    case FC.READ_COILS:
    case FC.READ_DISCRETE_INPUTS:
    case FC.READ_HOLDING_REGISTERS:
    case FC.READ_INPUT_REGISTERS: {
      const wrong = needs(5);
      if (wrong !== undefined) return bad(wrong);
      const table: Table =
        fc === 1
          ? 'coils'
          : fc === 2
            ? 'discreteInputs'
            : fc === 3
              ? 'holdingRegisters'
              : 'inputRegisters';
      const address = pdu.readUInt16BE(1);
      const quantity = pdu.readUInt16BE(3);
      const max = fc <= 2 ? LIMITS.readBits : LIMITS.readRegisters;
      if (quantity < 1 || quantity > max) return bad(`quantity ${quantity} outside 1..${max}`);
      if (wraps(address, quantity)) return wrapProblem(address, quantity);
      return ok({ kind: 'read', fc, classes: ['read'], span: { table, address, quantity } });
    }
    case FC.WRITE_SINGLE_COIL: {
      const wrong = needs(5);
      if (wrong !== undefined) return bad(wrong);
      const value = pdu.readUInt16BE(3);
      if (value !== 0x0000 && value !== 0xff00)
        return bad(`coil value 0x${value.toString(16)} (only 0x0000 and 0xFF00 are defined)`);
      return ok({
        kind: 'write-coils',
        fc,
        classes: ['write'],
        address: pdu.readUInt16BE(1),
        values: [value === 0xff00],
      });
    }
    case FC.WRITE_SINGLE_REGISTER: {
      const wrong = needs(5);
      if (wrong !== undefined) return bad(wrong);
      return ok({
        kind: 'write-registers',
        fc,
        classes: ['write'],
        address: pdu.readUInt16BE(1),
        values: [pdu.readUInt16BE(3)],
      });
    }
    case FC.WRITE_MULTIPLE_COILS:
      return decodeWriteMultipleCoils(pdu);
    case FC.WRITE_MULTIPLE_REGISTERS:
      return decodeWriteMultipleRegisters(pdu);
    case FC.MASK_WRITE_REGISTER: {
      const wrong = needs(7);
      if (wrong !== undefined) return bad(wrong);
      return ok({
        kind: 'mask-write',
        fc,
        classes: ['write'],
        address: pdu.readUInt16BE(1),
        andMask: pdu.readUInt16BE(3),
        orMask: pdu.readUInt16BE(5),
      });
    }
    case FC.READ_WRITE_MULTIPLE_REGISTERS:
      return decodeReadWrite(pdu);
    case FC.READ_FIFO_QUEUE: {
      const wrong = needs(3);
      if (wrong !== undefined) return bad(wrong);
      // The queue's length is only known from the answer: check the most it can return (count + 31).
      const address = pdu.readUInt16BE(1);
      const quantity = Math.min(LIMITS.fifoRegisters + 1, ADDRESS_SPACE - address);
      return ok({
        kind: 'read',
        fc,
        classes: ['read'],
        span: { table: 'holdingRegisters', address, quantity },
      });
    }
    case FC.READ_EXCEPTION_STATUS:
    case FC.GET_COMM_EVENT_COUNTER:
    case FC.GET_COMM_EVENT_LOG: {
      const wrong = needs(1);
      return wrong !== undefined
        ? bad(wrong)
        : ok({
            kind: 'other',
            fc,
            classes: ['diagnostic'],
            subFunction: undefined,
            changesState: false,
          });
    }
    case FC.REPORT_SERVER_ID: {
      const wrong = needs(1);
      return wrong !== undefined
        ? bad(wrong)
        : ok({
            kind: 'other',
            fc,
            classes: ['identification'],
            subFunction: undefined,
            changesState: false,
          });
    }
    case FC.DIAGNOSTICS:
      return decodeDiagnostics(pdu);
    case FC.READ_FILE_RECORD:
      return decodeReadFileRecord(pdu);
    case FC.WRITE_FILE_RECORD:
      return decodeWriteFileRecord(pdu);
    case FC.ENCAPSULATED_INTERFACE:
      return decodeEncapsulated(pdu);
    default:
      if (fc === 0 || fc >= 0x80)
        return bad(
          `function code ${fc} is not a request (0 is invalid, 128..255 are exception responses)`,
        );
      return ok({
        kind: 'other',
        fc,
        classes: ['programming'],
        subFunction: undefined,
        changesState: true,
      });
  }
}

function decodeWriteMultipleCoils(pdu: Buffer): Decoded {
  if (pdu.length < 7) return bad(`function 15 needs at least 7 bytes, got ${pdu.length}`);
  const address = pdu.readUInt16BE(1);
  const quantity = pdu.readUInt16BE(3);
  const byteCount = pdu.readUInt8(5);
  if (quantity < 1 || quantity > LIMITS.writeBits)
    return bad(`quantity ${quantity} outside 1..${LIMITS.writeBits}`);
  if (byteCount !== Math.ceil(quantity / 8))
    return bad(`byte count ${byteCount} does not match ${quantity} coils`);
  if (pdu.length !== 6 + byteCount)
    return bad(`byte count ${byteCount} does not match a PDU of ${pdu.length} bytes`);
  if (wraps(address, quantity)) return wrapProblem(address, quantity);
  const values: boolean[] = [];
  for (let i = 0; i < quantity; i++) values.push(((pdu[6 + (i >> 3)] ?? 0) >> (i & 7)) % 2 === 1);
  return ok({
    kind: 'write-coils',
    fc: FC.WRITE_MULTIPLE_COILS,
    classes: ['write'],
    address,
    values,
  });
}

function registers(pdu: Buffer, offset: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(pdu.readUInt16BE(offset + 2 * i));
  return out;
}

function decodeWriteMultipleRegisters(pdu: Buffer): Decoded {
  if (pdu.length < 8) return bad(`function 16 needs at least 8 bytes, got ${pdu.length}`);
  const address = pdu.readUInt16BE(1);
  const quantity = pdu.readUInt16BE(3);
  const byteCount = pdu.readUInt8(5);
  if (quantity < 1 || quantity > LIMITS.writeRegisters)
    return bad(`quantity ${quantity} outside 1..${LIMITS.writeRegisters}`);
  if (byteCount !== 2 * quantity)
    return bad(`byte count ${byteCount} does not match ${quantity} registers`);
  if (pdu.length !== 6 + byteCount)
    return bad(`byte count ${byteCount} does not match a PDU of ${pdu.length} bytes`);
  if (wraps(address, quantity)) return wrapProblem(address, quantity);
  return ok({
    kind: 'write-registers',
    fc: FC.WRITE_MULTIPLE_REGISTERS,
    classes: ['write'],
    address,
    values: registers(pdu, 6, quantity),
  });
}

function decodeReadWrite(pdu: Buffer): Decoded {
  if (pdu.length < 12) return bad(`function 23 needs at least 12 bytes, got ${pdu.length}`);
  const readAddress = pdu.readUInt16BE(1);
  const readQuantity = pdu.readUInt16BE(3);
  const writeAddress = pdu.readUInt16BE(5);
  const writeQuantity = pdu.readUInt16BE(7);
  const byteCount = pdu.readUInt8(9);
  if (readQuantity < 1 || readQuantity > LIMITS.readWriteReadRegisters)
    return bad(`read quantity ${readQuantity} outside 1..${LIMITS.readWriteReadRegisters}`);
  if (writeQuantity < 1 || writeQuantity > LIMITS.readWriteWriteRegisters)
    return bad(`write quantity ${writeQuantity} outside 1..${LIMITS.readWriteWriteRegisters}`);
  if (byteCount !== 2 * writeQuantity)
    return bad(`byte count ${byteCount} does not match ${writeQuantity} registers`);
  if (pdu.length !== 10 + byteCount)
    return bad(`byte count ${byteCount} does not match a PDU of ${pdu.length} bytes`);
  if (wraps(readAddress, readQuantity)) return wrapProblem(readAddress, readQuantity);
  if (wraps(writeAddress, writeQuantity)) return wrapProblem(writeAddress, writeQuantity);
  return ok({
    kind: 'read-write',
    fc: FC.READ_WRITE_MULTIPLE_REGISTERS,
    classes: ['read', 'write'],
    read: { table: 'holdingRegisters', address: readAddress, quantity: readQuantity },
    address: writeAddress,
    values: registers(pdu, 10, writeQuantity),
  });
}

function decodeDiagnostics(pdu: Buffer): Decoded {
  if (pdu.length < 3)
    return bad(`function 8 needs a sub-function, got a PDU of ${pdu.length} bytes`);
  const sub = pdu.readUInt16BE(1);
  // Return Query Data (0) echoes any data; every other defined sub-function carries exactly 2 bytes.
  if (KNOWN_DIAGNOSTICS.has(sub) && sub !== 0 && pdu.length !== 5)
    return bad(`diagnostics sub-function ${sub} needs a PDU of 5 bytes, got ${pdu.length}`);
  const isReadOnly = READ_ONLY_DIAGNOSTICS.has(sub);
  return ok({
    kind: 'other',
    fc: FC.DIAGNOSTICS,
    classes: [isReadOnly ? 'diagnostic' : 'programming'],
    subFunction: sub,
    changesState: !isReadOnly,
  });
}

function decodeEncapsulated(pdu: Buffer): Decoded {
  if (pdu.length < 2) return bad('function 43 needs an MEI type');
  const mei = pdu.readUInt8(1);
  if (mei !== MEI_READ_DEVICE_ID) {
    // MEI 13 tunnels CANopen requests, which can write: never treat it as identification.
    return ok({
      kind: 'other',
      fc: FC.ENCAPSULATED_INTERFACE,
      classes: ['programming'],
      subFunction: mei,
      changesState: true,
    });
  }
  if (pdu.length !== 4)
    return bad(`read device identification needs a PDU of 4 bytes, got ${pdu.length}`);
  const code = pdu.readUInt8(2);
  if (code < 1 || code > 4) return bad(`read device id code ${code} outside 1..4`);
  return ok({
    kind: 'other',
    fc: FC.ENCAPSULATED_INTERFACE,
    classes: ['identification'],
    subFunction: mei,
    changesState: false,
  });
}

/** File record sub-requests share a header: reference type 6, file 1..65535, record 0..9999. */
function fileHeaderProblem(pdu: Buffer, at: number, length: number): string | undefined {
  const refType = pdu.readUInt8(at);
  const file = pdu.readUInt16BE(at + 1);
  const record = pdu.readUInt16BE(at + 3);
  if (refType !== 6) return `file reference type ${refType} (must be 6)`;
  if (file === 0) return 'file number 0';
  if (length < 1 || record + length > 10000) return `records ${record}+${length} outside 0..9999`;
  return undefined;
}

function decodeReadFileRecord(pdu: Buffer): Decoded {
  if (pdu.length < 2) return bad('function 20 needs a byte count');
  const byteCount = pdu.readUInt8(1);
  if (byteCount < 7 || byteCount > 0xf5 || byteCount % 7 !== 0)
    return bad(`byte count ${byteCount} is not a multiple of 7 in 7..245`);
  if (pdu.length !== 2 + byteCount)
    return bad(`byte count ${byteCount} does not match a PDU of ${pdu.length} bytes`);
  let responseBytes = 2;
  for (let at = 2; at < pdu.length; at += 7) {
    const length = pdu.readUInt16BE(at + 5);
    const problem = fileHeaderProblem(pdu, at, length);
    if (problem !== undefined) return bad(problem);
    responseBytes += 2 + 2 * length;
  }
  if (responseBytes > MAX_PDU_BYTES)
    return bad(`the answer would need ${responseBytes} bytes (max ${MAX_PDU_BYTES})`);
  return ok({
    kind: 'other',
    fc: FC.READ_FILE_RECORD,
    classes: ['file'],
    subFunction: undefined,
    changesState: false,
  });
}

function decodeWriteFileRecord(pdu: Buffer): Decoded {
  if (pdu.length < 2) return bad('function 21 needs a byte count');
  const byteCount = pdu.readUInt8(1);
  if (byteCount < 9 || byteCount > 0xfb) return bad(`byte count ${byteCount} outside 9..251`);
  if (pdu.length !== 2 + byteCount)
    return bad(`byte count ${byteCount} does not match a PDU of ${pdu.length} bytes`);
  const records: FileRecordWrite[] = [];
  let at = 2;
  while (at < pdu.length) {
    if (at + 7 > pdu.length) return bad('truncated file record sub-request');
    const length = pdu.readUInt16BE(at + 5);
    const problem = fileHeaderProblem(pdu, at, length);
    if (problem !== undefined) return bad(problem);
    if (at + 7 + 2 * length > pdu.length)
      return bad('file record data shorter than its record length');
    records.push({
      file: pdu.readUInt16BE(at + 1),
      record: pdu.readUInt16BE(at + 3),
      values: registers(pdu, at + 7, length),
    });
    at += 7 + 2 * length;
  }
  return ok({ kind: 'file-write', fc: FC.WRITE_FILE_RECORD, classes: ['file'], records });
}
