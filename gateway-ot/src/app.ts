/**
 * The OT gateway's composition root: loads the local policy, opens the database and audit log,
 * loads (or creates) the gateway's Ed25519 identity, and wires the services. It opens no inbound
 * listener: everything it does with the IT side goes over connections it dials itself.
 */
import { join } from 'node:path';
import { AuditLog } from '../../shared/src/audit/audit-log.js';
import type { Clock, TimerHandle } from '../../shared/src/clock.js';
import { AirlockError } from '../../shared/src/errors.js';
import type { IdGenerator } from '../../shared/src/ids.js';
import type { Logger } from '../../shared/src/log.js';
import { formatProblems } from '../../shared/src/result.js';
import type { Db } from '../../shared/src/store/open-database.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { loadOrCreateSigningKey } from '../../shared/src/crypto/key-file.js';
import type { SigningKeyPair } from '../../shared/src/crypto/signing.js';
import { AIRLOCK_VERSION } from '../../shared/src/version.js';
import type { OtConfig } from './config/ot-config.js';
import { loadLocalPolicy, type LocalPolicy } from './policy/local-policy.js';
import { openOtDatabase } from './store/ot-database.js';
import { GatewayStateStore } from './store/gateway-state-store.js';
import { TicketNonceStore } from './store/ticket-nonce-store.js';
import { grantPublicKeyOf, readEnrollment } from './store/enrollment-store.js';
import { buildCatalogue } from './policy/asset-catalogue.js';
import { Lockdown, describeLockdown } from './grants/lockdown.js';
import { TicketVerifier } from './grants/ticket-verifier.js';
import { SessionManager } from './sessions/session-manager.js';
import type { ProtocolBroker } from './sessions/protocol-broker.js';
import { createModbusBroker } from './protocols/modbus/modbus-broker.js';
import { AuditOutbox } from './audit/audit-outbox.js';
import { LinkClient, type LinkCommandHandler } from './link/link-client.js';
import { RecordingShipper, type RecordingOutbox } from './link/recording-shipper.js';
import { recordingOutboxOf } from './link/recording-outbox.js';
import { ReviewRequests } from './link/review-requests.js';
import { loadOrCreateVaultKey, openVault, type Vault } from './vault/vault.js';
import { createSshBroker } from './protocols/ssh/ssh-broker.js';
import { createRotation, type Rotation } from './vault/rotation.js';
import { rotationTargetOf } from './vault/rotation-targets.js';
import { createRecordings, type Recordings } from './recording/recordings.js';
import type { Protocol } from '../../shared/src/model/session-ticket.js';
import { omitUndefined } from '../../shared/src/omit-undefined.js';

export interface OtDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  /** One broker per protocol this gateway brokers (default: defaultBrokers(); the SSH broker over the vault is added when none is given for ssh); sessions for other protocols are refused. */
  readonly brokers?: readonly ProtocolBroker[];
  /** For tests: where session recordings are shipped from (default: the recording store). */
  readonly recordingOutbox?: RecordingOutbox;
  /** For tests: the jitter source of the reconnect backoff. */
  readonly random?: () => number;
}

/** The brokers a running gateway registers: one per protocol it can broker. */
export function defaultBrokers(): ProtocolBroker[] {
  return [createModbusBroker()];
}

/** How often the running gateway re-reads the lockdown switches (the CLI may change them). */
export const LOCKDOWN_POLL_MS = 1_000;

export interface OtServices {
  readonly config: OtConfig;
  readonly policy: LocalPolicy;
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
  /** The SSH broker, for the link to hand `ssh-session` tickets to. */
  readonly sshBroker: ProtocolBroker;
  /** Credential rotation: on check-in, after break-glass sessions, on its schedule (started with the gateway). */
  readonly rotation: Rotation;
  /** Lines held by the SSH command filter, waiting for an OT owner's decision over the link. */
  readonly reviews: ReviewRequests;
}

export interface OtGateway {
  readonly services: OtServices;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function identityKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'ot-identity.key');
}

export function vaultKeyPath(config: OtConfig): string {
  return config.vault.masterKeyFile ?? join(config.dataDir, 'keys', 'vault-master.key');
}

function auditLogFor(
  config: OtConfig,
  db: Db,
  identity: SigningKeyPair,
  deps: Pick<OtDeps, 'clock' | 'ids'>,
): AuditLog {
  return new AuditLog({
    db,
    clock: deps.clock,
    ids: deps.ids,
    signingKey: identity,
    checkpointEvery: config.audit.checkpointEvery,
    checkpointIntervalMs: config.audit.checkpointIntervalSeconds * 1000,
  });
}

