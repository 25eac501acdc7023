/**
 * The cli subsystem: the OT gateway's administrative verbs that work on its state without running
 * it (the vault's: vault-set, vault-list, vault-rotate; the host firewall's: firewall render|apply; OT owners'
 * passkeys: owner enroll-start|list|remove; the access profiles' learn loop: policy learn|propose|apply; discovery's: discover, discover list|onboard);
 * main.ts registers them beside its own.
 *
 * Guarantees: a secret is read from stdin or a 0600 key file, never from argv (visible in `ps` and
 * shell history), sealed at once and its plaintext zeroed; nothing prints a secret; every vault
 * change is audited in the site's chain, as the running gateway would; a firewall loaded by
 * `firewall apply` is audited by the running gateway as soon as the ruleset file changes, and
 * again when it starts (`firewall.load`, with its hash). Not here: argv and environment parsing (shared/src/cli/), opening the vault (the composition root's
 * openOfflineVault).
 */
export { createVaultCommands } from './vault-commands.js';
export { createDiscoverCommands } from './discover-commands.js';
export type { DiscoverCommandDeps } from './discover-commands.js';
export { createFirewallCommands } from './firewall-commands.js';
export { createOwnerCommands } from './owner-commands.js';
export type { OfflineOwners, OwnerCommandDeps } from './owner-commands.js';
export { createPolicyCommands } from './policy-commands.js';
export { reloadNote } from './reload-note.js';
export type { PolicyCommandDeps } from './policy-commands.js';
export type { FirewallCommandDeps } from './firewall-commands.js';
export type { OfflineVault, VaultCommandDeps } from './vault-commands.js';
