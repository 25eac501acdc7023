/**
 * The OT gateway's configuration: schema and defaults in one place. Relative paths resolve against
 * the config file's directory. The local policy (assets, profiles, limits) is a separate file owned
 * by the OT owner; its path is here.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { loadConfig, type ConfigSource } from '../../../shared/src/config/load-config.js';
import { auditConfigSchema, logLevelSchema } from '../../../shared/src/config/common-schemas.js';
import { nameSchema } from '../../../shared/src/model/session-ticket.js';
import type { Problem, Result } from '../../../shared/src/result.js';
import { ifDefined, omitUndefined } from '../../../shared/src/omit-undefined.js';
import { firewallConfigSchema } from '../firewall/firewall.js';

export const OT_ENV_PREFIX = 'AIRLOCK_OT_';

export const otConfigSchema = z.strictObject({
  site: nameSchema.describe(
    'The site this gateway serves; must match the site it is enrolled for.',
  ),
  dataDir: z.string().min(1).describe('Database, identity key, enrollment, recordings.'),
  policyFile: z
    .string()
    .min(1)
    .describe("The OT owner's local policy file (assets, access profiles, hard limits)."),
  log: z
    .strictObject({
      level: logLevelSchema
        .default('info')
        .describe('Least severe log line written (JSON lines on stderr).'),
    })
    .prefault({})
    .describe('Logging.'),
  audit: auditConfigSchema,
  link: z
    .strictObject({
      reconnectMinSeconds: z
        .number()
        .min(0.05)
        .max(600)
        .default(1)
        .describe(
          'First reconnect delay; it doubles per failed attempt (with jitter) up to reconnectMaxSeconds.',
        ),
      reconnectMaxSeconds: z
        .number()
        .min(0.1)
        .max(3600)
        .default(30)
        .describe('Longest reconnect delay.'),
      connectTimeoutSeconds: z
        .number()
        .min(1)
        .max(120)
        .default(10)
        .describe('TLS + WebSocket + handshake must complete within this.'),
      enrollmentPollSeconds: z
        .number()
        .min(0.1)
        .max(600)
        .default(5)
        .describe('While not enrolled, how often the gateway checks whether `enroll` has run.'),
    })
    .prefault({})
    .refine((l) => l.reconnectMaxSeconds >= l.reconnectMinSeconds, {
      message: 'reconnectMaxSeconds must be at least reconnectMinSeconds',
    })
    .describe(
      'The link to the IT gateway (where to is recorded by `airlock-ot enroll`, not configured here).',
    ),
  vault: z
    .strictObject({
      masterKeyFile: z
        .string()
        .min(1)
        .optional()
        .describe(
          'The vault master key (32 bytes, 0600), outside the database; created on first start. Default: <dataDir>/keys/vault-master.key.',
        ),
    })
    .prefault({})
    .describe('The OT vault: target credentials sealed under its master key (docs/vault.md).'),
  metrics: z
    .strictObject({
      host: z
        .string()
        .min(1)
        .default('127.0.0.1')
        .describe(
          'Address the metrics listener binds (plain HTTP; keep it on loopback or the management network).',
        ),
      port: z
        .number()
        .int()
        .min(0)
        .max(65_535)
        .default(9464)
        .describe('The metrics listener port (0: a free port, for tests).'),
      tokenFile: z
        .string()
        .min(1)
        .describe(
          'File (0600) holding the bearer token scrapers send (one word, at least 32 characters).',
        ),
    })
    .optional()
    .describe(
      'Prometheus /metrics on a listener of its own (docs/metrics.md); absent: no listener.',
    ),
  firewall: firewallConfigSchema
    .optional()
    .describe(
      'The host firewall derived from the local policy (firewall/); absent: none is rendered or loaded.',
    ),
});

export type OtConfig = z.output<typeof otConfigSchema>;

export function loadOtConfig(source: Omit<ConfigSource, 'envPrefix'>): Result<OtConfig, Problem[]> {
  const r = loadConfig(otConfigSchema, { ...source, envPrefix: OT_ENV_PREFIX });
  if (!r.ok) return r;
  const base = source.file === undefined ? process.cwd() : dirname(resolve(source.file));
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const vault =
    r.value.vault.masterKeyFile === undefined
      ? {}
      : { masterKeyFile: abs(r.value.vault.masterKeyFile) };
  return {
    ok: true,
    value: {
      ...r.value,
      dataDir: abs(r.value.dataDir),
      policyFile: abs(r.value.policyFile),
      vault,
      ...omitUndefined({
        firewall: ifDefined(r.value.firewall, (f) => ({ ...f, rulesetFile: abs(f.rulesetFile) })),
        metrics: ifDefined(r.value.metrics, (m) => ({ ...m, tokenFile: abs(m.tokenFile) })),
      }),
    },
  };
}