export interface OfflineVault {
  readonly site: string;
  readonly vault: Vault;
  readonly policy: LocalPolicy;
  readonly audit: AuditLog;
  close(): void;
}

/**
 * The vault without the gateway, for the CLI verbs (vault-set, vault-list, vault-rotate): the same
 * database, audit chain (WAL; appends are serialized by SQLite) and master key as the running gateway.
 */
export async function openOfflineVault(
  config: OtConfig,
  deps: Pick<OtDeps, 'clock' | 'ids'>,
): Promise<OfflineVault> {
  await initCrypto();
  const policyResult = loadLocalPolicy(config.policyFile);
  if (!policyResult.ok) {
    throw new AirlockError(
      'bad_request',
      'policy.invalid',
      `local policy ${config.policyFile} is invalid: ${formatProblems(policyResult.error)}`,
    );
  }
  const masterKey = loadOrCreateVaultKey(vaultKeyPath(config));
  const identity = loadOrCreateSigningKey(identityKeyPath(config.dataDir));
  const db = openOtDatabase(config.dataDir);
  const audit = auditLogFor(config, db, identity, { clock: deps.clock, ids: deps.ids });
  const vault = openVault({ db, audit, clock: deps.clock, site: config.site, masterKey });
  return {
    site: config.site,
    vault,
    policy: policyResult.value,
    audit,
    close() {
      audit.close();
      db.close();
    },
  };
}

