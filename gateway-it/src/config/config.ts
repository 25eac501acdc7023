/**
 * The IT gateway's configuration: schema and defaults in one place, and `loadItConfig`, the one way
 * to get an `ItConfig` (the file and environment overrides; main.ts passes process.env, nothing
 * else reads it). Strict: an unknown key is an error, and every problem is returned at once as a
 * `Result`, never thrown. Relative paths are resolved against the config file's directory.
 * Secrets are never inline: only paths to key files. Not checked here: that those files exist or
 * hold good keys (their owners read them at start and fail naming the file).
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { loadConfig, type ConfigSource } from '../../../shared/src/config/load-config.js';
import {
  auditConfigSchema,
  hostSchema,
  listenPortSchema,
  logLevelSchema,
  portSchema,
} from '../../../shared/src/config/common-schemas.js';
import { normalizeFingerprint } from '../../../shared/src/crypto/hash.js';
import type { Problem, Result } from '../../../shared/src/result.js';
import { omitUndefined, ifDefined } from '../../../shared/src/omit-undefined.js';
import { ssoConfigSchema } from './sso-config.js';

export type { SsoConfig, SsoProviderConfig } from './sso-config.js';

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
    .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
      message: 'certFile and keyFile must be given together',
    }),
  log: z.strictObject({ level: logLevelSchema.default('info') }).prefault({}),
  /** Prometheus /metrics on the HTTPS listener (docs/metrics.md); without a token file it answers 404. */
  metrics: z
    .strictObject({
      /** File (0600) holding the bearer token scrapers send (one word, at least 32 characters). */
      tokenFile: z.string().min(1).optional(),
    })
    .prefault({}),
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
      certFingerprint: z
        .string()
        .refine((v) => normalizeFingerprint(v) !== undefined, {
          message: 'expected a SHA-256 fingerprint (64 hex digits, colons allowed)',
        })
        .optional(),
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
      forward: z
        .strictObject({ it: z.boolean().default(true), ot: z.boolean().default(true) })
        .prefault({}),
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
    .refine((s) => (s.clientCertFile === undefined) === (s.clientKeyFile === undefined), {
      message: 'clientCertFile and clientKeyFile must be given together',
    })
    .refine((s) => s.retryMinSeconds <= s.retryMaxSeconds, {
      message: 'retryMinSeconds must not exceed retryMaxSeconds',
    })
    .optional(),
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
    .refine((l) => l.offlineAfterSeconds >= 2 * l.heartbeatSeconds, {
      message: 'offlineAfterSeconds must be at least twice heartbeatSeconds',
    }),
  /** Login, MFA, web sessions and API tokens. */
  auth: z
    .strictObject({
      /** A portal session ends after this long without a request... */
      sessionIdleMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(15),
      /** ...and after this long in any case. */
      sessionAbsoluteHours: z.number().int().min(1).max(24).default(8),
      /** Lifetime of an API bearer token. */
      tokenTtlMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(60),
      /**
       * Failed logins (password or second factor) of one account from all sources that lock it
       * against sources it has not logged in from (see knownSourceDays)...
       */
      lockoutThreshold: z.number().int().min(1).max(100).default(5),
      /** ...counted within this window... */
      lockoutWindowMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(15),
      /** ...for this long (an admin can unlock earlier). */
      lockoutMinutes: z
        .number()
        .int()
        .min(1)
        .max(7 * 24 * 60)
        .default(15),
      /** Failures of one account from one source (in the lockout window) before backoff starts... */
      backoffAfterFailures: z.number().int().min(1).max(100).default(3),
      /** ...then each failure blocks that account from that source for this long, doubling... */
      backoffBaseSeconds: z.number().int().min(1).max(3600).default(2),
      /** ...up to this long. */
      backoffMaxMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(15),
      /** A source an account completed a login from within this many days is not held back by its lock. */
      knownSourceDays: z.number().int().min(0).max(365).default(30),
      /** Failed logins from one source address within the window before it is refused (429). */
      sourceFailureLimit: z.number().int().min(1).max(10_000).default(20),
      sourceWindowMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(10),
      /**
       * Threads that hash and verify passwords (argon2id, about 120 ms and 64 MiB each), off the
       * event loop. Default: one less than the cores, at least 1, at most 4.
       */
      passwordWorkers: z.number().int().min(1).max(16).optional(),
      /** Password checks that may wait for a thread; one more is refused at once (503 / SSH failure). */
      passwordQueue: z.number().int().min(0).max(1000).default(32),
      /** Password checks one source address may have in flight at once; one more is refused (429). */
      passwordChecksPerSource: z.number().int().min(1).max(100).default(2),
      /** TOTP codes accepted this many 30 s steps before or after the current one (clock drift). */
      totpDriftSteps: z.number().int().min(0).max(2).default(1),
    })
    .prefault({}),
  /** Access requests and grants. */
  access: z
    .strictObject({
      /** Longest grant a request may ask for. */
      maxRequestHours: z
        .number()
        .int()
        .min(1)
        .max(31 * 24)
        .default(7 * 24),
      /** Longest emergency grant. */
      breakGlassMaxHours: z.number().int().min(1).max(24).default(4),
    })
    .prefault({}),
  /** The native SSH endpoint for operators (see docs/ssh.md). */
  ssh: z
    .strictObject({
      /** Off: no SSH listener (the web terminal still works). */
      enabled: z.boolean().default(true),
      listen: hostSchema.default('127.0.0.1'),
      port: listenPortSchema.default(2222),
      /** The endpoint's host key (OpenSSH private key, 0600); created at first start if absent. */
      hostKeyFile: z.string().min(1).optional(),
      /**
       * A connection must finish logging in (identification string, key exchange, key or password,
       * then TOTP) within this time from TCP accept, or it is closed (OpenSSH's LoginGraceTime).
       */
      loginTimeoutSeconds: z.number().int().min(5).max(600).default(60),
      /** Connections not logged in yet from one address; more are closed at once (docs/ssh.md). */
      maxUnauthenticatedPerSource: z.number().int().min(1).max(10_000).default(10),
      /** Connections not logged in yet in all (OpenSSH's MaxStartups); more are closed at once. */
      maxUnauthenticated: z.number().int().min(1).max(10_000).default(100),
      /** Connections open at once (each may carry several sessions). */
      maxConnections: z.number().int().min(1).max(10_000).default(1000),
      /** Session and forwarding channels one connection may have open at once. */
      maxChannelsPerConnection: z.number().int().min(1).max(64).default(10),
      /**
       * One strong login per shift: after a login with a registered key and a code, that key logs
       * in without a code for this long (docs/ssh.md); 0 asks for a code on every connection. Each
       * session still needs a live grant, and disabling the account, removing the key, revoking
       * the grant or a lockdown take effect at once.
       */
      mfaFreshSeconds: z
        .number()
        .int()
        .min(0)
        .max(24 * 3600)
        .default(8 * 3600),
    })
    .prefault({}),
  /** First admin set-up (see docs/install.md). */
  setup: z
    .strictObject({
      /**
       * While no admin exists, each start prints a one-time set-up code to the console (the
       * appliance's default). Off: the first admin is created with `user-add` on the machine.
       */
      oneTimeCode: z.boolean().default(false),
    })
    .prefault({}),
  /**
   * Audit export bundles are written on worker threads, off the loop that relays sessions
   * (docs/audit.md): `workers` run at once, `queue` more may wait; one more is refused (503).
   */
  exports: z
    .strictObject({
      workers: z.number().int().min(1).max(4).default(1),
      queue: z.number().int().min(0).max(16).default(1),
    })
    .prefault({}),
  /** ITSM connectors a site may name to check ticket references (see docs/access.md). */
  itsm: z
    .strictObject({
      connectors: z
        .record(
          z
            .string()
            .regex(
              /^[a-z0-9][a-z0-9-]{0,39}$/,
              'a connector name is lowercase letters, digits and -',
            ),
          z.discriminatedUnion('type', [
            z.strictObject({
              /** ServiceNow-style Table API: records read by number, work notes written to them. */
              type: z.literal('table-api'),
              /** The instance's base URL; /api/now/table/... is appended. */
              url: z.url({ protocol: /^https?$/ }),
              /** File (0600) with {"username","password"} or {"token"}; never inline. */
              credentialsFile: z.string().min(1),
              /** The whole exchange must finish within this time. */
              timeoutMs: z.number().int().min(50).max(30_000).default(5000),
            }),
            z.strictObject({
              /** Generic JSON webhook: POST the request, it answers {allow, reason}. */
              type: z.literal('webhook'),
              url: z.url({ protocol: /^https?$/ }),
              credentialsFile: z.string().min(1),
              timeoutMs: z.number().int().min(50).max(30_000).default(5000),
            }),
          ]),
        )
        .default({}),
    })
    .prefault({}),
  /** Single sign-on with OpenID Connect providers (see docs/access.md). */
  sso: ssoConfigSchema,
  /** Outgoing notifications (request created, approved, denied, revoked, break-glass). */
  notifications: z
    .strictObject({
      webhook: z
        .strictObject({
          url: z.url({ protocol: /^https?$/ }),
          /** File (0600) holding the HMAC-SHA256 key the receiver checks signatures with. */
          secretFile: z.string().min(1),
          timeoutSeconds: z.number().int().min(1).max(60).default(5),
          maxAttempts: z.number().int().min(1).max(20).default(6),
          /** First retry delay; doubled on each further attempt. */
          initialBackoffSeconds: z.number().int().min(1).max(600).default(2),
        })
        .optional(),
    })
    .prefault({}),
});

