/**
 * What the Modbus broker writes into the audit log, as plain structured facts: unit, function,
 * table, zero-based address, quantity and values, plus a line per point as plant people read it
 * ("HR 40010: 1200 → 1350"). The session's `audit` adds user, site, session and grant.
 *
 * Payloads of opaque requests (vendor and programming codes) are not copied: only their length and
 * first bytes (enough to tell, say, which UMAS service was asked for), since they can carry
 * anything, including a project password.
 */
import { functionName, pointLabel, type Table } from './modbus-pdu.js';
import type { ModbusRequest } from './modbus-request.js';
import { omitUndefined } from '../../../../shared/src/omit-undefined.js';

/** The values a write replaces, as read from the PLC just before it. */
export type OldValues =
  | { readonly kind: 'not-read' }
  | { readonly kind: 'read'; readonly values: readonly (number | boolean)[] }
  | { readonly kind: 'unavailable'; readonly reason: string };

export type Details = Record<string, unknown>;

const PREFIX_BYTES = 4;

/** Facts that identify a request in any event (deny, timeout, write). */
export function requestFacts(unitId: number, r: ModbusRequest, pdu: Buffer): Details {
  const base: Details = { unit: unitId, function: r.fc, functionName: functionName(r.fc) };
  switch (r.kind) {
    case 'read':
      return { ...base, table: r.span.table, address: r.span.address, quantity: r.span.quantity };
    case 'write-coils':
      return { ...base, table: 'coils', address: r.address, quantity: r.values.length };
    case 'write-registers':
    case 'read-write':
      return { ...base, table: 'holdingRegisters', address: r.address, quantity: r.values.length };
    case 'mask-write':
      return { ...base, table: 'holdingRegisters', address: r.address, quantity: 1 };
    case 'file-write':
      return {
        ...base,
        records: r.records.map((x) => ({
          file: x.file,
          record: x.record,
          quantity: x.values.length,
        })),
      };
    case 'other':
      return {
        ...base,
        ...omitUndefined({ subFunction: r.subFunction }),
        pduLength: pdu.length,
        pduPrefixHex: pdu.subarray(1, 1 + PREFIX_BYTES).toString('hex'),
      };
    default: {
      const never: never = r;
      return never;
    }
  }
}

/** Where a write's old values live, so the broker can read them first; undefined when it cannot. */
export function oldValueSpan(
  r: ModbusRequest,
): { table: Table; address: number; quantity: number } | undefined {
  switch (r.kind) {
    case 'write-coils':
      return { table: 'coils', address: r.address, quantity: r.values.length };
    case 'write-registers':
    case 'read-write':
      return { table: 'holdingRegisters', address: r.address, quantity: r.values.length };
    case 'mask-write':
      return { table: 'holdingRegisters', address: r.address, quantity: 1 };
    case 'read':
    case 'file-write':
    case 'other':
      return undefined;
    default: {
      const never: never = r;
      return never;
    }
  }
}

/** Decodes the data of an FC 1 or FC 3 response into `quantity` values. */
export function decodeReadValues(
  table: Table,
  response: Buffer,
  quantity: number,
): (number | boolean)[] {
  const out: (number | boolean)[] = [];
  for (let i = 0; i < quantity; i++) {
    if (table === 'coils' || table === 'discreteInputs')
      out.push((((response[2 + (i >> 3)] ?? 0) >> (i & 7)) & 1) === 1);
    else out.push(response.readUInt16BE(2 + 2 * i));
  }
  return out;
}

const show = (v: number | boolean | undefined, signed: boolean): string =>
  v === undefined
    ? '?'
    : typeof v === 'boolean'
      ? v
        ? 'on'
        : 'off'
      : String(signed && v >= 0x8000 ? v - 0x10000 : v);

/** The values a state-changing request will leave (known for a mask write only with the old value). */
function newValues(r: ModbusRequest, old: OldValues): readonly (number | boolean)[] | undefined {
  switch (r.kind) {
    case 'write-coils':
    case 'write-registers':
    case 'read-write':
      return r.values;
    case 'mask-write': {
      const current = old.kind === 'read' ? old.values[0] : undefined;
      if (typeof current !== 'number') return undefined;
      return [((current & r.andMask) | (r.orMask & ~r.andMask)) & 0xffff];
    }
    default:
      return undefined;
  }
}

/** Details of a `modbus.write` event: the request, the new values and, when read, the old ones. */
export function writeDetails(
  unitId: number,
  r: ModbusRequest,
  pdu: Buffer,
  old: OldValues,
  isSigned: (address: number) => boolean,
): Details {
  const details: Details = requestFacts(unitId, r, pdu);
  if (r.kind === 'file-write')
    return {
      ...details,
      records: r.records.map((x) => ({ file: x.file, record: x.record, values: x.values })),
    };
  const span = oldValueSpan(r);
  const values = newValues(r, old);
  if (span === undefined) return details;
  if (r.kind === 'mask-write') Object.assign(details, { andMask: r.andMask, orMask: r.orMask });
  if (r.kind === 'read-write')
    Object.assign(details, { readAddress: r.read.address, readQuantity: r.read.quantity });
  details.values = values ?? null;
  if (old.kind === 'read') details.oldValues = old.values;
  if (old.kind === 'unavailable') details.oldValuesError = old.reason;
  const changes: string[] = [];
  for (let i = 0; i < span.quantity; i++) {
    const signed = span.table === 'holdingRegisters' && isSigned(span.address + i);
    const next = show(values?.[i], signed);
    const label = pointLabel(span.table, span.address + i);
    changes.push(
      old.kind === 'read'
        ? `${label}: ${show(old.values[i], signed)} → ${next}`
        : `${label}: → ${next}`,
    );
  }
  details.changes = changes;
  return details;
}
