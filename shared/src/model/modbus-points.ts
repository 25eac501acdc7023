/**
 * What a Modbus access profile lets an operator touch, as the OT gateway publishes it in its asset
 * catalogue (one `modbus` entry per profile): unit ids, allowed function codes or classes, and per
 * table the readable and writable address ranges with their write bounds. It is not secret (the
 * operator must know what they may touch) and it is information only: the OT broker enforces its
 * own policy whatever the IT side shows. Addresses are zero-based protocol addresses.
 */
import { z } from 'zod';

const address = z.number().int().min(0).max(65535);
const range = z.strictObject({ from: address, to: address });
const ranges = z.array(range).max(256);

export const modbusPointsSchema = z.strictObject({
  unitIds: z.array(z.number().int().min(0).max(255)).min(1).max(256),
  functions: z
    .array(z.union([z.string().min(1).max(32), z.number().int().min(1).max(127)]))
    .max(128),
  tables: z.strictObject({
    coils: z
      .strictObject({
        read: ranges,
        write: z
          .array(z.strictObject({ from: address, to: address, value: z.boolean().optional() }))
          .max(256),
      })
      .optional(),
    discreteInputs: z.strictObject({ read: ranges }).optional(),
    inputRegisters: z.strictObject({ read: ranges }).optional(),
    holdingRegisters: z
      .strictObject({
        read: ranges,
        write: z
          .array(
            z.strictObject({
              from: address,
              to: address,
              min: z.number().int(),
              max: z.number().int(),
              signed: z.boolean(),
            }),
          )
          .max(256),
      })
      .optional(),
  }),
});

export type ModbusPoints = z.output<typeof modbusPointsSchema>;