export type ItConfig = z.output<typeof itConfigSchema>;

function resolvePaths(config: ItConfig, base: string): ItConfig {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  return {
    ...config,
    dataDir: abs(config.dataDir),
    metrics: { ...omitUndefined({ tokenFile: ifDefined(config.metrics.tokenFile, abs) }) },
    tls: {
      ...config.tls,
      ...omitUndefined({
        certFile: ifDefined(config.tls.certFile, abs),
        keyFile: ifDefined(config.tls.keyFile, abs),
      }),
    },
    ...(config.siem === undefined
      ? {}
      : {
          siem: {
            ...config.siem,
            caFile: abs(config.siem.caFile),
            ...(config.siem.clientCertFile === undefined
              ? {}
              : { clientCertFile: abs(config.siem.clientCertFile) }),
            ...(config.siem.clientKeyFile === undefined
              ? {}
              : { clientKeyFile: abs(config.siem.clientKeyFile) }),
          },
        }),
    ssh:
      config.ssh.hostKeyFile === undefined
        ? config.ssh
        : { ...config.ssh, hostKeyFile: abs(config.ssh.hostKeyFile) },
    itsm: {
      connectors: Object.fromEntries(
        Object.entries(config.itsm.connectors).map(([name, c]) => [
          name,
          { ...c, credentialsFile: abs(c.credentialsFile) },
        ]),
      ),
    },
    sso: {
      ...config.sso,
      providers: Object.fromEntries(
        Object.entries(config.sso.providers).map(([id, p]) => [
          id,
          { ...p, clientSecretFile: abs(p.clientSecretFile) },
        ]),
      ),
    },
    notifications:
      config.notifications.webhook === undefined
        ? config.notifications
        : {
            webhook: {
              ...config.notifications.webhook,
              secretFile: abs(config.notifications.webhook.secretFile),
            },
          },
  };
}

export function loadItConfig(source: Omit<ConfigSource, 'envPrefix'>): Result<ItConfig, Problem[]> {
  const r = loadConfig(itConfigSchema, { ...source, envPrefix: IT_ENV_PREFIX });
  if (!r.ok) return r;
  return {
    ok: true,
    value: resolvePaths(
      r.value,
      source.file === undefined ? process.cwd() : dirname(resolve(source.file)),
    ),
  };
}
