/**
 * The OPC UA broker: terminates the operator's OPC UA connection and relays to the plant server
 * under the access profile (DESIGN.md §6). For each forwarded TCP connection the link layer hands
 * over, it checks the plant password out of the vault (checked in when the session ends; both
 * audited by the vault), opens a plant session with it (certificate pinned), builds the
 * session's view of the allowed nodes in a broker-owned OPC UA server, and connects the operator's
 * byte stream to that server, in process, through the framing guard.
 *
 * Guarantees: one view, one server and one plant session per brokered session, all closed when
 * the session ends for any reason (operator gone, plant gone, `session.signal`, malformed traffic);
 * malformed framing closes the channel and is audited as `opcua.malformed`; limits are audited as
 * `opcua.limit`; the broker itself stays up. Why a server per session: node-opcua has one address
 * space per server, and the view differs per profile; a server start costs about 0.7 s of CPU, once
 * per forwarded connection (see docs/opcua.md).
 *
 * The operator's bytes (first chunk, framing guard, in-process connection, relay) are opcua-operator-relay.ts's job.
 * Not guaranteed: see opcua-mirror.ts, opcua-operations.ts and opcua-session-server.ts.
 */
import { join } from 'node:path';
import { AirlockError, describeError } from '../../../../shared/src/errors.js';
import type { CredentialLease, CredentialSource } from '../../vault/vault.js';
import type {
  BrokerSession,
  OperatorChannel,
  ProfileLearning,
  ProtocolBroker,
  SessionEnd,
} from '../../sessions/sessions.js';
import { createFrameGuard, type FrameGuard } from './opcua-frame-guard.js';
import { buildMirror } from './opcua-mirror.js';
import { createOpcuaLearnHook } from './opcua-learn-hook.js';
import { createOperationHooks } from './opcua-operations.js';
import {
  connectPlant,
  createPlantCertificateManager,
  type PlantConnection,
  type PlantCredential,
} from './opcua-plant-client.js';
import {
  compileProfile,
  isOpcuaAsset,
  type OpcuaAssetPolicy,
  type OpcuaProfile,
} from './opcua-policy.js';
import { MAX_CHUNK_BYTES, startSessionServer, type SessionServer } from './opcua-session-server.js';
import { checkFrames, firstBytes, relay } from './opcua-operator-relay.js';

export interface OpcuaBrokerDeps {
  /** The broker's PKI folder inside the OT data dir (plant client and operator-facing server). */
  readonly pkiDir: string;
  /** The vault: an asset's plant password (account = the asset's `username`) for one session; never logged. */
  readonly credentials: CredentialSource;
  /** Concurrent OPC UA sessions across all assets; default 16. */
  readonly maxConcurrentSessions?: number;
  /** How long the plant may take to answer while a session opens; default 10 s. */
  readonly plantTimeoutMs?: number;
  /** Most plant nodes explored to build a view; default 5,000. */
  readonly maxViewNodes?: number;
  /** An operator connection with no traffic either way this long ends; default 10 min. */
  readonly idleTimeoutMs?: number;
  /** Learn mode (opcua-learn-hook.ts); absent (tests of the broker alone): every profile enforces. */
  readonly learning?: ProfileLearning;
}

export interface OpcuaBroker extends ProtocolBroker {
  /** Sessions open now. */
  activeSessions(): number;
  /** Releases the PKI handle; open sessions are ended through their signals by the caller. */
  close(): Promise<void>;
}

