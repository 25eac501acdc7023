/**
 * Modbus in the learn, review, enforce loop (docs/policy.md): what one operation looks like when it
 * is learned or replayed, the least-privilege profile proposed from many of them, and the replay
 * check of one operation against a profile.
 *
 * Guarantees: a proposal allows nothing beyond what was learned, widened only by the value margin
 * and by merging address ranges whose gap is at most `mergeGap`; it names function codes (never
 * classes); it keeps the current profile's rate limit, deadlines, read-before-write and ceiling. A
 * replay is decided by the same `decide` the broker enforces with. Not guaranteed: that a proposal
 * lets through what the job did not do while learning (that is the replay's question, for the
 * recorded past only).
 */
import { asSigned, compileProfile, decide, type Decision } from './modbus-rules.js';
import type { ModbusProfile } from './modbus-policy.js';
import type { Table } from './modbus-pdu.js';
import type { FunctionClass, ModbusRequest } from './modbus-request.js';

/** One learned or recorded Modbus operation, as stored (JSON). */
export interface ModbusOperation {
  readonly unit: number;
  readonly fc: number;
  readonly classes: readonly FunctionClass[];
  readonly table?: Table;
  readonly address?: number;
  readonly quantity?: number;
  /** Written values (raw uint16 for registers, booleans for coils). */
  readonly values?: readonly (number | boolean)[];
}

export interface ProposeOptions {
  /** Percent of the learned value span (or of the value, when all writes were equal) added each side. */
  readonly marginPercent: number;
  /** Ranges of one table whose gap is at most this many addresses become one range. */
  readonly mergeGap: number;
}

/** What a session asks per request while its profile learns. */
export interface ModbusLearnHook {
  /** The decision by the learn ceiling (recorded when allowed); undefined once the window has ended. */
  decide(unit: number, request: ModbusRequest): Decision | undefined;
}

/** The operation a decoded request is, for the learning record. */
export function modbusOperation(unit: number, r: ModbusRequest): ModbusOperation {
  const base = { unit, fc: r.fc, classes: r.classes };
  switch (r.kind) {
    case 'read':
      return { ...base, table: r.span.table, address: r.span.address, quantity: r.span.quantity };
    case 'write-coils':
      return {
        ...base,
        table: 'coils',
        address: r.address,
        quantity: r.values.length,
        values: r.values,
      };
    case 'write-registers':
    case 'read-write':
      return {
        ...base,
        table: 'holdingRegisters',
        address: r.address,
        quantity: r.values.length,
        values: r.values,
      };
    case 'mask-write':
      return { ...base, table: 'holdingRegisters', address: r.address, quantity: 1 };
    case 'file-write':
    case 'other':
      return base;
    default: {
      const never: never = r;
      return never;
    }
  }
}

/** The request an operation stands for, as far as the rules look at it. */
function requestOf(op: ModbusOperation): ModbusRequest {
  const base = { fc: op.fc, classes: op.classes };
  const { table, address, quantity, values } = op;
  if (table === undefined || address === undefined || quantity === undefined)
    return {
      ...base,
      kind: 'other',
      subFunction: undefined,
      changesState: !op.classes.every((c) => c === 'read'),
    };
  if (values === undefined) {
    if (op.classes.includes('write'))
      return { ...base, kind: 'mask-write', address, andMask: 0, orMask: 0 };
    return { ...base, kind: 'read', span: { table, address, quantity } };
  }
  if (table === 'coils')
    return {
      ...base,
      kind: 'write-coils',
      address,
      values: values.map((v) => v === true || v === 1),
    };
  return { ...base, kind: 'write-registers', address, values: values.map((v) => Number(v)) };
}

/** Would `profile` allow this operation? The broker's own decision. */
export function replayModbusOperation(profile: ModbusProfile, op: ModbusOperation): Decision {
  return decide(compileProfile(profile), op.unit, requestOf(op));
}

interface Span {
  from: number;
  to: number;
}

