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
} from '../../../shared/src/config/common-schemas.js';
import type { Problem, Result } from '../../../shared/src/result.js';
import { omitUndefined, ifDefined } from '../../../shared/src/omit-undefined.js';
import { ssoConfigSchema } from './sso-config.js';
import { siemConfigSchema } from './siem-config.js';
import { authConfigSchema } from './auth-config.js';
import { notificationsConfigSchema } from './notifications-config.js';

export type { SsoConfig, SsoProviderConfig } from './sso-config.js';

export const IT_ENV_PREFIX = 'AIRLOCK_IT_';

export const itConfigSchema = z.strictObject({
  dataDir: z.string().min(1).describe('Where the database, keys and generated certificate live.'),
  http: z
    .strictObject({
      host: hostSchema
        .default('127.0.0.1')
        .describe('Address the portal, API and link endpoint listen on (0.0.0.0: every address).'),
      port: listenPortSchema.default(8443).describe('HTTPS port (0: a free port, for tests).'),
      publicUrl: z
        .url()
        .optional()
        .describe(
          "How people and OT gateways reach this gateway, e.g. https://airlock.example.com:8443; also the passkeys' origin and RP id (a host name: WebAuthn refuses an IP address).",
        ),
    })
    .prefault({})
    .describe('The HTTPS listener: portal, API, web terminal, and the endpoint OT gateways dial.'),
  tls: z
    .strictObject({
      certFile: z
        .string()
        .min(1)
        .optional()
        .describe(
          'A certificate and key to use instead of the self-signed one created at first start.',
        ),
      keyFile: z
        .string()
        .min(1)
        .optional()
        .describe('The private key of certFile (PEM, 0600); given together with certFile.'),
      hostnames: z
        .array(z.string().min(1))
        .min(1)
        .default(['localhost', '127.0.0.1'])
        .describe('Names in the self-signed certificate.'),
    })
    .prefault({})
    .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
      message: 'certFile and keyFile must be given together',
    })
    .describe(
      'The TLS identity of the HTTPS listener; its SHA-256 is what OT gateways pin at enrollment.',
    ),
  log: z
    .strictObject({
      level: logLevelSchema
        .default('info')
        .describe('Least severe log line written (JSON lines on stderr).'),
    })
    .prefault({})
    .describe('Logging.'),
  metrics: z
    .strictObject({
      tokenFile: z
        .string()
        .min(1)
        .optional()
        .describe(
          'File (0600) holding the bearer token scrapers send (one word, at least 32 characters); absent: /metrics answers 404.',
        ),
    })
    .prefault({})
    .describe('Prometheus /metrics on the HTTPS listener (docs/metrics.md).'),
  audit: auditConfigSchema,
  siem: siemConfigSchema,
  link: z
    .strictObject({
      heartbeatSeconds: z
        .number()
        .min(0.1)
        .max(600)
        .default(5)
        .describe('How often the IT side pings each connected OT gateway.'),
      offlineAfterSeconds: z
        .number()
        .min(0.3)
        .max(3600)
        .default(15)
        .describe('A site with no frame for this long is disconnected and shown offline.'),
      openTimeoutSeconds: z
        .number()
        .min(1)
        .max(300)
        .default(15)
        .describe(
          'How long opening a session may take (OT verification plus its data connection).',
        ),
      commandTimeoutSeconds: z
        .number()
        .min(1)
        .max(300)
        .default(10)
        .describe("How long lockdown and end-session commands wait for the OT gateway's answer."),
      handshakeTimeoutSeconds: z
        .number()
        .min(1)
        .max(120)
        .default(10)
        .describe('How long an OT gateway has to answer the challenge on a new connection.'),
    })
    .prefault({})
    .refine((l) => l.offlineAfterSeconds >= 2 * l.heartbeatSeconds, {
      message: 'offlineAfterSeconds must be at least twice heartbeatSeconds',
    })
    .describe('The IT<->OT link (see docs/link.md for what the timings mean).'),
  auth: authConfigSchema,
  access: z
    .strictObject({
      maxRequestHours: z
        .number()
        .int()
        .min(1)
        .max(31 * 24)
        .default(7 * 24)
        .describe('Longest grant a request may ask for.'),
      breakGlassMaxHours: z
        .number()
        .int()
        .min(1)
        .max(24)
        .default(4)
        .describe('Longest emergency grant.'),
    })
    .prefault({})
    .describe('Access requests and grants.'),
  ssh: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe('Off: no SSH listener (the web terminal still works).'),
      listen: hostSchema
        .default('127.0.0.1')
        .describe('Address the SSH endpoint listens on (0.0.0.0: every address).'),
      port: listenPortSchema
        .default(2222)
        .describe('SSH endpoint port (0: a free port, for tests).'),
      hostKeyFile: z
        .string()
        .min(1)
        .optional()
        .describe(
          "The endpoint's host key (OpenSSH private key, 0600); created at first start if absent.",
        ),
      loginTimeoutSeconds: z
        .number()
        .int()
        .min(5)
        .max(600)
        .default(60)
        .describe(
          "A connection must finish logging in (identification string, key exchange, key or password, then TOTP) within this time from TCP accept, or it is closed (OpenSSH's LoginGraceTime).",
        ),
      maxUnauthenticatedPerSource: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(10)
        .describe(
          'Connections not logged in yet from one address; more are closed at once (docs/ssh.md).',
        ),
      maxUnauthenticated: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(100)
        .describe(
          "Connections not logged in yet in all (OpenSSH's MaxStartups); more are closed at once.",
        ),
      maxConnections: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(1000)
        .describe('Connections open at once (each may carry several sessions).'),
      maxChannelsPerConnection: z
        .number()
        .int()
        .min(1)
        .max(64)
        .default(10)
        .describe('Session and forwarding channels one connection may have open at once.'),
      mfaFreshSeconds: z
        .number()
        .int()
        .min(0)
        .max(24 * 3600)
        .default(8 * 3600)
        .describe(
          'One strong login per shift: after a login with a registered key and a code, that key logs in without a code for this long (docs/ssh.md); 0 asks for a code on every connection. Each session still needs a live grant, and disabling the account, removing the key, revoking the grant or a lockdown take effect at once.',
        ),
    })
    .prefault({})
    .describe('The native SSH endpoint for operators (see docs/ssh.md).'),
  setup: z
    .strictObject({
      oneTimeCode: z
        .boolean()
        .default(false)
        .describe(
          "While no admin exists, each start prints a one-time set-up code to the console (the appliance's default). Off: the first admin is created with `user-add` on the machine.",
        ),
    })
    .prefault({})
    .describe('First admin set-up (see docs/install.md).'),
  exports: z
    .strictObject({
      workers: z
        .number()
        .int()
        .min(1)
        .max(4)
        .default(1)
        .describe('Bundles written at once, each on its own worker thread.'),
      queue: z
        .number()
        .int()
        .min(0)
        .max(16)
        .default(1)
        .describe('Export requests that may wait for a worker; one more is refused (503).'),
    })
    .prefault({})
    .describe(
      'Audit export bundles are written on worker threads, off the loop that relays sessions (docs/audit.md): `workers` run at once, `queue` more may wait; one more is refused (503).',
    ),
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
              type: z
                .literal('table-api')
                .describe(
                  'ServiceNow-style Table API: records read by number, work notes written to them.',
                ),
              url: z
                .url({ protocol: /^https?$/ })
                .describe("The instance's base URL; /api/now/table/... is appended."),
              credentialsFile: z
                .string()
                .min(1)
                .describe('File (0600) with {"username","password"} or {"token"}; never inline.'),
              timeoutMs: z
                .number()
                .int()
                .min(50)
                .max(30_000)
                .default(5000)
                .describe('The whole exchange must finish within this time.'),
            }),
            z.strictObject({
              type: z
                .literal('webhook')
                .describe('Generic JSON webhook: POST the request, it answers {allow, reason}.'),
              url: z.url({ protocol: /^https?$/ }),
              credentialsFile: z.string().min(1),
              timeoutMs: z.number().int().min(50).max(30_000).default(5000),
            }),
          ]),
        )
        .default({})
        .describe(
          'Connectors by name (lowercase letters, digits and -); a site names one in its ITSM settings (`site-itsm`).',
        ),
    })
    .prefault({})
    .describe('ITSM connectors a site may name to check ticket references (see docs/access.md).'),
  sso: ssoConfigSchema.describe(
    'Single sign-on with OpenID Connect providers (see docs/access.md).',
  ),
  notifications: notificationsConfigSchema,
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
          {
            ...p,
            clientSecretFile: abs(p.clientSecretFile),
            ...(p.scimTokenFile === undefined ? {} : { scimTokenFile: abs(p.scimTokenFile) }),
          },
        ]),
      ),
    },
    notifications: {
      ...config.notifications,
      ...(config.notifications.webhook === undefined
        ? {}
        : {
            webhook: {
              ...config.notifications.webhook,
              secretFile: abs(config.notifications.webhook.secretFile),
            },
          }),
      ...(config.notifications.email === undefined
        ? {}
        : {
            email: {
              ...config.notifications.email,
              ...omitUndefined({
                caFile: ifDefined(config.notifications.email.caFile, abs),
                passwordFile: ifDefined(config.notifications.email.passwordFile, abs),
              }),
            },
          }),
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
