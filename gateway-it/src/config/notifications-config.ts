/**
 * The `notifications` section of the IT gateway's config (docs/notifications.md): the signed
 * generic webhook, e-mail through the organisation's relay (always TLS), and when a grant's holder
 * is told it ends. Chat webhooks are per site, in the store, not here. Relative paths are resolved
 * by config.ts, against the config file.
 */
import { z } from 'zod';

export const notificationsConfigSchema = z
  .strictObject({
    /**
     * E-mail through the organisation's relay, always over TLS: STARTTLS required on a
     * submission port (587, 25), or TLS from the first byte on 465 (`implicitTls`).
     */
    email: z
      .strictObject({
        host: z.string().min(1).describe("The organisation's SMTP relay (host name or address)."),
        port: z
          .number()
          .int()
          .min(1)
          .max(65535)
          .default(587)
          .describe("The relay's port: 587 or 25 with STARTTLS, 465 with implicitTls."),
        from: z
          .string()
          .min(3)
          .max(200)
          .describe('The sender, e.g. `Airlock <airlock@plant.example>`.'),
        implicitTls: z
          .boolean()
          .default(false)
          .describe(
            'TLS from the first byte (port 465) instead of STARTTLS; plain SMTP is never used.',
          ),
        caFile: z
          .string()
          .min(1)
          .optional()
          .describe(
            "PEM file with the CA(s) that sign the relay's certificate (absent: the system's).",
          ),
        user: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('The relay login name (with passwordFile); absent: no login.'),
        passwordFile: z
          .string()
          .min(1)
          .optional()
          .describe('File (0600) holding the relay login password.'),
        timeoutSeconds: z
          .number()
          .int()
          .min(1)
          .max(120)
          .default(15)
          .describe('Each delivery attempt must finish within this time.'),
        maxAttempts: z
          .number()
          .int()
          .min(1)
          .max(20)
          .default(6)
          .describe('Attempts per message before it is given up (audited notify.send failure).'),
        initialBackoffSeconds: z
          .number()
          .int()
          .min(1)
          .max(600)
          .default(5)
          .describe('First retry delay; doubled on each further attempt.'),
      })
      .refine((e) => (e.user === undefined) === (e.passwordFile === undefined), {
        message: 'user and passwordFile go together',
      })
      .optional()
      .describe(
        "E-mail through the organisation's relay, always over TLS; absent: no e-mail is sent.",
      ),
    grantEndingMinutes: z
      .number()
      .int()
      .min(1)
      .max(240)
      .optional()
      .describe('How long before a grant ends its holder is told, once per grant (absent: 15).'),
    webhook: z
      .strictObject({
        url: z
          .url({ protocol: /^https?$/ })
          .describe('Where each notification is POSTed as signed JSON.'),
        secretFile: z
          .string()
          .min(1)
          .describe('File (0600) holding the HMAC-SHA256 key the receiver checks signatures with.'),
        timeoutSeconds: z
          .number()
          .int()
          .min(1)
          .max(60)
          .default(5)
          .describe('Each delivery attempt must finish within this time.'),
        maxAttempts: z
          .number()
          .int()
          .min(1)
          .max(20)
          .default(6)
          .describe('Attempts per notification before it is given up (and logged).'),
        initialBackoffSeconds: z
          .number()
          .int()
          .min(1)
          .max(600)
          .default(2)
          .describe('First retry delay; doubled on each further attempt.'),
      })
      .optional()
      .describe('A webhook receiver for notifications; absent: none are sent by webhook.'),
  })
  .prefault({})
  .describe('Outgoing notifications (request created, approved, denied, revoked, break-glass).');
