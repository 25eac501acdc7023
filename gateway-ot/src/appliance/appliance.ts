/**
 * The OT gateway's maintenance verbs for the appliance: `backup`, `restore` and `migrate` (shared
 * with the IT gateway, see shared/src/backup/maintenance-commands.ts), over the OT gateway's files:
 * its data directory (database, identity key, vault master key, recordings, OPC UA PKI), its config
 * and the local policy file the config names. The vault's secrets stay sealed in the database and
 * its master key travels only inside the encrypted archive. See docs/install.md.
 */
import type { CliCommand } from '../../../shared/src/cli/run-cli.js';
import {
  filesOutside,
  maintenanceCommands,
  type MaintenanceDeps,
} from '../../../shared/src/backup/maintenance-commands.js';
import type { ConfigLayout } from '../../../shared/src/backup/restore-backup.js';

export const OT_DATABASE_FILE = 'ot.db';
/** The identity key signs the OT audit chain's checkpoints. */
export const OT_SIGNING_KEY = 'keys/ot-identity.key';

/** The parts of the OT config that say where state is (the loaded OtConfig has this shape). */
export interface OtStatePaths {
  readonly site: string;
  readonly dataDir: string;
  readonly policyFile: string;
  readonly vault: { readonly masterKeyFile?: string | undefined };
}

export function otLayout(config: OtStatePaths): ConfigLayout {
  const named: Record<string, string | undefined> = {
    policy: config.policyFile,
    'vault-master-key': config.vault.masterKeyFile,
  };
  return {
    dataDir: config.dataDir,
    databaseFile: OT_DATABASE_FILE,
    site: config.site,
    files: filesOutside(config.dataDir, named),
  };
}

export function applianceCommands<C extends OtStatePaths>(
  deps: Omit<MaintenanceDeps<C>, 'role' | 'layoutOf' | 'signingKey' | 'skip'>,
): Record<string, CliCommand> {
  return maintenanceCommands<C>({
    ...deps,
    role: 'ot',
    layoutOf: otLayout,
    signingKey: OT_SIGNING_KEY,
  });
}
