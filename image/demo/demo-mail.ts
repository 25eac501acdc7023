/**
 * The demo's e-mail: a local SMTP relay (mail/mail-main.ts, smtp-server on loopback with STARTTLS
 * and a login) that keeps every message as a file, the IT gateway's `notifications.email` pointing
 * at it (its self-signed certificate as `caFile`, the password in a 0600 file), and each demo user
 * given an address with `user-email`, as an operator would. Nothing leaves the machine.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createSelfSignedIdentity } from '../../shared/src/crypto/tls-identity.js';
import { runCommand, startDaemon, type Daemon } from './demo-process.js';

export interface MailFiles {
  /** Holds relay.crt, relay.key and smtp-password. */
  readonly dir: string;
  /** Where the messages land. */
  readonly mailDir: string;
}

/** The relay's certificate, key and password (created once per demo directory). */
export async function mailFiles(itDir: string, mailDir: string): Promise<MailFiles> {
  const dir = join(itDir, 'smtp');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'relay.crt'))) {
    const id = await createSelfSignedIdentity({
      hostnames: ['127.0.0.1', 'localhost'],
      commonName: 'demo-smtp-relay',
    });
    writeFileSync(join(dir, 'relay.key'), id.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'smtp-password'), randomBytes(12).toString('hex'), { mode: 0o600 });
    writeFileSync(join(dir, 'relay.crt'), id.certPem);
  }
  return { dir, mailDir };
}

/** The `notifications` section of the IT gateway's config. */
export const mailConfig = (port: number, f: MailFiles) => ({
  email: {
    host: '127.0.0.1',
    port,
    from: 'Airlock demo <airlock@plant1.demo>',
    caFile: join(f.dir, 'relay.crt'),
    user: 'airlock',
    passwordFile: join(f.dir, 'smtp-password'),
  },
});

export function startMailRelay(
  main: string,
  port: number,
  f: MailFiles,
  logFile: string,
  onExit: (name: string, code: number | null) => void,
  wrap: readonly string[],
): Promise<Daemon> {
  return startDaemon(
    'mail',
    [main, '--port', String(port), '--files', f.dir, '--mail-dir', f.mailDir],
    logFile,
    onExit,
    { wrap, isReady: (e) => e['mail'] !== undefined },
  );
}

/** Every demo user gets `<name>@plant1.demo` and every kind of notice. */
export async function setDemoEmails(itMain: string, itConfig: string, names: readonly string[]) {
  for (const name of names)
    await runCommand([
      itMain,
      'user-email',
      '--config',
      itConfig,
      '--name',
      name,
      '--email',
      `${name}@plant1.demo`,
    ]);
}

export const mailLines = (f: MailFiles, port: number): string =>
  `  Mail            notifications go to a local SMTP relay (127.0.0.1:${port}, STARTTLS); read them in
                  ${f.mailDir}/*.eml   (every demo user is <name>@plant1.demo; Account > Notifications)`;
