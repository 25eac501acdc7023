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
  /** The site this gateway serves; must match the site it is enrolled for. */
  site: nameSchema,
  /** Database, identity key, enrollment, recordings. */
  dataDir: z.string().min(1),
  /** The OT owner's local policy file (assets, access profiles, hard limits). */
  policyFile: z.string().min(1),
  log: z.strictObject({ level: logLevelSchema.default('info') }).prefault({}),
  audit: auditConfigSchema,
  /** The link to the IT gateway (where to is recorded by `airlock-ot enroll`, not configured here). */
  link: z
    .strictObject({
      /** First reconnect delay; it doubles per failed attempt (with jitter) up to reconnectMaxSeconds. */
      reconnectMinSeconds: z.number().min(0.05).max(600).default(1),
      reconnectMaxSeconds: z.number().min(0.1).max(3600).default(30),
      /** TLS + WebSocket + handshake must complete within this. */
      connectTimeoutSeconds: z.number().min(1).max(120).default(10),
      /** While not enrolled, how often the gateway checks whether `enroll` has run. */
      enrollmentPollSeconds: z.number().min(0.1).max(600).default(5),
    })
    .prefault({})
    .refine((l) => l.reconnectMaxSeconds >= l.reconnectMinSeconds, {
      message: 'reconnectMaxSeconds must be at least reconnectMinSeconds',
    }),
  vault: z
    .strictObject({
      /** The vault master key (32 bytes, 0600), outside the database; created on first start. Default: <dataDir>/keys/vault-master.key. */
      masterKeyFile: z.string().min(1).optional(),
    })
    .prefault({}),
  /**
   * Prometheus /metrics on a listener of its own (docs/metrics.md), plain HTTP, bearer token from
   * a file; absent: no listener.
   */
  metrics: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(9464),
      /** File (0600) holding the bearer token scrapers send (one word, at least 32 characters). */
      tokenFile: z.string().min(1),
    })
    .optional(),
  /** The host firewall derived from the local policy (firewall/); absent: none is rendered or loaded. */
  firewall: firewallConfigSchema.optional(),
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
