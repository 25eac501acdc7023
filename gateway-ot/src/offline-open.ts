/**
 * What the offline CLI verbs open without a running gateway (vault-set and friends, `owner ...`,
 * `discover`), the same way the running gateway does: the identity key, the database and its audit
 * chain, the local policy, and the vault, owners or discovery built by the same factories. Each
 * returns a `close` for what it opened. The protocol list and probes come from the composition
 * root (app.ts), which exports these under its own names; the key file paths live here and are
 * used by both.
 */
import { join } from 'node:path';
import type { Clock } from '../../shared/src/clock.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { loadOrCreateSigningKey } from '../../shared/src/crypto/key-file.js';
import type { IdGenerator } from '../../shared/src/ids.js';
import { silentLogger } from '../../shared/src/log.js';
import type { AuditLog } from '../../shared/src/audit/audit-log.js';
import type { DiscoveryProtocol, ProtocolProbe } from '../../shared/src/model/discovery.js';
import { createAudit } from './audit/audit.js';
import type { OfflineOwners, OfflineVault } from './cli/cli.js';
import type { OtConfig } from './config/config.js';
import { createDiscovery, type Discovery } from './discovery/discovery.js';
import { createOwners } from './owners/owners.js';
import { createPolicyLoader } from './policy/policy.js';
import type { ProtocolModule } from './sessions/sessions.js';
import { createStore, type OtStore } from './store/store.js';
import { createVault, loadOrCreateVaultKey } from './vault/vault.js';

export interface OfflineModules {
  readonly protocols: readonly ProtocolModule[];
  readonly probes: (dataDir: string) => Record<DiscoveryProtocol, ProtocolProbe>;
}

export interface OfflineDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export interface OfflineDiscovery {
  readonly discovery: Discovery;
  readonly audit: AuditLog;
  close(): void;
}

export function identityKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'ot-identity.key');
}

export function vaultKeyPath(config: OtConfig): string {
  return config.vault.masterKeyFile ?? join(config.dataDir, 'keys', 'vault-master.key');
}

/**
 * What every offline CLI verb opens the same way as the running gateway: the identity key, the
 * database and its audit chain (WAL; appends are serialized by SQLite, so a verb may run beside the
 * gateway). `close` closes the chain, then the store. Crypto must be initialized first.
 */
function openOffline(
  config: OtConfig,
  deps: OfflineDeps,
): { readonly store: OtStore; readonly audit: AuditLog; close(): void } {
  const identity = loadOrCreateSigningKey(identityKeyPath(config.dataDir));
  const store = createStore({ dataDir: config.dataDir });
  const audit = createAudit({
    store,
    identity,
    clock: deps.clock,
    ids: deps.ids,
    checkpointEvery: config.audit.checkpointEvery,
    checkpointIntervalMs: config.audit.checkpointIntervalSeconds * 1000,
  });
  return {
    store,
    audit: audit.log,
    close() {
      audit.log.close();
      store.close();
    },
  };
}

/**
 * The vault without the gateway, for the CLI verbs (vault-set, vault-list, vault-rotate): the same
 * factories, database, audit chain and master key as the running gateway. Its rotation schedule is
 * not started.
 */
export async function openVaultOffline(
  modules: OfflineModules,
  config: OtConfig,
  deps: OfflineDeps,
): Promise<OfflineVault> {
  await initCrypto();
  const policy = createPolicyLoader({ protocols: modules.protocols }).open(config.policyFile);
  const masterKey = loadOrCreateVaultKey(vaultKeyPath(config));
  const { store, audit, close } = openOffline(config, deps);
  const vault = createVault({
    store: store.vault,
    audit,
    clock: deps.clock,
    log: silentLogger,
    site: config.site,
    masterKey,
    policy: () => policy,
    protocols: modules.protocols,
  });
  return { site: config.site, vault: vault.credentials, rotation: vault.rotation, policy, close };
}

/** OT owners' passkeys without a running gateway (`airlock-ot owner ...`): same database and chain. */
export async function openOwnersOffline(
  modules: OfflineModules,
  config: OtConfig,
  deps: OfflineDeps,
): Promise<OfflineOwners> {
  await initCrypto();
  const policy = createPolicyLoader({ protocols: modules.protocols }).open(config.policyFile);
  const { store, audit, close } = openOffline(config, deps);
  const owners = createOwners({ store, audit, clock: deps.clock, site: config.site });
  return {
    site: config.site,
    owners,
    keys: store.ownerKeys,
    approvalMode: policy.approvals.mode,
    close,
  };
}

/**
 * Discovery without the gateway, for `airlock-ot discover`: the same database and audit chain as
 * the running gateway, the probe scope of the local policy.
 */
export async function openDiscoveryOffline(
  modules: OfflineModules,
  config: OtConfig,
  deps: OfflineDeps & { readonly probes?: Record<DiscoveryProtocol, ProtocolProbe> },
): Promise<OfflineDiscovery> {
  await initCrypto();
  const policies = createPolicyLoader({ protocols: modules.protocols });
  const policy = policies.open(config.policyFile);
  const { store, audit, close } = openOffline(config, deps);
  const discovery = createDiscovery({
    scope: policy.discovery,
    probes: deps.probes ?? modules.probes(config.dataDir),
    store: store.discovery,
    audit,
    clock: deps.clock,
    ids: deps.ids,
    site: config.site,
    policyFile: config.policyFile,
    policies,
  });
  return { discovery, audit, close };
}