export async function createOtGateway(config: OtConfig, deps: OtDeps): Promise<OtGateway> {
  await initCrypto();
  const policyResult = loadLocalPolicy(config.policyFile);
  if (!policyResult.ok) {
    throw new AirlockError(
      'bad_request',
      'policy.invalid',
      `local policy ${config.policyFile} is invalid: ${formatProblems(policyResult.error)}`,
    );
  }
  const policy = policyResult.value;
  const identity = loadOrCreateSigningKey(identityKeyPath(config.dataDir));
  const masterKey = loadOrCreateVaultKey(vaultKeyPath(config));
  const db = openOtDatabase(config.dataDir);
  const audit = auditLogFor(config, db, identity, deps);
  const vault = openVault({ db, audit, clock: deps.clock, site: config.site, masterKey });
  const recordings = createRecordings({
    db,
    audit,
    clock: deps.clock,
    ids: deps.ids,
    site: config.site,
    dir: join(config.dataDir, 'recordings'),
  });
  // Lines the SSH command filter holds for review go to the site's OT owners over the link.
  const reviews = new ReviewRequests({
    clock: deps.clock,
    ids: deps.ids,
    log: deps.log.child({ component: 'reviews' }),
  });
  const sshBroker = createSshBroker({
    credentials: vault,
    recordings,
    requestReview: (session, line, why, timeoutMs) =>
      reviews.request(session, line, why, timeoutMs),
  });
  const rotation = createRotation({
    vault,
    audit,
    clock: deps.clock,
    log: deps.log.child({ component: 'rotation' }),
    site: config.site,
    targetOf: (a) => rotationTargetOf(policy, a),
    assets: () => Object.keys(policy.assets),
  });
  vault.onCheckIn((n) => rotation.onCheckIn(n));
  const state = new GatewayStateStore(db);
  const lockdown = new Lockdown({ db, state, audit, clock: deps.clock, site: config.site });
  const brokers = new Map<Protocol, ProtocolBroker>();
  const given = deps.brokers ?? defaultBrokers();
  // The OPC UA broker is built here when the policy has OPC UA assets and no test supplied one;
  // imported only then, because loading node-opcua costs seconds of CPU.
  const hasOpcua = Object.values(policy.assets).some((a) => a.protocol === 'opcua');
  const opcua =
    hasOpcua && !given.some((b) => b.protocol === 'opcua')
      ? (await import('./protocols/opcua/opcua-broker.js')).createOpcuaBroker({
          pkiDir: join(config.dataDir, 'opcua-pki'),
          credentials: vault,
        })
      : undefined;
  for (const b of [...given, ...(opcua === undefined ? [] : [opcua])]) {
    if (brokers.has(b.protocol))
      throw new AirlockError(
        'internal',
        'broker.duplicate',
        `two brokers registered for ${b.protocol}`,
      );
    brokers.set(b.protocol, b);
  }
  if (!brokers.has('ssh')) brokers.set('ssh', sshBroker);
  const verifier = new TicketVerifier({
    db,
    audit,
    nonces: new TicketNonceStore(db),
    clock: deps.clock,
    site: config.site,
  });
  const sessions = new SessionManager({
    audit,
    clock: deps.clock,
    log: deps.log.child({ component: 'sessions' }),
    site: config.site,
    policy,
    brokers,
    verifier,
    lockdown,
    grantPublicKey: () => grantPublicKeyOf(readEnrollment(state)),
  });
  const outbox = new AuditOutbox({ audit, state, clock: deps.clock });
  const catalogue = buildCatalogue(policy);
  // The IT side's commands, carried out with the OT gateway's own services and checks.
  const commands: LinkCommandHandler = {
    open: async (ticket) => {
      const r = await sessions.open(ticket, (sessionId) => link.dialData(sessionId));
      return r.ok ? { ok: true } : r;
    },
    endSession: (sessionId, reason) =>
      sessions.end(sessionId, reason)
        ? { ok: true }
        : { ok: false, code: 'session.not_found', reason: `no live session ${sessionId}` },
    endGrant: (grantId, reason) => {
      sessions.endGrant(grantId, reason);
      return { ok: true };
    },
    lockdown: (on, reason) => {
      lockdown.set('it', on, reason, 'it-gateway');
      if (on) sessions.endAll(describeLockdown(lockdown.status()));
      return { ok: true };
    },
  };
  const link: LinkClient = new LinkClient({
    clock: deps.clock,
    log: deps.log.child({ component: 'link' }),
    audit,
    site: config.site,
    identity,
    enrollment: () => readEnrollment(state),
    catalogue: () => catalogue,
    outbox,
    recordings: new RecordingShipper({
      outbox: deps.recordingOutbox ?? recordingOutboxOf(recordings),
      log: deps.log.child({ component: 'recording-shipper' }),
    }),
    reviews,
    commands,
    reconnectInitialMs: config.link.reconnectMinSeconds * 1000,
    reconnectMaxMs: config.link.reconnectMaxSeconds * 1000,
    connectTimeoutMs: config.link.connectTimeoutSeconds * 1000,
    enrollmentPollMs: config.link.enrollmentPollSeconds * 1000,
    ...omitUndefined({ random: deps.random }),
  });
  const services: OtServices = {
    config,
    policy,
    db,
    audit,
    identity,
    state,
    lockdown,
    sessions,
    outbox,
    link,
    vault,
    recordings,
    sshBroker,
    rotation,
    reviews,
  };
  const actor = `system:ot:${config.site}`;
  let unsubscribe: (() => void) | undefined;
  let lockdownWatch: TimerHandle | undefined;
  let started = false;
  let stopped = false;
  return {
    services,
    async start() {
      audit.appendMany([
        {
          action: 'gateway.start',
          actor,
          site: config.site,
          outcome: 'success',
          details: { version: AIRLOCK_VERSION },
        },
        {
          action: 'config.load',
          actor,
          site: config.site,
          outcome: 'success',
          details: {
            policyFile: config.policyFile,
            policySha256: policy.hash,
            assets: Object.keys(policy.assets).sort(),
          },
        },
      ]);
      const recovered = recordings.recover();
      if (recovered.length > 0)
        deps.log.warn('recordings left open by a crash were closed', {
          recordings: recovered.map((r) => r.id),
        });
      started = true;
      unsubscribe = audit.onAppend(() => link.pump());
      lockdownWatch = deps.clock.setInterval(() => {
        const status = lockdown.status();
        if (status.locked && sessions.liveCount > 0) sessions.endAll(describeLockdown(status));
      }, LOCKDOWN_POLL_MS);
      link.start();
      rotation.start();
      deps.log.info('OT gateway started', {
        site: config.site,
        assets: Object.keys(policy.assets).length,
        version: AIRLOCK_VERSION,
        enrolled: readEnrollment(state) !== undefined,
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      lockdownWatch?.cancel();
      await sessions.stop('the OT gateway is stopping');
      await rotation.stop();
      await opcua?.close();
      await link.stop();
      unsubscribe?.();
      if (started)
        audit.append({ action: 'gateway.stop', actor, site: config.site, outcome: 'success' });
      audit.close();
      db.close();
    },
  };
}
