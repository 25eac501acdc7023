/**
 * Checks that a PLC's response PDU answers the request it claims to answer: same function code (or
 * its exception form with a 1-byte code), and the structure that function's response must have
 * (byte counts that match the requested quantity, echoes that repeat the request exactly). A
 * response that fails is dropped by the broker and the operator gets 0B: a confused or hostile
 * device must not feed the operator's tool data for a question it was not asked.
 *
 * Opaque requests (vendor and programming codes) are checked for the function code only. Never
 * throws on input.
 */
import { err, ok, type Result } from '../../../../shared/src/result.js';
import { FC, LIMITS } from './modbus-pdu.js';
import type { ModbusRequest } from './modbus-request.js';

export interface CheckedResponse {
  /** The exception code when the PLC refused the request. */
  readonly exception: number | undefined;
}

const fine: Result<CheckedResponse, string> = ok({ exception: undefined });

function byteCountIs(res: Buffer, expected: number): Result<CheckedResponse, string> {
  if (res.length < 2) return err('response too short for a byte count');
  const count = res.readUInt8(1);
  if (count !== expected) return err(`byte count ${count}, expected ${expected}`);
  if (res.length !== 2 + count) return err(`byte count ${count} but ${res.length - 2} data bytes`);
  return fine;
}

function selfConsistent(res: Buffer): Result<CheckedResponse, string> {
  return res.length >= 2 && res.length === 2 + res.readUInt8(1)
    ? fine
    : err('byte count does not match the response length');
}

const echoes = (req: Buffer, res: Buffer, bytes: number): boolean =>
  res.length === bytes && req.subarray(0, bytes).equals(res);

export function checkResponse(
  request: ModbusRequest,
  requestPdu: Buffer,
  res: Buffer,
): Result<CheckedResponse, string> {
  if (res.length === 0) return err('empty response');
  const fc = res.readUInt8(0);
  if (fc === (request.fc | 0x80)) {
    return res.length === 2
      ? ok({ exception: res.readUInt8(1) })
      : err(`exception response of ${res.length} bytes (must be 2)`);
  }
  if (fc !== request.fc) return err(`function ${fc} answers a request for function ${request.fc}`);
  switch (request.kind) {
    case 'read': {
      if (request.fc === FC.READ_FIFO_QUEUE) {
        if (res.length < 5) return err('fifo response too short');
        const byteCount = res.readUInt16BE(1);
        const count = res.readUInt16BE(3);
        if (
          count > LIMITS.fifoRegisters ||
          byteCount !== 2 + 2 * count ||
          res.length !== 3 + byteCount
        )
          return err('fifo response counts do not agree');
        return fine;
      }
      const q = request.span.quantity;
      return byteCountIs(res, request.fc <= FC.READ_DISCRETE_INPUTS ? Math.ceil(q / 8) : 2 * q);
    }
    case 'write-coils':
    case 'write-registers':
      // FC 5/6 echo the whole request; FC 15/16 echo address and quantity.
      return echoes(requestPdu, res, 5) ? fine : err('response does not echo the write');
    case 'mask-write':
      return echoes(requestPdu, res, 7) ? fine : err('response does not echo the mask write');
    case 'read-write':
      return byteCountIs(res, 2 * request.read.quantity);
    case 'file-write':
      return res.equals(requestPdu) ? fine : err('response does not echo the file record write');
    case 'other':
      switch (request.fc) {
        case FC.READ_EXCEPTION_STATUS:
          return res.length === 2 ? fine : err('read exception status response must be 2 bytes');
        case FC.GET_COMM_EVENT_COUNTER:
          return res.length === 5 ? fine : err('comm event counter response must be 5 bytes');
        case FC.GET_COMM_EVENT_LOG:
        case FC.REPORT_SERVER_ID:
        case FC.READ_FILE_RECORD:
          return selfConsistent(res);
        case FC.DIAGNOSTICS:
          return res.length >= 3 && res.readUInt16BE(1) === request.subFunction
            ? fine
            : err('diagnostics response does not echo the sub-function');
        case FC.ENCAPSULATED_INTERFACE:
          return res.length >= 2 && res.readUInt8(1) === request.subFunction
            ? fine
            : err('response does not echo the MEI type');
        default:
          return fine;
      }
    default: {
      const never: never = request;
      return never;
    }
  }
}