export function createOpcuaBroker(deps: OpcuaBrokerDeps): OpcuaBroker {
  const maxSessions = deps.maxConcurrentSessions ?? 16;
  const plantTimeoutMs = deps.plantTimeoutMs ?? 10_000;
  const plantCm = createPlantCertificateManager(join(deps.pkiDir, 'plant-client'));
  let pkiReady: Promise<void> | undefined;
  // Server starts are serialized: the first one creates the broker's certificate in pkiDir.
  let startQueue: Promise<unknown> = Promise.resolve();
  let active = 0;

  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = startQueue.then(fn, fn);
    startQueue = run.catch(() => undefined);
    return run;
  };

  async function run(session: BrokerSession, channel: OperatorChannel): Promise<SessionEnd> {
    const { asset, assetName } = session;
    if (!isOpcuaAsset(asset))
      throw new AirlockError(
        'internal',
        'opcua.wrong_protocol',
        `asset ${assetName} is not an OPC UA asset`,
      );
    const profile = asset.profiles[session.profileName];
    if (profile === undefined)
      throw new AirlockError(
        'access_denied',
        'opcua.no_profile',
        `asset ${assetName} has no profile ${session.profileName}`,
      );
    if (asset.serverCertificateSha256 === undefined) {
      session.audit({
        action: 'opcua.deny',
        target: assetName,
        outcome: 'denied',
        details: {
          service: 'session',
          reason: 'no pinned server certificate for this asset in the local policy',
        },
      });
      return { reason: 'no pinned server certificate' };
    }
    // The operator's first bytes are checked before anything costly (plant login, a server) starts.
    const guard = createFrameGuard({
      maxChunkBytes: MAX_CHUNK_BYTES,
      maxMessageBytes: profile.limits.maxMessageBytes,
    });
    const first = await firstBytes(channel, plantTimeoutMs, session.signal);
    if (first === undefined) return { reason: 'the operator sent nothing' };
    if (!checkFrames(session, guard, first)) return { reason: 'malformed OPC UA message' };
    // An asset with a user name logs in with the vault's password; one without, with the gateway's certificate.
    let lease: CredentialLease | undefined;
    if (asset.username !== undefined) {
      try {
        lease = deps.credentials.checkOut({
          asset: assetName,
          account: asset.username,
          sessionId: session.ticket.sessionId,
          user: session.ticket.user.name,
          breakGlass: session.ticket.breakGlass,
        });
      } catch (e) {
        if (e instanceof AirlockError && e.code === 'vault.no_secret')
          return { reason: 'no plant credential in the vault' };
        throw e;
      }
    }
    try {
      return await runWith(session, channel, {
        asset,
        pin: asset.serverCertificateSha256,
        profile,
        guard,
        first,
        lease,
      });
    } finally {
      lease?.checkIn();
    }
  }

  /** The session once its first bytes passed the guard and its plant credential (if any) is checked out. */
  async function runWith(
    session: BrokerSession,
    channel: OperatorChannel,
    o: {
      asset: OpcuaAssetPolicy;
      pin: string;
      profile: OpcuaProfile;
      guard: FrameGuard;
      first: Buffer;
      lease: CredentialLease | undefined;
    },
  ): Promise<SessionEnd> {
    const { assetName, log } = session;
    const { asset, pin, profile, guard, first, lease } = o;
    const credential = lease === undefined ? undefined : plantCredentialOf(lease);
    pkiReady ??= plantCm.initialize();
    await pkiReady;
    let plant: PlantConnection;
    try {
      plant = await connectPlant({
        endpointUrl: `opc.tcp://${asset.address.includes(':') ? `[${asset.address}]` : asset.address}:${asset.port}`,
        pinnedCertificateSha256: pin,
        credential,
        certificateManager: plantCm,
        timeoutMs: plantTimeoutMs,
        log,
      });
    } catch (e) {
      if (e instanceof AirlockError && e.code === 'opcua.server_certificate_mismatch') {
        session.audit({
          action: 'opcua.certificate_mismatch',
          target: assetName,
          outcome: 'denied',
          details: { ...e.details },
        });
      }
      throw e;
    }

    let server: SessionServer | undefined;
    let finish: (reason: string) => void = () => undefined;
    const ended = new Promise<string>((resolve) => {
      finish = resolve;
    });
    const limitSeen = new Set<string>();
    const auditLimit = (limit: string, service: string): void => {
      const key = `${limit}/${service}`;
      if (limitSeen.has(key)) return;
      limitSeen.add(key);
      try {
        session.audit({
          action: 'opcua.limit',
          target: assetName,
          outcome: 'denied',
          details: { limit, service },
        });
      } catch (e) {
        log.error('opcua limit could not be audited', { error: describeError(e) });
      }
    };
    try {
      plant.onLost(() => finish('the plant OPC UA connection was lost'));
      // A session that starts while its profile learns sees the learn ceiling's view.
      const learning = createOpcuaLearnHook(session, profile, deps.learning);
      const hooks = createOperationHooks({
        assetName,
        plant,
        learn: learning?.hook,
        audit: (event) => session.audit(event),
        onAuditFailure: (e) => {
          log.error('opcua action result could not be audited; ending the session', {
            error: describeError(e),
          });
          finish('audit failure');
        },
      });
      const compiled = learning?.view ?? compileProfile(profile);
      server = await serialized(() =>
        startSessionServer({
          pkiDir: join(deps.pkiDir, 'operator-server'),
          user: session.ticket.user.name,
          limits: profile.limits,
          advertisedPort: asset.port,
          build: async (addressSpace) => {
            const mirror = await buildMirror({
              plant,
              profile: compiled,
              addressSpace,
              hooks,
              maxNodes: deps.maxViewNodes ?? 5000,
              log,
            });
            log.info('opcua view built', {
              nodes: mirror.nodes.size,
              plantSecurity: plant.securityMode,
            });
          },
          onLimit: auditLimit,
          onRefused: (service, reason) => {
            try {
              session.audit({
                action: 'opcua.deny',
                target: assetName,
                outcome: 'denied',
                details: { service, reason },
              });
            } catch (e) {
              log.error('opcua identity refusal could not be audited', { error: describeError(e) });
            }
          },
        }),
      );
      if (session.signal.aborted)
        return { reason: String(session.signal.reason ?? 'session ended') };
      const reason = await relay({
        session,
        channel,
        server: server.opcua,
        first,
        ended,
        finish,
        guard,
        idleTimeoutMs: deps.idleTimeoutMs ?? 600_000,
      });
      return { reason };
    } finally {
      channel.stream.destroy();
      await server?.shutdown();
      await plant.close();
    }
  }

  return {
    protocol: 'opcua',
    activeSessions: () => active,
    async handle(session, channel) {
      channel.stream.on('error', (e) =>
        session.log.debug('opcua operator stream error', { error: describeError(e) }),
      );
      if (active >= maxSessions) {
        try {
          session.audit({
            action: 'opcua.limit',
            target: session.assetName,
            outcome: 'denied',
            details: { limit: 'maxConcurrentSessions', max: maxSessions },
          });
        } catch (e) {
          session.log.error('opcua limit could not be audited', { error: describeError(e) });
        }
        channel.stream.destroy();
        return { reason: 'too many OPC UA sessions on this gateway' };
      }
      active++;
      try {
        return await run(session, channel);
      } catch (e) {
        session.log.warn('opcua session failed', { error: describeError(e) });
        channel.stream.destroy();
        return { reason: e instanceof AirlockError ? e.message : 'the OPC UA session failed' };
      } finally {
        active--;
        channel.stream.destroy();
      }
    },
    async close() {
      await plantCm.dispose().catch(() => undefined);
    },
  };
}

/**
 * node-opcua takes the password as a string: it is decoded here, for this session only. Rotation is
 * an SSH matter, so an OPC UA account has one committed secret, the first candidate.
 */
function plantCredentialOf(lease: CredentialLease): PlantCredential {
  const secret = lease.candidates[0];
  if (secret === undefined || secret.kind !== 'password') {
    throw new AirlockError(
      'bad_request',
      'opcua.credential_kind',
      `the vault credential for ${lease.account} on ${lease.asset} must be a password for an OPC UA user login`,
    );
  }
  lease.confirm(0);
  return { username: lease.account, password: secret.bytes.toString('utf8') };
}
