/**
 * The OT gateway's composition root: reads its keys and the local policy, opens the database, and
 * builds each subsystem once, in order, from what was built before it (one factory per subsystem,
 * each imported from its entry module). It opens no inbound listener: everything it does with the
 * IT side goes over connections it dials itself.
 *
 * The protocols plug in here, one line each in OT_PROTOCOLS: a protocol module hands the policy
 * loader its asset schema, the vault the rotation target of its accounts (if any), and the sessions
 * its broker factory. A fourth protocol is one folder under protocols/ and one line below.
 * What the offline CLI verbs open (vault, owners, discovery) is offline-open.ts, given the same list.
 */
import { createMetrics, type OtMetrics } from './metrics/metrics.js';
import { join } from 'node:path';
import type { Clock } from '../../shared/src/clock.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { loadOrCreateSigningKey } from '../../shared/src/crypto/key-file.js';
import type { SigningKeyPair } from '../../shared/src/crypto/signing.js';
import type { IdGenerator } from '../../shared/src/ids.js';
import type { Logger } from '../../shared/src/log.js';
import type { AuditLog } from '../../shared/src/audit/audit-log.js';
import { omitUndefined } from '../../shared/src/omit-undefined.js';
import type { Db } from '../../shared/src/store/open-database.js';
import { AIRLOCK_VERSION } from '../../shared/src/version.js';
import { createAudit, type AuditOutbox } from './audit/audit.js';
import type { OfflineOwners, OfflineVault } from './cli/cli.js';
import type { OtConfig } from './config/config.js';
import { createFirewall, type Resolver } from './firewall/firewall.js';
import { createGrants, type Lockdown } from './grants/grants.js';
import { createOwners, publishedApprovals, type Owners } from './owners/owners.js';
import { createLearning, type Learning } from './learning/learning.js';
import { createLearningReport } from './learning-report/learning-report.js';
import { createLink, type LinkClient } from './link/link.js';
import {
  createLivePolicy,
  createPolicyLoader,
  type LivePolicy,
  type LocalPolicy,
} from './policy/policy.js';
import { modbusProtocol, probeModbus } from './protocols/modbus/modbus.js';
import { createOpcuaProbe, opcuaProtocol } from './protocols/opcua/opcua.js';
import { probeSsh, sshProtocol } from './protocols/ssh/ssh.js';
import type { DiscoveryProtocol, ProtocolProbe } from '../../shared/src/model/discovery.js';
import { MAX_PUBLISHED_PROPOSALS } from '../../shared/src/link/control-messages.js';
import { sha256Hex } from '../../shared/src/crypto/hash.js';
import { tuneHeapGrowth } from '../../shared/src/runtime/heap-growth.js';
import { createRecordings, type RecordingOutbox, type Recordings } from './recording/recording.js';
import {
  createSessions,
  type ProtocolBroker,
  type ProtocolModule,
  type ReviewRequests,
  type SessionManager,
} from './sessions/sessions.js';
import { createStore, type GatewayStateStore } from './store/store.js';
import { createVault, loadOrCreateVaultKey, type Rotation, type Vault } from './vault/vault.js';
import {
  identityKeyPath,
  openDiscoveryOffline,
  openOwnersOffline,
  openVaultOffline,
  vaultKeyPath,
  type OfflineDeps,
  type OfflineDiscovery,
  type OfflineModules,
} from './offline-open.js';

export { identityKeyPath, vaultKeyPath } from './offline-open.js';

/** The protocols this gateway can broker, one line each (policy errors list them in this order). */
export const OT_PROTOCOLS: readonly ProtocolModule[] = [sshProtocol, modbusProtocol, opcuaProtocol];

/** Each protocol's discovery probe, one line each (the OPC UA probe keeps its PKI in the data folder). */
export function otProbes(dataDir: string): Record<DiscoveryProtocol, ProtocolProbe> {
  return {
    ssh: probeSsh,
    modbus: probeModbus,
    opcua: createOpcuaProbe(join(dataDir, 'pki', 'discovery')),
  };
}

