/**
 * The plc-1 Modbus asset used by the tests, the benchmark and docs/modbus.md (a unit test checks
 * that the documented example is this one and parses): a read-only profile and a maintenance
 * profile that may write a few setpoints within bounds, after reading their old values.
 */
export const PLC1_PROFILES = {
  'read-only': {
    description: 'read process values and setpoints',
    unitIds: [1],
    functions: ['read', 'identification'],
    tables: {
      coils: { read: [{ from: 0, to: 15 }] },
      discreteInputs: { read: [{ from: 0, to: 11 }] },
      inputRegisters: { read: [{ from: 0, to: 9 }] },
      holdingRegisters: { read: [{ from: 0, to: 19 }] },
    },
  },
  maintenance: {
    description: 'read, and write setpoints within bounds',
    unitIds: [1],
    functions: ['read', 'write', 'identification'],
    tables: {
      coils: {
        read: [{ from: 0, to: 15 }],
        write: [
          { from: 8, to: 8, value: false },
          { from: 11, to: 11 },
        ],
      },
      discreteInputs: { read: [{ from: 0, to: 11 }] },
      inputRegisters: { read: [{ from: 0, to: 9 }] },
      holdingRegisters: {
        read: [{ from: 0, to: 19 }],
        write: [
          { from: 0, to: 0, min: 0, max: 1800 },
          { from: 1, to: 1, min: -200, max: 1200, signed: true },
          { from: 6, to: 7, min: 0, max: 1200 },
          { from: 10, to: 10, min: 0, max: 300 },
        ],
      },
    },
    rateLimit: { requestsPerSecond: 200, burst: 400 },
    readBeforeWrite: true,
  },
} as const;

/** The plc-1 asset as a policy file holds it, pointed at a PLC on 127.0.0.1:`port`. */
export function plc1Asset(
  port: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    protocol: 'modbus',
    description: 'Line 1 PLC',
    address: '127.0.0.1',
    port,
    responseTimeoutMs: 1000,
    maxInFlight: 1,
    profiles: PLC1_PROFILES,
    ...overrides,
  };
}
