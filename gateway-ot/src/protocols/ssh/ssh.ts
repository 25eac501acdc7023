/**
 * The SSH protocol module: the OT end of operator SSH sessions (shell, exec, SFTP) to plant hosts,
 * and password rotation on them. It owns the SSH assets' policy (ssh-policy.ts), the broker
 * (ssh-broker.ts), the command filter (filter/) and the target connection with its pinned host key.
 *
 * Guarantees: a target is reached only with the host key pinned in the local policy (a changed key
 * refuses before any credential is sent), with a vault credential checked in at the session's end;
 * every shell and exec is recorded, a session that cannot be recorded is refused; exec-only
 * profiles run only allow-listed argv, SFTP only where the profile allows it; a line held for
 * review passes only on an OT owner's decision. A rotation sets a password through chpasswd's
 * stdin, never argv. Not guaranteed: the interactive filter reads what was typed, best effort
 * against a determined user (docs/ssh-command-filter.md); exec-only is the strict mode.
 */
import type { ProtocolModule } from '../../sessions/sessions.js';
import { createSshBroker } from './ssh-broker.js';
import { sshRotationTarget } from './ssh-password-rotation.js';
import { isSshAsset, sshAssetSchema } from './ssh-policy.js';

export const sshProtocol: ProtocolModule = {
  protocol: 'ssh',
  assetSchema: sshAssetSchema,
  createBroker: (deps) => Promise.resolve(createSshBroker(deps)),
  rotationTarget: (asset) => (isSshAsset(asset) ? sshRotationTarget(asset) : undefined),
};

/** The discovery probe (discovery/): banner and host key, no authentication. */
export { probeSsh } from './ssh-probe.js';
