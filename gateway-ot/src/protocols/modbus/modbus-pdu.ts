/**
 * Modbus TCP vocabulary shared by the parser, the rules and the broker: function codes and their
 * names, exception codes, the four data tables, spec limits (Modbus Application Protocol v1.1b3),
 * and the few frames the gateway builds itself (exception responses, the reads it sends to learn
 * old values). Guarantees: every frame built here is well-formed MBAP with protocol id 0. It does
 * not parse anything (mbap-reader.ts and modbus-request.ts do).
 */

export const MBAP_HEADER_BYTES = 7;
/** Largest PDU on Modbus TCP (function code + data), inherited from the 256-byte serial ADU. */
export const MAX_PDU_BYTES = 253;
export const ADDRESS_SPACE = 65536;

export const FC = {
  READ_COILS: 1,
  READ_DISCRETE_INPUTS: 2,
  READ_HOLDING_REGISTERS: 3,
  READ_INPUT_REGISTERS: 4,
  WRITE_SINGLE_COIL: 5,
  WRITE_SINGLE_REGISTER: 6,
  READ_EXCEPTION_STATUS: 7,
  DIAGNOSTICS: 8,
  GET_COMM_EVENT_COUNTER: 11,
  GET_COMM_EVENT_LOG: 12,
  WRITE_MULTIPLE_COILS: 15,
  WRITE_MULTIPLE_REGISTERS: 16,
  REPORT_SERVER_ID: 17,
  READ_FILE_RECORD: 20,
  WRITE_FILE_RECORD: 21,
  MASK_WRITE_REGISTER: 22,
  READ_WRITE_MULTIPLE_REGISTERS: 23,
  READ_FIFO_QUEUE: 24,
  ENCAPSULATED_INTERFACE: 43,
} as const;

const FUNCTION_NAMES: Readonly<Record<number, string>> = {
  1: 'read coils',
  2: 'read discrete inputs',
  3: 'read holding registers',
  4: 'read input registers',
  5: 'write single coil',
  6: 'write single register',
  7: 'read exception status',
  8: 'diagnostics',
  11: 'get comm event counter',
  12: 'get comm event log',
  15: 'write multiple coils',
  16: 'write multiple registers',
  17: 'report server id',
  20: 'read file record',
  21: 'write file record',
  22: 'mask write register',
  23: 'read/write multiple registers',
  24: 'read fifo queue',
  43: 'encapsulated interface transport',
  90: 'vendor-specific (e.g. Schneider UMAS)',
};

export function functionName(fc: number): string {
  const known = FUNCTION_NAMES[fc];
  if (known !== undefined) return known;
  if ((fc >= 65 && fc <= 72) || (fc >= 100 && fc <= 110)) return 'user-defined';
  return 'unassigned or vendor-specific';
}

/** Spec limits on quantities per request. */
export const LIMITS = {
  readBits: 2000,
  readRegisters: 125,
  writeBits: 1968,
  writeRegisters: 123,
  readWriteReadRegisters: 125,
  readWriteWriteRegisters: 121,
  fifoRegisters: 31,
} as const;

export const EXCEPTION = {
  ILLEGAL_FUNCTION: 0x01,
  ILLEGAL_DATA_ADDRESS: 0x02,
  ILLEGAL_DATA_VALUE: 0x03,
  SERVER_DEVICE_FAILURE: 0x04,
  SERVER_DEVICE_BUSY: 0x06,
  GATEWAY_PATH_UNAVAILABLE: 0x0a,
  GATEWAY_TARGET_FAILED: 0x0b,
} as const;

export type ExceptionCode = (typeof EXCEPTION)[keyof typeof EXCEPTION];

/** Two-digit hex as Modbus documents write exception codes ("0B"). */
export function exceptionLabel(code: number): string {
  return code.toString(16).toUpperCase().padStart(2, '0');
}

export const TABLES = ['coils', 'discreteInputs', 'inputRegisters', 'holdingRegisters'] as const;
export type Table = (typeof TABLES)[number];

/** Short names and the Modicon reference prefix (0xxxx coils, 1xxxx inputs, 3xxxx, 4xxxx). */
const TABLE_LABEL: Readonly<Record<Table, { short: string; prefix: number }>> = {
  coils: { short: 'CO', prefix: 0 },
  discreteInputs: { short: 'DI', prefix: 1 },
  inputRegisters: { short: 'IR', prefix: 3 },
  holdingRegisters: { short: 'HR', prefix: 4 },
};

/**
 * A point as plant people write it: `HR 40010` is holding register offset 9. Offsets up to 9998 use
 * the classic 5-digit form; larger ones the 6-digit form (`HR 465536` is offset 65535), because
 * 5 digits cannot name them.
 */
export function pointLabel(table: Table, address: number): string {
  const { short, prefix } = TABLE_LABEL[table];
  const reference = address <= 9998 ? prefix * 10000 + address + 1 : prefix * 100000 + address + 1;
  return `${short} ${String(reference).padStart(address <= 9998 ? 5 : 6, '0')}`;
}

/** An MBAP frame around `pdu`. */
export function encodeFrame(transactionId: number, unitId: number, pdu: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(MBAP_HEADER_BYTES + pdu.length);
  frame.writeUInt16BE(transactionId & 0xffff, 0);
  frame.writeUInt16BE(0, 2);
  frame.writeUInt16BE(pdu.length + 1, 4);
  frame.writeUInt8(unitId & 0xff, 6);
  frame.set(pdu, MBAP_HEADER_BYTES);
  return frame;
}

export function exceptionFrame(
  transactionId: number,
  unitId: number,
  fc: number,
  code: ExceptionCode,
): Buffer {
  return encodeFrame(transactionId, unitId, Uint8Array.of((fc | 0x80) & 0xff, code));
}

/** The PDU that reads `quantity` items of `table` from `address` (FC 1–4). */
export function readPdu(table: Table, address: number, quantity: number): Buffer {
  const fc = { coils: 1, discreteInputs: 2, holdingRegisters: 3, inputRegisters: 4 }[table];
  const pdu = Buffer.allocUnsafe(5);
  pdu.writeUInt8(fc, 0);
  pdu.writeUInt16BE(address, 1);
  pdu.writeUInt16BE(quantity, 3);
  return pdu;
}
