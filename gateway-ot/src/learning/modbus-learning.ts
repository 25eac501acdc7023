/**
 * Modbus in the learning service (protocol-learning.ts). Proposals come from
 * protocols/modbus (proposeModbusProfile); the replay check is here: would the recorded traffic of
 * the last days pass a proposed profile? The traffic is what the gateway already keeps: every
 * forwarded Modbus write is a `modbus.write` event in the site's audit chain (unit, function,
 * table, address, values), whatever the profile or grant; reads are only counted there, so the
 * reads of learning sessions (learned_operations) are replayed beside them. Each is decided by the
 * broker's own rules.
 *
 * Not guaranteed: reads of sessions that did not learn are not replayed (the audit keeps only their
 * number), and neither are file-record writes or requests without addresses (not in the events).
 */
import { z } from 'zod';
import {
  isModbusAsset,
  proposeModbusProfile,
  replayModbusOperation,
  type ModbusOperation,
  type ModbusProfile,
} from '../protocols/modbus/modbus.js';
import type { LearnedOperationRow } from '../store/store.js';
import {
  bindProfile,
  rowJson,
  type LearningProtocol,
  type ReplayInput,
  type ReplayRefusal,
  type ReplayResult,
} from './protocol-learning.js';

/** Ranges of one table closer than this many addresses are proposed as one range. */
const MERGE_GAP = 8;

const TABLE = z.enum(['coils', 'discreteInputs', 'inputRegisters', 'holdingRegisters']);
const CLASS = z.enum(['read', 'write', 'diagnostic', 'identification', 'file', 'programming']);

export const modbusOperationSchema = z.object({
  unit: z.number().int().min(0).max(255),
  fc: z.number().int().min(1).max(127),
  classes: z.array(CLASS),
  table: TABLE.optional(),
  address: z.number().int().min(0).max(65535).optional(),
  quantity: z.number().int().min(1).max(2000).optional(),
  values: z.array(z.union([z.number().int(), z.boolean()])).optional(),
});

const writeEventSchema = z.object({
  unit: z.number().int().min(0).max(255),
  function: z.number().int(),
  table: TABLE,
  address: z.number().int().min(0).max(65535),
  quantity: z.number().int().min(1),
  values: z.array(z.union([z.number().int(), z.boolean()])),
  sessionId: z.string().default(''),
});

/** A learned operation row, parsed; undefined for a row that is not one. */
export function parseLearned(row: LearnedOperationRow): ModbusOperation | undefined {
  const r = modbusOperationSchema.safeParse(rowJson(row));
  if (!r.success) return undefined;
  const { table, address, quantity, values, ...rest } = r.data;
  return {
    ...rest,
    ...(table === undefined ? {} : { table }),
    ...(address === undefined ? {} : { address }),
    ...(quantity === undefined ? {} : { quantity }),
    ...(values === undefined ? {} : { values }),
  };
}

/** One line for the owner's review. */
export function describeModbusOperation(o: ModbusOperation): string {
  return `unit ${o.unit} fc ${o.fc} ${o.table ?? ''} ${o.address ?? ''}${o.quantity === undefined ? '' : ` x${o.quantity}`}${o.values === undefined ? '' : ` = ${o.values.join(',')}`}`;
}

export function replay(
  input: ReplayInput & { readonly profile: ModbusProfile },
): ReplayResult<ModbusOperation> {
  const refused: ReplayRefusal<ModbusOperation>[] = [];
  let replayed = 0;
  const check = (r: Omit<ReplayRefusal<ModbusOperation>, 'rule' | 'reason' | 'summary'>): void => {
    replayed++;
    const d = replayModbusOperation(input.profile, r.operation);
    if (!d.allow)
      refused.push({
        ...r,
        summary: describeModbusOperation(r.operation),
        rule: d.rule,
        reason: d.reason,
      });
  };
  for (const e of input.audit.iterate({ fromTime: input.since })) {
    if (e.action !== 'modbus.write' || e.outcome !== 'success' || e.target !== input.asset)
      continue;
    const w = writeEventSchema.safeParse(e.details);
    if (!w.success) continue;
    const { unit, table, address, quantity, values } = w.data;
    const classes: ModbusOperation['classes'] =
      w.data.function === 23 ? ['read', 'write'] : ['write'];
    check({
      at: e.time,
      source: 'audit',
      seq: e.seq,
      sessionId: w.data.sessionId,
      operation: { unit, fc: w.data.function, classes, table, address, quantity, values },
    });
  }
  for (const row of input.learned) {
    const op = parseLearned(row);
    if (op === undefined || op.values !== undefined || op.classes.includes('write')) continue;
    check({ at: row.at, source: 'learned', sessionId: row.sessionId, operation: op });
  }
  return { since: input.since, replayed, refused };
}

export const modbusLearning: LearningProtocol = {
  protocol: 'modbus',
  bind: bindProfile(isModbusAsset, {
    parse: parseLearned,
    propose: (current: ModbusProfile, ops, marginPercent) =>
      proposeModbusProfile(current, ops, { marginPercent, mergeGap: MERGE_GAP }),
    replay,
    proposal: (proposed, operations, replayed) => ({
      protocol: 'modbus',
      operations,
      proposed,
      replay: replayed,
    }),
  }),
};
