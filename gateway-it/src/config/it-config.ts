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
  /** The IT<->OT link (see docs/link.md for what the timings mean). */
  link: z
    .strictObject({
      /** How often the IT side pings each connected OT gateway. */
      heartbeatSeconds: z.number().min(0.1).max(600).default(5),
      /** A site with no frame for this long is disconnected and shown offline. */
      offlineAfterSeconds: z.number().min(0.3).max(3600).default(15),
      /** How long opening a session may take (OT verification plus its data connection). */
      openTimeoutSeconds: z.number().min(1).max(300).default(15),
      /** How long lockdown and end-session commands wait for the OT gateway's answer. */
      commandTimeoutSeconds: z.number().min(1).max(300).default(10),
      /** How long an OT gateway has to answer the challenge on a new connection. */
      handshakeTimeoutSeconds: z.number().min(1).max(120).default(10),
    })
    .prefault({})
    .refine((l) => l.offlineAfterSeconds >= 2 * l.heartbeatSeconds, { message: 'offlineAfterSeconds must be at least twice heartbeatSeconds' }),
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
