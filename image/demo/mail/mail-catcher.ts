/**
 * A local SMTP relay that keeps what it receives, for the demo and the tests (smtp-server on
 * loopback): STARTTLS with the certificate it is given, a login it checks, and every message
 * written to `<dir>/<n>-<to>.eml` and kept in memory. It refuses a message that did not come over
 * TLS, as an organisation's relay should. Not a mail server: nothing is forwarded.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  readonly from: string;
  readonly to: readonly string[];
  /** Whether the message came over TLS (STARTTLS). */
  readonly secure: boolean;
  /** The raw message (headers and body as sent). */
  readonly raw: string;
  readonly file: string;
}

export interface MailCatcherOptions {
  readonly dir: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly user: string;
  readonly password: string;
  /** No STARTTLS at all (tests: a relay that cannot do TLS). */
  readonly withoutStartTls?: boolean;
  readonly port?: number;
}

export interface MailCatcher {
  readonly port: number;
  readonly mails: readonly CaughtMail[];
  close(): Promise<void>;
}

export async function startMailCatcher(o: MailCatcherOptions): Promise<MailCatcher> {
  mkdirSync(o.dir, { recursive: true });
  const mails: CaughtMail[] = [];
  const server = new SMTPServer({
    secure: false,
    key: o.keyPem,
    cert: o.certPem,
    ...(o.withoutStartTls === true ? { hideSTARTTLS: true, disabledCommands: ['STARTTLS'] } : {}),
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: false,
    logger: false,
    size: 1_000_000,
    onAuth(auth, _session, cb) {
      if (auth.username === o.user && auth.password === o.password)
        cb(null, { user: auth.username });
      else cb(new Error('invalid login'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (e) => cb(e));
      stream.on('end', () => {
        if (!session.secure) {
          cb(new Error('530 must issue STARTTLS first'));
          return;
        }
        const to = session.envelope.rcptTo.map((r) => r.address);
        const safe = (to[0] ?? 'unknown').replace(/[^a-zA-Z0-9@._-]/g, '_');
        const file = join(o.dir, `${String(mails.length + 1).padStart(4, '0')}-${safe}.eml`);
        const raw = Buffer.concat(chunks).toString('utf8');
        writeFileSync(file, raw);
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        mails.push({ from, to, secure: session.secure, raw, file });
        cb();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  return {
    port: address.port,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The text of a message's body, quoted-printable decoded (what a person reads). */
export function mailBodyText(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  if (!/content-transfer-encoding:\s*quoted-printable/i.test(head)) return body;
  const bytes: number[] = [];
  const soft = body.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    const m = /^=([0-9A-F]{2})/.exec(soft.slice(i, i + 3));
    if (m?.[1] !== undefined) {
      bytes.push(parseInt(m[1], 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i] ?? '', 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A header's value, unfolded (`Subject`, `To`). */
export function mailHeader(raw: string, name: string): string | undefined {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head);
  return m?.[1];
}
