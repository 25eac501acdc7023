/**
 * Where the IT gateway's state lives, read from its config, for backup and restore: the data
 * directory (database, keys, the generated certificate, recordings), and the files the config names
 * outside it (an imported certificate kept elsewhere, the SSH host key, the webhook and SIEM files).
 * Export bundles are derived output and are not backed up.
 */
import { filesOutside } from '../../../shared/src/backup/maintenance-commands.js';
import type { ConfigLayout } from '../../../shared/src/backup/restore-backup.js';

/** The parts of the IT config that say where state is (the loaded ItConfig has this shape). */
export interface ItStatePaths {
  readonly dataDir: string;
  readonly tls: { readonly certFile?: string | undefined; readonly keyFile?: string | undefined };
  readonly ssh: { readonly hostKeyFile?: string | undefined };
  readonly notifications: { readonly webhook?: { readonly secretFile: string } | undefined };
  readonly siem?:
    | {
        readonly caFile: string;
        readonly clientCertFile?: string | undefined;
        readonly clientKeyFile?: string | undefined;
      }
    | undefined;
}

export const IT_DATABASE_FILE = 'it.db';
export const IT_AUDIT_KEY = 'keys/audit-signing.key';

export function itLayout(config: ItStatePaths): ConfigLayout {
  const named: Record<string, string | undefined> = {
    'tls-cert': config.tls.certFile,
    'tls-key': config.tls.keyFile,
    'ssh-host-key': config.ssh.hostKeyFile,
    'webhook-secret': config.notifications.webhook?.secretFile,
    'siem-ca': config.siem?.caFile,
    'siem-client-cert': config.siem?.clientCertFile,
    'siem-client-key': config.siem?.clientKeyFile,
  };
  return {
    dataDir: config.dataDir,
    databaseFile: IT_DATABASE_FILE,
    site: null,
    files: filesOutside(config.dataDir, named),
  };
}
