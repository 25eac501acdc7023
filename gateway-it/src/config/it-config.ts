/**
 * The IT gateway's configuration: schema and defaults in one place. Relative paths are resolved
 * against the config file's directory. Secrets are never inline: only paths to key files.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { loadConfig, type ConfigSource } from '../../../shared/src/config/load-config.js';
import { auditConfigSchema, hostSchema, listenPortSchema, logLevelSchema, portSchema } from '../../../shared/src/config/common-schemas.js';
import { normalizeFingerprint } from '../../../shared/src/crypto/hash.js';
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
  /** Live forwarding of audit events to a syslog collector (RFC 5424 over TLS); off when absent. */
  siem: z
    .strictObject({
      host: hostSchema,
      port: portSchema,
      /** PEM file: the CA (or the collector's self-signed certificate) its certificate must chain to. */
      caFile: z.string().min(1),
      /** Name the collector's certificate must be valid for (default: host). */
      serverName: z.string().min(1).max(253).optional(),
      /** Optional pin: SHA-256 fingerprint of the collector's certificate (hex, colons allowed). */
      certFingerprint: z.string().refine((v) => normalizeFingerprint(v) !== undefined, { message: 'expected a SHA-256 fingerprint (64 hex digits, colons allowed)' }).optional(),
      /** Client certificate and key, when the collector requires mutual TLS. */
      clientCertFile: z.string().min(1).optional(),
      clientKeyFile: z.string().min(1).optional(),
      payload: z.enum(['cef', 'json']).default('cef'),
      /** Syslog facility; 13 is "log audit". */
      facility: z.number().int().min(0).max(23).default(13),
      /** HOSTNAME field of the messages (default: this machine's host name). */
      hostname: z.string().min(1).max(255).optional(),
      /** Private enterprise number of the structured-data id (32473 is the documentation example, RFC 5612). */
      enterpriseId: z.number().int().positive().default(32473),
      forward: z.strictObject({ it: z.boolean().default(true), ot: z.boolean().default(true) }).prefault({}),
      /** Where a stream without a saved cursor starts: the whole history, or events from now on. */
      startAt: z.enum(['beginning', 'now']).default('beginning'),
      /** Events per delivery session (each session ends with a confirmed close, see docs/audit.md). */
      batchEvents: z.number().int().min(1).max(100_000).default(1000),
      retryMinSeconds: z.number().min(0.05).max(3600).default(1),
      retryMaxSeconds: z.number().min(0.05).max(3600).default(60),
      /** How often ingested OT events are looked for (IT events are forwarded as they are appended). */
      pollSeconds: z.number().min(0.05).max(3600).default(5),
      timeoutSeconds: z.number().min(1).max(600).default(15),
    })
    .refine((s) => (s.clientCertFile === undefined) === (s.clientKeyFile === undefined), { message: 'clientCertFile and clientKeyFile must be given together' })
    .refine((s) => s.retryMinSeconds <= s.retryMaxSeconds, { message: 'retryMinSeconds must not exceed retryMaxSeconds' })
    .optional(),
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
    ...(config.siem === undefined
      ? {}
      : {
          siem: {
            ...config.siem,
            caFile: abs(config.siem.caFile),
            ...(config.siem.clientCertFile === undefined ? {} : { clientCertFile: abs(config.siem.clientCertFile) }),
            ...(config.siem.clientKeyFile === undefined ? {} : { clientKeyFile: abs(config.siem.clientKeyFile) }),
          },
        }),
  };
}

export function loadItConfig(source: Omit<ConfigSource, 'envPrefix'>): Result<ItConfig, Problem[]> {
  const r = loadConfig(itConfigSchema, { ...source, envPrefix: IT_ENV_PREFIX });
  if (!r.ok) return r;
  return { ok: true, value: resolvePaths(r.value, source.file === undefined ? process.cwd() : dirname(resolve(source.file))) };
}
