/**
 * The demo's SMTP relay as a process (beside the IT gateway, in its zone when zoned):
 *
 *   node dist/image/demo/mail/mail-main.js --port N --files DIR --mail-dir DIR
 *
 * reads the certificate, key and password that demo-mail.ts wrote to `--files`, takes mail over
 * STARTTLS on 127.0.0.1, writes each message to `--mail-dir/*.eml`, prints one JSON line
 * `{"mail": {"port": N, "dir": ...}}` and runs until SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startMailCatcher } from './mail-catcher.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    files: { type: 'string' },
    'mail-dir': { type: 'string' },
  },
});
const files = values.files ?? '.';
const dir = values['mail-dir'] ?? join(files, 'mail');
const catcher = await startMailCatcher({
  dir,
  certPem: readFileSync(join(files, 'relay.crt'), 'utf8'),
  keyPem: readFileSync(join(files, 'relay.key'), 'utf8'),
  user: 'airlock',
  password: readFileSync(join(files, 'smtp-password'), 'utf8').trim(),
  port: Number(values.port ?? '0'),
});
process.stdout.write(`${JSON.stringify({ mail: { port: catcher.port, dir } })}\n`);
const stop = (): void => void catcher.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
