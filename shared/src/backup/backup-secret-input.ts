/**
 * The operator's backup secret from the command line: `--passphrase-file <path|->` (first line of
 * the file, or of stdin) or `--key-file <path|->` (exactly 32 bytes). Never from argv itself (it
 * would show in `ps` and shell history). Files must not be readable by group or others, like keys.
 */
import { AirlockError } from '../errors.js';
import { readSecretFile } from '../crypto/key-file.js';
import {
  BACKUP_KEY_BYTES,
  MIN_PASSPHRASE_CHARS,
  type BackupSecret,
} from '../crypto/backup-cipher.js';

export interface SecretOptions {
  readonly 'passphrase-file'?: string | undefined;
  readonly 'key-file'?: string | undefined;
}

export const SECRET_OPTIONS = {
  'passphrase-file': { type: 'string' },
  'key-file': { type: 'string' },
} as const;

export const SECRET_USAGE = `--passphrase-file <file|->  the passphrase: the file's first line ("-": stdin); at least ${MIN_PASSPHRASE_CHARS} characters
  --key-file <file|->         or a key file of ${BACKUP_KEY_BYTES} random bytes ("-": stdin), e.g. head -c ${BACKUP_KEY_BYTES} /dev/urandom
  Files must be 0600 (or 0400). Keep the passphrase or key file away from the appliance: the backup is useless without it.`;

function bad(message: string): AirlockError {
  return new AirlockError('bad_request', 'backup.secret', message);
}

export async function readBackupSecret(
  options: SecretOptions,
  readStdin: () => Promise<Buffer>,
  isNew: boolean,
): Promise<BackupSecret> {
  const pass = options['passphrase-file'];
  const key = options['key-file'];
  if ((pass === undefined) === (key === undefined))
    throw bad('give exactly one of --passphrase-file and --key-file');
  if (key !== undefined) {
    const bytes = key === '-' ? new Uint8Array(await readStdin()) : readSecretFile(key);
    if (bytes.length !== BACKUP_KEY_BYTES)
      throw bad(
        `a backup key file holds exactly ${BACKUP_KEY_BYTES} bytes (this one ${bytes.length})`,
      );
    return { kind: 'key-file', key: bytes };
  }
  const raw = pass === '-' ? await readStdin() : Buffer.from(readSecretFile(pass ?? ''));
  const text = raw.toString('utf8');
  raw.fill(0);
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  if (isNew && [...line].length < MIN_PASSPHRASE_CHARS)
    throw bad(`the passphrase must have at least ${MIN_PASSPHRASE_CHARS} characters`);
  if (line.length === 0) throw bad('the passphrase is empty');
  return { kind: 'passphrase', passphrase: Buffer.from(line, 'utf8') };
}