function mergeSpans(spans: readonly Span[], gap: number): Span[] {
  const out: Span[] = [];
  for (const s of [...spans].sort((a, b) => a.from - b.from)) {
    const last = out[out.length - 1];
    if (last !== undefined && s.from <= last.to + 1 + gap) last.to = Math.max(last.to, s.to);
    else out.push({ ...s });
  }
  return out;
}

function isSignedAt(profile: ModbusProfile, address: number): boolean {
  const ranges = [
    ...(profile.tables.holdingRegisters?.write ?? []),
    ...(profile.learnCeiling?.tables.holdingRegisters?.write ?? []),
  ];
  return ranges.find((r) => address >= r.from && address <= r.to)?.signed ?? false;
}

function bounds(
  values: readonly number[],
  signed: boolean,
  marginPercent: number,
): { min: number; max: number } {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const base = hi > lo ? hi - lo : Math.max(Math.abs(hi), 1);
  const margin = Math.ceil((base * marginPercent) / 100);
  const [floor, ceil] = signed ? [-32768, 32767] : [0, 65535];
  return { min: Math.max(floor, lo - margin), max: Math.min(ceil, hi + margin) };
}

/** The least-privilege profile for what `ops` did, beside `current` (whose other settings it keeps). */
export function proposeModbusProfile(
  current: ModbusProfile,
  ops: readonly ModbusOperation[],
  options: ProposeOptions,
): ModbusProfile {
  const reads: Record<Table, Span[]> = {
    coils: [],
    discreteInputs: [],
    inputRegisters: [],
    holdingRegisters: [],
  };
  const writes: Record<
    'coils' | 'holdingRegisters',
    { span: Span; values: readonly (number | boolean)[] }[]
  > = {
    coils: [],
    holdingRegisters: [],
  };
  for (const op of ops) {
    if (op.table === undefined || op.address === undefined || op.quantity === undefined) continue;
    const span = { from: op.address, to: op.address + op.quantity - 1 };
    if (op.values === undefined) reads[op.table].push(span);
    else if (op.table === 'coils' || op.table === 'holdingRegisters')
      writes[op.table].push({ span, values: op.values });
  }
  const coilWrites = mergeSpans(
    writes.coils.map((w) => w.span),
    options.mergeGap,
  ).map((r) => {
    const seen = new Set(
      writes.coils
        .filter((w) => w.span.from <= r.to && w.span.to >= r.from)
        .flatMap((w) => w.values.map((v) => v === true || v === 1)),
    );
    return seen.size === 1 ? { ...r, value: [...seen][0] === true } : { ...r };
  });
  const registerWrites = mergeSpans(
    writes.holdingRegisters.map((w) => w.span),
    options.mergeGap,
  ).map((r) => {
    const signed = isSignedAt(current, r.from);
    const values = writes.holdingRegisters
      .filter((w) => w.span.from <= r.to && w.span.to >= r.from)
      .flatMap((w) => w.values.map((v) => (signed ? asSigned(Number(v)) : Number(v))));
    return { ...r, ...bounds(values, signed, options.marginPercent), signed };
  });
  const tables: ModbusProfile['tables'] = {};
  const readOf = (t: Table): Span[] => mergeSpans(reads[t], options.mergeGap);
  if (reads.coils.length > 0 || coilWrites.length > 0)
    tables.coils = { read: readOf('coils'), write: coilWrites };
  if (reads.discreteInputs.length > 0) tables.discreteInputs = { read: readOf('discreteInputs') };
  if (reads.inputRegisters.length > 0) tables.inputRegisters = { read: readOf('inputRegisters') };
  if (reads.holdingRegisters.length > 0 || registerWrites.length > 0)
    tables.holdingRegisters = { read: readOf('holdingRegisters'), write: registerWrites };
  const units = [...new Set(ops.map((o) => o.unit))].sort((a, b) => a - b);
  return {
    ...current,
    description: `proposed from ${ops.length} learned operation(s)`,
    unitIds: units.length > 0 ? units : current.unitIds,
    functions: [...new Set(ops.map((o) => o.fc))].sort((a, b) => a - b),
    tables,
  };
}
