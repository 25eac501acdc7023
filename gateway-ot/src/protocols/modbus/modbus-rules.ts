/**
 * The Modbus access rules: a profile from the local policy, compiled once, and `decide`, which
 * turns one decoded request into a value: allow, or deny with the rule, a reason for the audit log
 * and the exception the operator's tool gets. Deny is the default; checks run in this order and the
 * first failure decides:
 *
 *   unit      unit id not in the profile                           -> 0A gateway path unavailable
 *   function  neither the code nor all its classes are allowed     -> 01 illegal function
 *   broadcast unit 0 with anything that can change state           -> 0A gateway path unavailable
 *   address   some address of the span is outside the ranges       -> 02 illegal data address
 *   value     a written value outside its range's bounds            -> 03 illegal data value
 *
 * A span must be covered entirely (by one range or by adjacent ones). Requests without addresses in
 * the four tables (diagnostics, identification, file records, programming and vendor codes) are
 * decided by unit and function alone: allowing them allows whatever the device does with them.
 * Rate limiting lives in the broker (token-bucket.ts), before these rules.
 */
import { EXCEPTION, pointLabel, type ExceptionCode, type Table } from './modbus-pdu.js';
import {
  isStateChanging,
  type FunctionClass,
  type ModbusRequest,
  type Span,
} from './modbus-request.js';
import type { CoilWriteRange, ModbusProfile, RegisterWriteRange } from './modbus-policy.js';

export type DenyRule = 'unit' | 'function' | 'broadcast' | 'address' | 'value' | 'rate';

export type Decision =
  | { readonly allow: true }
  | {
      readonly allow: false;
      readonly rule: DenyRule;
      readonly reason: string;
      readonly exception: ExceptionCode;
    };

interface Interval {
  readonly from: number;
  readonly to: number;
}

export interface CompiledProfile {
  readonly unitIds: ReadonlySet<number>;
  readonly codes: ReadonlySet<number>;
  readonly classes: ReadonlySet<FunctionClass>;
  /** Merged readable intervals per table, sorted. */
  readonly readable: Readonly<Record<Table, readonly Interval[]>>;
  readonly coilWrites: readonly CoilWriteRange[];
  readonly registerWrites: readonly RegisterWriteRange[];
  readonly coilWritable: readonly Interval[];
  readonly registerWritable: readonly Interval[];
  readonly readBeforeWrite: boolean;
  readonly rateLimit: { readonly requestsPerSecond: number; readonly burst: number };
  /** The connection's deadlines (connection-deadlines.ts), in ms. */
  readonly deadlines: { readonly frameMs: number; readonly idleMs: number };
}

const ALLOW: Decision = { allow: true };

function merge(ranges: readonly Interval[]): Interval[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const out: Interval[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.from <= last.to + 1)
      out[out.length - 1] = { from: last.from, to: Math.max(last.to, r.to) };
    else out.push({ from: r.from, to: r.to });
  }
  return out;
}

/** The range in sorted, non-overlapping `ranges` that contains `address`. */
function find<T extends Interval>(ranges: readonly T[], address: number): T | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid];
    if (r === undefined) return undefined;
    if (address < r.from) hi = mid - 1;
    else if (address > r.to) lo = mid + 1;
    else return r;
  }
  return undefined;
}

function covers(merged: readonly Interval[], address: number, quantity: number): boolean {
  const r = find(merged, address);
  return r !== undefined && address + quantity - 1 <= r.to;
}

export function compileProfile(p: ModbusProfile): CompiledProfile {
  const t = p.tables;
  const coilWrites = [...(t.coils?.write ?? [])].sort((a, b) => a.from - b.from);
  const registerWrites = [...(t.holdingRegisters?.write ?? [])].sort((a, b) => a.from - b.from);
  return {
    unitIds: new Set(p.unitIds),
    codes: new Set(p.functions.filter((f): f is number => typeof f === 'number')),
    classes: new Set(p.functions.filter((f): f is FunctionClass => typeof f === 'string')),
    readable: {
      coils: merge(t.coils?.read ?? []),
      discreteInputs: merge(t.discreteInputs?.read ?? []),
      inputRegisters: merge(t.inputRegisters?.read ?? []),
      holdingRegisters: merge(t.holdingRegisters?.read ?? []),
    },
    coilWrites,
    registerWrites,
    coilWritable: merge(coilWrites),
    registerWritable: merge(registerWrites),
    readBeforeWrite: p.readBeforeWrite,
    rateLimit: p.rateLimit,
    deadlines: { frameMs: p.frameTimeoutSeconds * 1000, idleMs: p.idleTimeoutSeconds * 1000 },
  };
}

const deny = (rule: DenyRule, exception: ExceptionCode, reason: string): Decision => ({
  allow: false,
  rule,
  reason,
  exception,
});

function spanLabel(table: Table, address: number, quantity: number): string {
  return quantity === 1
    ? pointLabel(table, address)
    : `${pointLabel(table, address)}..${pointLabel(table, address + quantity - 1).split(' ')[1] ?? ''}`;
}

function checkRead(p: CompiledProfile, span: Span): Decision {
  if (covers(p.readable[span.table], span.address, span.quantity)) return ALLOW;
  return deny(
    'address',
    EXCEPTION.ILLEGAL_DATA_ADDRESS,
    `read of ${spanLabel(span.table, span.address, span.quantity)} (address ${span.address}, quantity ${span.quantity}) is outside the readable ranges`,
  );
}

