/**
 * The `siem` section of the IT gateway's config: live forwarding of audit events to a syslog
 * collector (RFC 5424 over TLS, docs/audit.md). The collector's CA is a file; a certificate pin and
 * mutual TLS are optional. Relative paths are resolved by config.ts, against the config file.
 */
import { z } from 'zod';
import { hostSchema, portSchema } from '../../../shared/src/config/common-schemas.js';
import { normalizeFingerprint } from '../../../shared/src/crypto/hash.js';

export const siemConfigSchema = z
  .strictObject({
    host: hostSchema.describe("The collector's host name or address."),
    port: portSchema.describe("The collector's syslog-over-TLS port (6514 is the registered one)."),
    caFile: z
      .string()
      .min(1)
      .describe(
        "PEM file: the CA (or the collector's self-signed certificate) its certificate must chain to.",
      ),
    serverName: z
      .string()
      .min(1)
      .max(253)
      .optional()
      .describe("Name the collector's certificate must be valid for (default: host)."),
    certFingerprint: z
      .string()
      .refine((v) => normalizeFingerprint(v) !== undefined, {
        message: 'expected a SHA-256 fingerprint (64 hex digits, colons allowed)',
      })
      .optional()
      .describe(
        "Optional pin: SHA-256 fingerprint of the collector's certificate (hex, colons allowed).",
      ),
    clientCertFile: z
      .string()
      .min(1)
      .optional()
      .describe('Client certificate and key, when the collector requires mutual TLS.'),
    clientKeyFile: z
      .string()
      .min(1)
      .optional()
      .describe('The private key of clientCertFile (PEM, 0600); given together with it.'),
    payload: z
      .enum(['cef', 'json'])
      .default('cef')
      .describe('Message body: ArcSight CEF, or the event as JSON.'),
    facility: z
      .number()
      .int()
      .min(0)
      .max(23)
      .default(13)
      .describe('Syslog facility; 13 is "log audit".'),
    hostname: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe("HOSTNAME field of the messages (default: this machine's host name)."),
    enterpriseId: z
      .number()
      .int()
      .positive()
      .default(32473)
      .describe(
        'Private enterprise number of the structured-data id (32473 is the documentation example, RFC 5612).',
      ),
    forward: z
      .strictObject({
        it: z.boolean().default(true).describe("Forward the IT gateway's own audit events."),
        ot: z
          .boolean()
          .default(true)
          .describe("Forward the audit events the sites' OT gateways ship."),
      })
      .prefault({})
      .describe('Which audit logs are forwarded.'),
    startAt: z
      .enum(['beginning', 'now'])
      .default('beginning')
      .describe(
        'Where a stream without a saved cursor starts: the whole history, or events from now on.',
      ),
    batchEvents: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1000)
      .describe(
        'Events per delivery session (each session ends with a confirmed close, see docs/audit.md).',
      ),
    retryMinSeconds: z
      .number()
      .min(0.05)
      .max(3600)
      .default(1)
      .describe('First reconnect delay after a failed delivery; it doubles up to retryMaxSeconds.'),
    retryMaxSeconds: z
      .number()
      .min(0.05)
      .max(3600)
      .default(60)
      .describe('Longest reconnect delay.'),
    pollSeconds: z
      .number()
      .min(0.05)
      .max(3600)
      .default(5)
      .describe(
        'How often ingested OT events are looked for (IT events are forwarded as they are appended).',
      ),
    timeoutSeconds: z
      .number()
      .min(1)
      .max(600)
      .default(15)
      .describe('Connecting and each delivery session must finish within this time.'),
  })
  .refine((s) => (s.clientCertFile === undefined) === (s.clientKeyFile === undefined), {
    message: 'clientCertFile and clientKeyFile must be given together',
  })
  .refine((s) => s.retryMinSeconds <= s.retryMaxSeconds, {
    message: 'retryMinSeconds must not exceed retryMaxSeconds',
  })
  .optional()
  .describe(
    'Live forwarding of audit events to a syslog collector (RFC 5424 over TLS); off when absent.',
  );
