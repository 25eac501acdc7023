/**
 * Modbus TCP assets and access profiles in the OT local policy: which unit ids a profile may
 * address. Deny is the default: a profile allows only what it names.
 */
import { z } from 'zod';

export const modbusProfileSchema = z.strictObject({
  description: z.string().max(200).optional(),
  /** Unit ids this profile may address (broadcast 0 is never forwarded for writes). */
  unitIds: z.array(z.number().int().min(0).max(255)).min(1),
});

export const modbusAssetSchema = z.strictObject({
  protocol: z.literal('modbus'),
  description: z.string().max(200).optional(),
  address: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535).default(502),
  profiles: z.record(z.string(), modbusProfileSchema),
});

export type ModbusAssetPolicy = z.output<typeof modbusAssetSchema>;
export type ModbusProfile = z.output<typeof modbusProfileSchema>;
