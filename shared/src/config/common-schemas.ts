/** Schema pieces both gateways' configs use, so the same key means the same thing on both sides. */
import { z } from 'zod';

export const portSchema = z
  .number()
  .int()
  .min(1, 'expected a TCP port 1..65535')
  .max(65535, 'expected a TCP port 1..65535');
/** Listening ports may be 0 (ephemeral) in tests. */
export const listenPortSchema = z
  .number()
  .int()
  .min(0, 'expected a TCP port 0..65535')
  .max(65535, 'expected a TCP port 0..65535');
export const hostSchema = z.string().min(1).max(253);
export const logLevelSchema = z.enum(['debug', 'info', 'warn', 'error']);

export const auditConfigSchema = z
  .strictObject({
    checkpointEvery: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(256)
      .describe('A signed checkpoint of the audit hash chain is written after this many events...'),
    checkpointIntervalSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(60)
      .describe('...or after this long with new events (0: only by count).'),
  })
  .prefault({})
  .describe('The hash-chained audit log (docs/audit.md).');
