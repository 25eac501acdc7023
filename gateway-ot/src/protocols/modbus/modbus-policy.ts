/**
 * Modbus TCP assets and access profiles in the OT local policy (the OT owner's file). Deny is the
 * default everywhere: a profile allows only the unit ids, function codes or classes, and address
 * ranges it names, and every writable register range states its value bounds. Addresses are the
 * zero-based protocol addresses on the wire (mbpoll `-r 1` and Modicon `40001` are address 0).
 *
 * Guarantees (checked at load, so a bad file stops the gateway with the key named): unknown keys
 * are errors; ranges stay inside 0..65535 with from <= to; bounds fit the register's type with
 * min <= max; write ranges of a table do not overlap (a register has exactly one bound). What the
 * rules mean is in modbus-rules.ts and docs/modbus.md.
 */
import { z } from 'zod';
import type { AssetPolicy } from '../../policy/policy.js';
import { FUNCTION_CLASSES } from './modbus-request.js';

const address = z.number().int().min(0).max(65535);

const ORDERED = { message: 'from must not be greater than to', path: ['to'] };
const isOrdered = (r: { from: number; to: number }): boolean => r.from <= r.to;

export const addressRangeSchema = z
  .strictObject({ from: address, to: address })
  .refine(isOrdered, ORDERED);

export const coilWriteRangeSchema = z
  .strictObject({
    from: address,
    to: address,
    /** When set, only this state may be written (e.g. false: may switch off, never on). */
    value: z.boolean().optional(),
  })
  .refine(isOrdered, ORDERED);

export const registerWriteRangeSchema = z
  .strictObject({
    from: address,
    to: address,
    /** Smallest value that may be written (as int16 when `signed`, else uint16). */
    min: z.number().int(),
    /** Largest value that may be written. */
    max: z.number().int(),
    signed: z.boolean().default(false),
  })
  .refine(isOrdered, ORDERED)
  .superRefine((r, ctx) => {
    const [lo, hi] = r.signed ? [-32768, 32767] : [0, 65535];
    if (r.min < lo || r.min > hi)
      ctx.addIssue({
        code: 'custom',
        path: ['min'],
        message: `must be within ${lo}..${hi}${r.signed ? ' (signed)' : ''}`,
      });
    if (r.max < lo || r.max > hi)
      ctx.addIssue({
        code: 'custom',
        path: ['max'],
        message: `must be within ${lo}..${hi}${r.signed ? ' (signed)' : ''}`,
      });
    if (r.min > r.max)
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'min must not be greater than max' });
  });

const MAX_RANGES = 256;

function noOverlap<T extends { from: number; to: number }>(
  ranges: readonly T[],
  ctx: z.core.$RefinementCtx<T[]>,
): void {
  const sorted = ranges.map((r, i) => ({ ...r, i })).sort((a, b) => a.from - b.from);
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1];
    const cur = sorted[k];
    if (prev !== undefined && cur !== undefined && cur.from <= prev.to) {
      ctx.addIssue({
        code: 'custom',
        path: [cur.i],
        message: `overlaps write range ${prev.from}..${prev.to}: each register needs exactly one bound`,
      });
    }
  }
}

const readRanges = z.array(addressRangeSchema).max(MAX_RANGES).default([]);

/** What a profile allows: the same keys in a profile and in its learn ceiling. */
const scope = {
  /** Unit ids this profile may address (broadcast 0 is never forwarded for anything that changes state). */
  unitIds: z.array(z.number().int().min(0).max(255)).min(1),
  /** Allowed function codes, by class or by number (1..127); everything else is refused with 01. */
  functions: z
    .array(z.union([z.enum(FUNCTION_CLASSES), z.number().int().min(1).max(127)]))
    .max(128)
    .default([]),
  tables: z
    .strictObject({
      coils: z
        .strictObject({
          read: readRanges,
          write: z.array(coilWriteRangeSchema).max(MAX_RANGES).superRefine(noOverlap).default([]),
        })
        .optional(),
      discreteInputs: z.strictObject({ read: readRanges }).optional(),
      inputRegisters: z.strictObject({ read: readRanges }).optional(),
      holdingRegisters: z
        .strictObject({
          read: readRanges,
          write: z
            .array(registerWriteRangeSchema)
            .max(MAX_RANGES)
            .superRefine(noOverlap)
            .default([]),
        })
        .optional(),
    })
    .prefault({}),
};

export const modbusProfileSchema = z.strictObject({
  description: z.string().max(200).optional(),
  ...scope,
  /** Token bucket over every request of a session (refused requests count too); over it, exception 06. */
  rateLimit: z
    .strictObject({
      requestsPerSecond: z.number().int().min(1).max(100_000).default(100),
      burst: z.number().int().min(1).max(100_000).default(200),
    })
    .prefault({}),
  /** Read the current values before each write and audit them beside the new ones. */
  readBeforeWrite: z.boolean().default(true),
  /** A frame must be complete this long after its first byte, or the connection closes. */
  frameTimeoutSeconds: z.number().min(0.1).max(60).default(5),
  /** A connection that completes no request this long closes (its session slot and PLC connection freed). */
  idleTimeoutSeconds: z.number().min(1).max(86_400).default(120),
  /**
   * The hard ceiling of learn mode (docs/policy.md): while the profile learns, requests are decided
   * by these unit ids, functions and tables instead of the profile's, and recorded. Absent: the
   * profile cannot be put in learn mode.
   */
  learnCeiling: z.strictObject(scope).optional(),
});

export const modbusAssetSchema = z.strictObject({
  protocol: z.literal('modbus'),
  description: z.string().max(200).optional(),
  address: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535).default(502),
  /** How long the PLC has to answer one request (and to accept the connection) before the client gets 0B. */
  responseTimeoutMs: z.number().int().min(50).max(60_000).default(2000),
  /**
   * Requests the gateway keeps outstanding at the PLC at once. 1 (the default) suits every PLC:
   * many process one transaction at a time and mis-answer pipelined ones. Raise it only for a
   * device known to pipeline; writes are always sent alone either way.
   */
  maxInFlight: z.number().int().min(1).max(16).default(1),
  profiles: z.record(z.string(), modbusProfileSchema),
});

export type ModbusAssetPolicy = z.output<typeof modbusAssetSchema>;
export type ModbusProfile = z.output<typeof modbusProfileSchema>;
export type RegisterWriteRange = z.output<typeof registerWriteRangeSchema>;
export type CoilWriteRange = z.output<typeof coilWriteRangeSchema>;
export type AddressRange = z.output<typeof addressRangeSchema>;

/** The policy loader parsed every `modbus` asset with modbusAssetSchema (it was registered for `modbus`). */
export function isModbusAsset(asset: AssetPolicy): asset is ModbusAssetPolicy {
  return asset.protocol === 'modbus';
}