function checkWriteSpan(
  p: CompiledProfile,
  table: 'coils' | 'holdingRegisters',
  address: number,
  quantity: number,
): Decision {
  const writable = table === 'coils' ? p.coilWritable : p.registerWritable;
  if (covers(writable, address, quantity)) return ALLOW;
  return deny(
    'address',
    EXCEPTION.ILLEGAL_DATA_ADDRESS,
    `write to ${spanLabel(table, address, quantity)} (address ${address}, quantity ${quantity}) is outside the writable ranges`,
  );
}

export const asSigned = (v: number): number => (v >= 0x8000 ? v - 0x10000 : v);

function checkRegisterValues(
  p: CompiledProfile,
  address: number,
  values: readonly number[],
): Decision {
  for (let i = 0; i < values.length; i++) {
    const range = find(p.registerWrites, address + i);
    const raw = values[i] ?? 0;
    if (range === undefined) return checkWriteSpan(p, 'holdingRegisters', address + i, 1);
    const v = range.signed ? asSigned(raw) : raw;
    if (v < range.min || v > range.max) {
      return deny(
        'value',
        EXCEPTION.ILLEGAL_DATA_VALUE,
        `value ${v} for ${pointLabel('holdingRegisters', address + i)} is outside its bounds ${range.min}..${range.max}`,
      );
    }
  }
  return ALLOW;
}

function checkCoilValues(
  p: CompiledProfile,
  address: number,
  values: readonly boolean[],
): Decision {
  for (let i = 0; i < values.length; i++) {
    const range = find(p.coilWrites, address + i);
    if (range === undefined) return checkWriteSpan(p, 'coils', address + i, 1);
    if (range.value !== undefined && values[i] !== range.value) {
      return deny(
        'value',
        EXCEPTION.ILLEGAL_DATA_VALUE,
        `${pointLabel('coils', address + i)} may only be set ${range.value ? 'on' : 'off'}`,
      );
    }
  }
  return ALLOW;
}

/** Whether a holding register's write range reads its values as int16 (for audit text). */
export function isSignedRegister(p: CompiledProfile, address: number): boolean {
  return find(p.registerWrites, address)?.signed ?? false;
}

function isFullRange(r: RegisterWriteRange): boolean {
  return r.signed ? r.min <= -32768 && r.max >= 32767 : r.min <= 0 && r.max >= 65535;
}

function checkAddressesAndValues(p: CompiledProfile, r: ModbusRequest): Decision {
  switch (r.kind) {
    case 'read':
      return checkRead(p, r.span);
    case 'write-coils': {
      const span = checkWriteSpan(p, 'coils', r.address, r.values.length);
      return span.allow ? checkCoilValues(p, r.address, r.values) : span;
    }
    case 'write-registers': {
      const span = checkWriteSpan(p, 'holdingRegisters', r.address, r.values.length);
      return span.allow ? checkRegisterValues(p, r.address, r.values) : span;
    }
    case 'mask-write': {
      const span = checkWriteSpan(p, 'holdingRegisters', r.address, 1);
      if (!span.allow) return span;
      const range = find(p.registerWrites, r.address);
      // The result depends on the current value, which the gateway cannot hold still between a read
      // and the write: only registers whose range has no bounds may be masked.
      if (range === undefined || !isFullRange(range)) {
        return deny(
          'value',
          EXCEPTION.ILLEGAL_DATA_VALUE,
          `mask write to ${pointLabel('holdingRegisters', r.address)} refused: its range has value bounds, and a masked result cannot be checked`,
        );
      }
      return ALLOW;
    }
    case 'read-write': {
      const read = checkRead(p, r.read);
      if (!read.allow) return read;
      const span = checkWriteSpan(p, 'holdingRegisters', r.address, r.values.length);
      return span.allow ? checkRegisterValues(p, r.address, r.values) : span;
    }
    case 'file-write':
    case 'other':
      return ALLOW;
    default: {
      const never: never = r;
      return never;
    }
  }
}

export function isFunctionAllowed(p: CompiledProfile, r: ModbusRequest): boolean {
  return p.codes.has(r.fc) || r.classes.every((c) => p.classes.has(c));
}

export function decide(p: CompiledProfile, unitId: number, r: ModbusRequest): Decision {
  if (!p.unitIds.has(unitId)) {
    return deny(
      'unit',
      EXCEPTION.GATEWAY_PATH_UNAVAILABLE,
      `unit ${unitId} is not among this profile's unit ids (${[...p.unitIds].join(', ')})`,
    );
  }
  if (!isFunctionAllowed(p, r)) {
    return deny(
      'function',
      EXCEPTION.ILLEGAL_FUNCTION,
      `function ${r.fc} (class ${r.classes.join('+')}) is not allowed by this profile`,
    );
  }
  if (unitId === 0 && isStateChanging(r)) {
    return deny(
      'broadcast',
      EXCEPTION.GATEWAY_PATH_UNAVAILABLE,
      'unit 0 is broadcast: nothing that can change state is forwarded to it',
    );
  }
  return checkAddressesAndValues(p, r);
}