/** How often the running gateway looks for new discovery results and learning status to publish. */
const DISCOVERY_PUBLISH_CHECK_MS = 5000;

export interface OtDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  /** For tests: fakes, each replacing the broker its protocol's module would build. */
  readonly brokers?: readonly ProtocolBroker[];
  /** For tests: where session recordings are shipped from (default: the recordings' own outbox). */
  readonly recordingOutbox?: RecordingOutbox;
  /** For tests: the jitter source of the reconnect backoff. */
  readonly random?: () => number;
  /** For tests: how the firewall resolves policy hostnames (default: getaddrinfo). */
  readonly resolve?: Resolver;
}

export interface OtServices {
  readonly config: OtConfig;
  /** The policy in force (after a reload, the new one). */
  readonly policy: LocalPolicy;
  /** Reloads the policy file without a restart (SIGHUP, the file watch). */
  readonly livePolicy: LivePolicy;
  readonly db: Db;
  readonly audit: AuditLog;
  /** The gateway's identity: proves it to the IT side and signs its audit checkpoints. */
  readonly identity: SigningKeyPair;
  readonly state: GatewayStateStore;
  readonly lockdown: Lockdown;
  readonly sessions: SessionManager;
  readonly outbox: AuditOutbox;
  readonly link: LinkClient;
  /** Target credentials, sealed under the master key file. */
  readonly vault: Vault;
  /** Session recordings (asciicast v2 files) and their store-and-forward API for the link. */
  readonly recordings: Recordings;
  /** Credential rotation: on check-in, after break-glass, on its schedule (once started). */
  readonly rotation: Rotation;
  /** Lines the brokers hold (the SSH command filter) for an OT owner's decision over the link. */
  readonly reviews: ReviewRequests;
  /** Prometheus /metrics on its own listener (none without a `metrics` section). */
  readonly metrics: OtMetrics;
  /** OT owners' passkeys (owner-signed approvals): enrollment and signature checks. */
  readonly owners: Owners;
  /** Learn mode and the policy proposals made from it (docs/policy.md). */
  readonly learning: Learning;
}

