/**
 * The Modbus points a grant's profile lets an operator touch, as the site's catalogue publishes
 * them, and one portal action on them: open an operator session through OperatorSessions (the
 * same access check, ticket, lockdown and site checks as `ssh -L`), speak Modbus TCP over its
 * stream (mbap-client.ts), and end the session when the action is done. A session never outlives
 * the action, and revocation or lockdown ends it earlier (OperatorSessions).
 *
 * Guarantees: a write is reported as done only when the device echoed it; an exception is shown by
 * code and name; values are read after a write in the same session so the page shows what the PLC
 * holds. Not guaranteed here: what may be written (the OT broker decides and audits); the list
 * shows at most MAX_POINTS points per table.
 */
import { AirlockError } from '../../../shared/src/errors.js';
import type { UserId } from '../../../shared/src/ids.js';
import type { ModbusPoints } from '../../../shared/src/model/modbus-points.js';
import type { OperatorSessions } from '../sessions/sessions.js';
import {
  MAX_READ,
  MbapClient,
  MODBUS_TABLES,
  type ModbusException,
  type ModbusTable,
} from './mbap-client.js';
import { omitUndefined, ifDefined } from '../../../shared/src/omit-undefined.js';

/** Points listed (and read) per table: a page, not a data export. */
export const MAX_POINTS = 200;
const ANSWER_TIMEOUT_MS = 5_000;

export interface WriteBound {
  readonly min: number;
  readonly max: number;
  readonly signed: boolean;
  /** Coils: only this state may be written. */
  readonly only?: 0 | 1;
}

export interface Point {
  readonly table: ModbusTable;
  readonly address: number;
  readonly readable: boolean;
  readonly write: WriteBound | undefined;
}

export interface PointTable {
  readonly table: ModbusTable;
  readonly points: readonly Point[];
  /** More points are allowed than listed. */
  readonly truncated: boolean;
}

export type PointValue =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly exception: ModbusException };

export interface WriteOutcome {
  readonly table: 'coils' | 'holdingRegisters';
  readonly address: number;
  readonly value: number;
  /** undefined: the device confirmed the write. */
  readonly exception?: ModbusException;
}

/** Points of a profile, table by table, readable and writable addresses merged and sorted. */
export function pointTables(p: ModbusPoints): PointTable[] {
  const out: PointTable[] = [];
  for (const table of MODBUS_TABLES) {
    const t = p.tables[table];
    if (t === undefined) continue;
    const byAddress = new Map<number, { readable: boolean; write: WriteBound | undefined }>();
    let truncated = false;
    const add = (from: number, to: number, f: (a: number) => void): void => {
      for (let a = from; a <= to; a++) {
        if (!byAddress.has(a) && byAddress.size >= MAX_POINTS) {
          truncated = true;
          return;
        }
        f(a);
      }
    };
    const entry = (a: number) => byAddress.get(a) ?? { readable: false, write: undefined };
    for (const r of t.read)
      add(r.from, r.to, (a) => byAddress.set(a, { ...entry(a), readable: true }));
    if ('write' in t) {
      for (const w of t.write) {
        const bound: WriteBound =
          'min' in w
            ? { min: w.min, max: w.max, signed: w.signed }
            : {
                min: 0,
                max: 1,
                signed: false,
                ...omitUndefined({ only: ifDefined(w.value, (v): 0 | 1 => (v ? 1 : 0)) }),
              };
        add(w.from, w.to, (a) => byAddress.set(a, { ...entry(a), write: bound }));
      }
    }
    const points = [...byAddress.entries()]
      .sort(([a], [b]) => a - b)
      .map(([address, v]) => ({ table, address, ...v }));
    if (points.length > 0) out.push({ table, points, truncated });
  }
  return out;
}

/** Consecutive readable addresses of a table, each run at most one request long. */
function readSpans(
  points: readonly Point[],
): { table: ModbusTable; from: number; quantity: number }[] {
  const spans: { table: ModbusTable; from: number; quantity: number }[] = [];
  for (const p of points) {
    if (!p.readable) continue;
    const last = spans[spans.length - 1];
    if (
      last !== undefined &&
      last.table === p.table &&
      last.from + last.quantity === p.address &&
      last.quantity < MAX_READ[p.table]
    )
      last.quantity++;
    else spans.push({ table: p.table, from: p.address, quantity: 1 });
  }
  return spans;
}

export const pointKey = (table: ModbusTable, address: number): string => `${table}:${address}`;

export interface PointAction {
  readonly user: UserId;
  readonly site: string;
  readonly asset: string;
  readonly source?: string;
  /** The unit to address (one of the profile's unit ids). */
  readonly unit: (points: ModbusPoints) => number;
  readonly write?: {
    readonly table: 'coils' | 'holdingRegisters';
    readonly address: number;
    readonly value: number;
  };
}

export interface PointActionResult {
  readonly profile: string;
  readonly points: ModbusPoints;
  readonly unit: number;
  readonly tables: readonly PointTable[];
  readonly values: ReadonlyMap<string, PointValue>;
  readonly write?: WriteOutcome;
}

/**
 * One page action in one session: optionally a write, then a read of every listed readable point.
 * `pointsOf` finds the published points of the session's profile (after the access check, which
 * decides the profile).
 */
export async function runPointAction(
  sessions: Pick<OperatorSessions, 'open'>,
  pointsOf: (profile: string) => ModbusPoints | undefined,
  a: PointAction,
): Promise<PointActionResult> {
  const live = await sessions.open({
    user: a.user,
    site: a.site,
    asset: a.asset,
    protocol: 'modbus',
    channel: 'tcp-forward',
    via: 'web',
    ...omitUndefined({ source: a.source }),
  });
  try {
    const points = pointsOf(live.info.profile);
    if (points === undefined)
      throw new AirlockError(
        'unavailable',
        'modbus.no_points',
        `the site has not published the points of profile ${live.info.profile}`,
      );
    const unit = a.unit(points);
    const client = new MbapClient(live.stream.stream, ANSWER_TIMEOUT_MS);
    let write: WriteOutcome | undefined;
    if (a.write !== undefined) {
      const w = a.write;
      const r = await client.writeSingle(unit, w.table, w.address, w.value);
      write = r.ok ? { ...w } : { ...w, exception: r.exception };
    }
    const tables = pointTables(points);
    const values = new Map<string, PointValue>();
    for (const span of readSpans(tables.flatMap((t) => t.points))) {
      const r = await client.read(unit, span.table, span.from, span.quantity);
      for (let i = 0; i < span.quantity; i++) {
        values.set(
          pointKey(span.table, span.from + i),
          r.ok ? { ok: true, value: r.value[i] ?? 0 } : { ok: false, exception: r.exception },
        );
      }
    }
    return {
      profile: live.info.profile,
      points,
      unit,
      tables,
      values,
      ...omitUndefined({ write }),
    };
  } finally {
    live.end('the portal points page finished its request');
  }
}
