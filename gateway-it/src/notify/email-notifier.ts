/**
 * E-mail to people through the organisation's SMTP relay (nodemailer), one plain-text message per
 * recipient. Always over TLS: STARTTLS is required (a relay that does not offer it is a failed
 * delivery, never a plain-text one), or TLS from the first byte with `implicitTls`; the relay's
 * certificate is checked against `caFile` or the system's CAs. Failures (connection, TLS, refusal)
 * are retried with exponential backoff on the injected clock and each message's final outcome is
 * audited (`notify.send`, channel `email`, the recipient's user name, not the address).
 *
 * Not guaranteed: messages still queued when the gateway stops are dropped (the audit log, not the
 * mail, is the record); a relay that accepted a message may still fail to deliver it.
 */
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { readSecretFile } from '../../../shared/src/crypto/key-file.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';
import type { ItConfig } from '../config/config.js';
import { DeliveryLoop } from './delivery-loop.js';
import type { NoticeText } from './message-text.js';
import type { Notification } from './notification.js';

export type EmailConfig = NonNullable<ItConfig['notifications']['email']>;

export interface EmailDeps {
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
}

export interface EmailRecipient {
  readonly user: string;
  readonly address: string;
}

export class EmailNotifier {
  private readonly transport;
  private readonly loop: DeliveryLoop;

  constructor(
    private readonly config: EmailConfig,
    private readonly deps: EmailDeps,
  ) {
    this.loop = new DeliveryLoop(
      {
        maxAttempts: config.maxAttempts,
        initialBackoffMs: config.initialBackoffSeconds * 1000,
        retryMessage: 'e-mail delivery failed; will retry',
        auditFailedMessage: 'could not audit an e-mail delivery',
      },
      deps,
    );
    const ms = config.timeoutSeconds * 1000;
    const password =
      config.passwordFile === undefined
        ? undefined
        : Buffer.from(readSecretFile(config.passwordFile)).toString('utf8').trim();
    this.transport = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.implicitTls,
      requireTLS: !config.implicitTls,
      ignoreTLS: false,
      connectionTimeout: ms,
      greetingTimeout: ms,
      socketTimeout: ms,
      tls: {
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        ...omitUndefined({
          ca: config.caFile === undefined ? undefined : readFileSync(config.caFile, 'utf8'),
        }),
      },
      ...(config.user === undefined || password === undefined
        ? {}
        : { auth: { user: config.user, pass: password } }),
    });
  }

  /** Queues one message to one person; never throws. */
  send(to: EmailRecipient, n: Notification, text: NoticeText): void {
    this.loop.deliver((deliveryId) => ({
      n,
      details: { channel: 'email', recipient: to.user, host: this.config.host },
      send: () =>
        this.transport
          .sendMail({
            from: this.config.from,
            to: to.address,
            subject: text.subject,
            text: `${text.lines.join('\n\n')}\n\n-- \nAirlock. You get this because of your notification settings in the portal (Account → Notifications).\n`,
            headers: { 'X-Airlock-Event': n.event, 'X-Airlock-Delivery': deliveryId },
          })
          .then(() => undefined),
    }));
  }

  async close(): Promise<void> {
    await this.loop.close();
    this.transport.close();
  }

  /** Resolves when nothing is on the wire. */
  async idle(): Promise<void> {
    await this.loop.idle();
  }
}