export interface OtGateway {
  readonly services: OtServices;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The offline openers get this gateway's protocol list and probes (offline-open.ts). */
const OFFLINE_MODULES: OfflineModules = { protocols: OT_PROTOCOLS, probes: otProbes };

/** The vault without the gateway, for the CLI verbs (vault-set, vault-list, vault-rotate). */
export const openOfflineVault = (config: OtConfig, deps: OfflineDeps): Promise<OfflineVault> =>
  openVaultOffline(OFFLINE_MODULES, config, deps);

/** OT owners' passkeys without a running gateway (`airlock-ot owner ...`). */
export const openOfflineOwners = (config: OtConfig, deps: OfflineDeps): Promise<OfflineOwners> =>
  openOwnersOffline(OFFLINE_MODULES, config, deps);

/** Discovery without the gateway, for `airlock-ot discover`. */
export const openDiscovery = (
  config: OtConfig,
  deps: OfflineDeps & { readonly probes?: Record<DiscoveryProtocol, ProtocolProbe> },
): Promise<OfflineDiscovery> => openDiscoveryOffline(OFFLINE_MODULES, config, deps);

export async function createOtGateway(config: OtConfig, deps: OtDeps): Promise<OtGateway> {
  const { clock, ids, log } = deps;
  const site = config.site;
  tuneHeapGrowth();
  await initCrypto();
  const policies = createPolicyLoader({ protocols: OT_PROTOCOLS });
  const policy = policies.open(config.policyFile);
  // The policy loader's hook for the host firewall: a policy address no rule can name safely stops
  // the gateway here, with the same problems `airlock-ot firewall render` prints.
  const firewall =
    config.firewall === undefined
      ? undefined
      : createFirewall({
          config: config.firewall,
          policyFile: config.policyFile,
          ...omitUndefined({ resolve: deps.resolve }),
        });
  const ruleset = await firewall?.prepare(policy);
  const identity = loadOrCreateSigningKey(identityKeyPath(config.dataDir));
  const masterKey = loadOrCreateVaultKey(vaultKeyPath(config));
  const store = createStore({ dataDir: config.dataDir });
  const audit = createAudit({
    store,
    identity,
    clock,
    ids,
    checkpointEvery: config.audit.checkpointEvery,
    checkpointIntervalMs: config.audit.checkpointIntervalSeconds * 1000,
  });
  const live = createLivePolicy({
    initial: policy,
    policyFile: config.policyFile,
    load: (path) => policies.load(path),
    audit: audit.log,
    clock,
    log: log.child({ component: 'policy' }),
    site,
    // The firewall must be able to name every address of a new policy, as at start.
    check: (next) => firewall?.prepare(next),
  });
  const vault = createVault({
    store: store.vault,
    audit: audit.log,
    clock,
    log: log.child({ component: 'rotation' }),
    site,
    masterKey,
    policy: live.current,
    protocols: OT_PROTOCOLS,
  });
  const recordings = createRecordings({
    store: store.recordings,
    audit: audit.log,
    clock,
    ids,
    site,
    dir: join(config.dataDir, 'recordings'),
  });
  const grants = createGrants({ store, audit: audit.log, clock, site });
  const owners = createOwners({ store, audit: audit.log, clock, site });
  const learning = createLearning({
    store: store.learning,
    db: store.db,
    audit: audit.log,
    clock,
    ids,
    site,
    policy,
    policyFile: config.policyFile,
    checkPolicy: (json, hash) => policies.parse(json, hash),
  });
  const learningReport = createLearningReport({
    learning,
    store: store.learningReview,
    db: store.db,
    policySha256: policy.hash,
  });
  const sessions = await createSessions({
    protocols: OT_PROTOCOLS,
    brokers: deps.brokers ?? [],
    policy: live.current,
    grants,
    owners,
    audit: audit.log,
    clock,
    ids,
    log,
    site,
    grantPublicKey: () => store.enrollment.grantPublicKey(),
    credentials: vault.credentials,
    recordings,
    dataDir: config.dataDir,
    openSessions: store.openSessions,
    learning,
  });
  const link = createLink({
    clock,
    log: log.child({ component: 'link' }),
    audit: audit.log,
    site,
    identity,
    enrollment: store.enrollment,
    catalogue: () => policies.catalogue(live.current()),
    approvals: () => publishedApprovals(live.current().approvals, store.ownerKeys.keys()),
    discovery: () => store.discovery.list(MAX_PUBLISHED_PROPOSALS).map(({ runId: _r, ...p }) => p),
    learning: () => learningReport.status(),
    outbox: audit.outbox,
    recordings: deps.recordingOutbox ?? recordings.outbox,
    reviews: sessions.reviews,
    commands: sessions.commands,
    linkState: sessions.linkState,
    reconnectInitialMs: config.link.reconnectMinSeconds * 1000,
    reconnectMaxMs: config.link.reconnectMaxSeconds * 1000,
    connectTimeoutMs: config.link.connectTimeoutSeconds * 1000,
    enrollmentPollMs: config.link.enrollmentPollSeconds * 1000,
    ...omitUndefined({ random: deps.random }),
  });
  const metrics = createMetrics({
    config,
    audit: audit.log,
    sessions: sessions.live,
    link,
    auditPending: () => audit.outbox.pending,
    recordingsUnsent: () => recordings.listUnsent().length,
    log: log.child({ component: 'metrics' }),
  });
  const services: OtServices = {
    config,
    get policy() {
      return live.current();
    },
    livePolicy: live,
    db: store.db,
    audit: audit.log,
    identity,
    state: store.state,
    lockdown: grants.lockdown,
    sessions: sessions.live,
    outbox: audit.outbox,
    link,
    vault: vault.credentials,
    recordings,
    rotation: vault.rotation,
    reviews: sessions.reviews,
    metrics,
    owners,
    learning: learningReport.learning,
  };
  const actor = `system:ot:${site}`;
  let unsubscribe: (() => void) | undefined;
  let started = false;
  let stopped = false;
  let followFirewall: { close(): void } | undefined;
  let discoveryWatch: { cancel(): void } | undefined;
  let policyWatch: { close(): void } | undefined;
  const firewallAudit = { audit: audit.log, log, actor, site };
  // Every consumer that holds more than `live.current` follows a reload here.
  live.onChange(async (next) => {
    await sessions.addBrokers();
    link.publishCatalogue();
    if (firewall === undefined) return;
    const rules = await firewall.prepare(next);
    if (firewall.config.mode === 'apply') return firewall.enforce(rules, firewallAudit);
    // External: the root unit loads the new rules on its own; the follow audits that load as this
    // policy's. Already loaded (the unit was first): audited now, as at start.
    followFirewall?.close();
    followFirewall = firewall.follow(rules, firewallAudit);
    if (firewall.fileSha256() === rules.sha256) await firewall.enforce(rules, firewallAudit);
  });
  return {
    services,
    async start() {
      audit.log.appendMany([
        {
          action: 'gateway.start',
          actor,
          site,
          outcome: 'success',
          details: { version: AIRLOCK_VERSION },
        },
        {
          action: 'config.load',
          actor,
          site,
          outcome: 'success',
          details: {
            policyFile: config.policyFile,
            policySha256: policy.hash,
            assets: Object.keys(policy.assets).sort(),
          },
        },
      ]);
      if (firewall !== undefined && ruleset !== undefined) {
        await firewall.enforce(ruleset, firewallAudit);
        if (firewall.config.mode === 'external')
          followFirewall = firewall.follow(ruleset, firewallAudit);
      }
      const recovered = recordings.recover();
      if (recovered.length > 0)
        log.warn('recordings left open by a crash were closed', {
          recordings: recovered.map((r) => r.id),
        });
      started = true;
      unsubscribe = audit.log.onAppend(() => link.pump());
      const cut = sessions.start();
      if (cut.length > 0)
        log.warn('sessions cut by a crash were closed (session.end, reason gateway_crash)', {
          sessions: cut,
        });
      link.start();
      // `airlock-ot discover` and `policy learn|propose|apply` run in their own processes and write
      // the same database: publish their results when they change (a cheap read every few seconds;
      // no cross-process signal needed).
      let discoveryDigest = '';
      let learningDigest = '';
      discoveryWatch = clock.setInterval(() => {
        const digest = sha256Hex(JSON.stringify(store.discovery.list(MAX_PUBLISHED_PROPOSALS)));
        if (digest !== discoveryDigest) link.publishDiscovery();
        discoveryDigest = digest;
        const learningNow = sha256Hex(JSON.stringify(learningReport.status()));
        if (learningNow !== learningDigest) link.publishLearning();
        learningDigest = learningNow;
      }, DISCOVERY_PUBLISH_CHECK_MS);
      vault.rotation.start();
      policyWatch = live.watch();
      const metricsPort = await metrics.start();
      if (metricsPort !== undefined) log.info('metrics listening', { port: metricsPort });
      log.info('OT gateway started', {
        site,
        assets: Object.keys(policy.assets).length,
        version: AIRLOCK_VERSION,
        enrolled: store.enrollment.read() !== undefined,
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await sessions.stop('the OT gateway is stopping');
      await vault.rotation.stop();
      discoveryWatch?.cancel();
      policyWatch?.close();
      await link.stop();
      await metrics.stop();
      followFirewall?.close();
      unsubscribe?.();
      if (started) audit.log.append({ action: 'gateway.stop', actor, site, outcome: 'success' });
      audit.log.close();
      store.close();
    },
  };
}
