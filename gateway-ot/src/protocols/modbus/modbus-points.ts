/**
 * What a Modbus profile may touch, as the asset catalogue publishes it for the operator (the
 * portal's points page): unit ids, functions, and per table the ranges readable and writable with
 * their bounds. Nothing that reaches the PLC (no address, no rate limit, no timeouts).
 */
import type { ModbusPoints } from '../../../../shared/src/model/modbus-points.js';
import { omitUndefined } from '../../../../shared/src/omit-undefined.js';
import type { ModbusProfile } from './modbus-policy.js';

export function modbusPoints(p: ModbusProfile): ModbusPoints {
  const span = (r: { from: number; to: number }): { from: number; to: number } => ({
    from: r.from,
    to: r.to,
  });
  const t = p.tables;
  return {
    unitIds: [...p.unitIds],
    functions: [...p.functions],
    tables: {
      ...(t.coils === undefined
        ? {}
        : {
            coils: {
              read: t.coils.read.map(span),
              write: t.coils.write.map((w) => ({
                ...span(w),
                ...omitUndefined({ value: w.value }),
              })),
            },
          }),
      ...(t.discreteInputs === undefined
        ? {}
        : { discreteInputs: { read: t.discreteInputs.read.map(span) } }),
      ...(t.inputRegisters === undefined
        ? {}
        : { inputRegisters: { read: t.inputRegisters.read.map(span) } }),
      ...(t.holdingRegisters === undefined
        ? {}
        : {
            holdingRegisters: {
              read: t.holdingRegisters.read.map(span),
              write: t.holdingRegisters.write.map((w) => ({
                ...span(w),
                min: w.min,
                max: w.max,
                signed: w.signed,
              })),
            },
          }),
    },
  };
}
