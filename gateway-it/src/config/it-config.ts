/**
 * The IT gateway's configuration: schema and defaults in one place. Relative paths are resolved
 * against the config file's directory. Secrets are never inline: only paths to key files.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { loadConfig, type ConfigSource } from '../../../shared/src/config/load-config.js';
import { auditConfigSchema, hostSchema, listenPortSchema, logLevelSchema } from '../../../shared/src/config/common-schemas.js';
import type { Problem, Result } from '../../../shared/src/result.js';

export const IT_ENV_PREFIX = 'AIRLOCK_IT_';

export const itConfigSchema = z.strictObject({
  /** Where the database, keys and generated certificate live. */
  dataDir: z.string().min(1),
  http: z
    .strictObject({
      host: hostSchema.default('127.0.0.1'),
      port: listenPortSchema.default(8443),
      /** How people and OT gateways reach this gateway, e.g. https://airlock.example.com:8443 */
      publicUrl: z.url().optional(),
    })
    .prefault({}),
  tls: z
    .strictObject({
      /** A certificate and key to use instead of the self-signed one created at first start. */
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
      /** Names in the self-signed certificate. */
      hostnames: z.array(z.string().min(1)).min(1).default(['localhost', '127.0.0.1']),
    })
    .prefault({})
    .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), { message: 'certFile and keyFile must be given together' }),
  log: z.strictObject({ level: logLevelSchema.default('info') }).prefault({}),
  audit: auditConfigSchema,
});

export type ItConfig = z.output<typeof itConfigSchema>;

function resolvePaths(config: ItConfig, base: string): ItConfig {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  return {
    ...config,
    dataDir: abs(config.dataDir),
    tls: {
      ...config.tls,
      ...(config.tls.certFile === undefined ? {} : { certFile: abs(config.tls.certFile) }),
      ...(config.tls.keyFile === undefined ? {} : { keyFile: abs(config.tls.keyFile) }),
    },
  };
}

export function loadItConfig(source: Omit<ConfigSource, 'envPrefix'>): Result<ItConfig, Problem[]> {
  const r = loadConfig(itConfigSchema, { ...source, envPrefix: IT_ENV_PREFIX });
  if (!r.ok) return r;
  return { ok: true, value: resolvePaths(r.value, source.file === undefined ? process.cwd() : dirname(resolve(source.file))) };
}
