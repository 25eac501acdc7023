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
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import { readSecretFile } from '../../../shared/src/crypto/key-file.js';
import { describeError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';
import type { ItConfig } from '../config/config.js';
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
  private readonly timers = new Set<TimerHandle>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly config: EmailConfig,
    private readonly deps: EmailDeps,
  ) {
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
    if (this.closed) return;
    const deliveryId = this.deps.ids.next('dlv');
    this.attempt(deliveryId, to, n, text, 1);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
    this.transport.close();
  }

  /** Resolves when nothing is on the wire. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private attempt(
    deliveryId: string,
    to: EmailRecipient,
    n: Notification,
    text: NoticeText,
    attempt: number,
  ): void {
    const p = this.transport
      .sendMail({
        from: this.config.from,
        to: to.address,
        subject: text.subject,
        text: `${text.lines.join('\n\n')}\n\n-- \nAirlock. You get this because of your notification settings in the portal (Account → Notifications).\n`,
        headers: { 'X-Airlock-Event': n.event, 'X-Airlock-Delivery': deliveryId },
      })
      .then(
        () => this.settle(deliveryId, to, n, text, attempt, undefined),
        (e: unknown) => this.settle(deliveryId, to, n, text, attempt, describeError(e)),
      );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private settle(
    deliveryId: string,
    to: EmailRecipient,
    n: Notification,
    text: NoticeText,
    attempt: number,
    failure: string | undefined,
  ): void {
    const { deps, config } = this;
    if (failure !== undefined && attempt < config.maxAttempts && !this.closed) {
      const delay = config.initialBackoffSeconds * 1000 * 2 ** (attempt - 1);
      deps.log.warn('e-mail delivery failed; will retry', {
        deliveryId,
        event: n.event,
        attempt,
        failure,
        retryInMs: delay,
      });
      const timer = deps.clock.setTimeout(() => {
        this.timers.delete(timer);
        this.attempt(deliveryId, to, n, text, attempt + 1);
      }, delay);
      this.timers.add(timer);
      return;
    }
    try {
      deps.audit.append({
        action: 'notify.send',
        actor: 'system:it',
        site: n.site,
        target: n.grantId ?? n.requestId,
        outcome: failure === undefined ? 'success' : 'failure',
        details: {
          deliveryId,
          event: n.event,
          channel: 'email',
          recipient: to.user,
          host: config.host,
          attempts: attempt,
          ...omitUndefined({ error: failure?.slice(0, 200) }),
        },
      });
    } catch (e) {
      deps.log.error('could not audit an e-mail delivery', { deliveryId, err: e });
    }
  }
}
