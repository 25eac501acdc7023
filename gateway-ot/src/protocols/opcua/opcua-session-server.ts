/**
 * The operator-facing OPC UA server of one brokered session: a node-opcua server holding the session's view of the
 * plant (built by the caller between initialize and start), with the profile's limits.
 *
 * Guarantees: only a UserName identity whose name is the ticket's user activates a session (no
 * anonymous, no X.509 user token); a session can only be activated over the in-process connection
 * the broker made from the operator's channel (opcua-operator-relay.ts); node-opcua still listens on
 * an ephemeral 127.0.0.1 port, and any local process that finds it has its channel cut;
 * sessions, subscriptions, monitored items, array/string sizes and message sizes are capped; limit
 * refusals are reported to `onLimit`. The server's PKI lives under `pkiDir`, never in ~/.config.
 *
 * Not guaranteed: the UserName token's password is not checked (the operator proved who they are
 * at the IT gateway with MFA, and the ticket binds this connection to that user); the operator's
 * application certificate is accepted whatever it is (it identifies a program, not a person).
 */
import { join } from 'node:path';
import {
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  RegisterServerMethod,
  SecurityPolicy,
  StatusCodes,
  UserNameIdentityToken,
  WellKnownRoles,
  resolveNodeId,
  type AddressSpace,
  type EndpointDescription,
  type ServerSecureChannelLayer,
  type ServerSession,
  type SignatureData,
  type StatusCode,
  type UserIdentityToken,
} from 'node-opcua';
import { AirlockError } from '../../../../shared/src/errors.js';
import { isOperatorConnection } from './opcua-operator-relay.js';
import type { OpcuaProfileLimits } from './opcua-policy.js';

/** Largest chunk either side may send; the frame guard checks the operator's chunks against it. */
export const MAX_CHUNK_BYTES = 65_536;

/** Status codes that mean a limit of this server was reached. */
const LIMIT_CODES = new Set<number>([
  StatusCodes.BadTooManySessions.value,
  StatusCodes.BadTooManySubscriptions.value,
  StatusCodes.BadTooManyMonitoredItems.value,
  StatusCodes.BadTooManyOperations.value,
  StatusCodes.BadTcpMessageTooLarge.value,
  StatusCodes.BadRequestTooLarge.value,
  StatusCodes.BadResponseTooLarge.value,
  StatusCodes.BadEncodingLimitsExceeded.value,
]);

export interface SessionServerOptions {
  readonly pkiDir: string;
  readonly user: string;
  readonly limits: OpcuaProfileLimits;
  /** Port written into the endpoint URLs (the asset's port, which the operator forwards). */
  readonly advertisedPort: number;
  /** Fills the address space after initialize, before the server listens. */
  build(addressSpace: AddressSpace): Promise<void>;
  onLimit(statusName: string, service: string): void;
  /** A connection or identity was refused (`service`: `connection` or `ActivateSession`). */
  onRefused(service: string, reason: string): void;
}

export interface SessionServer {
  /** The node-opcua server, for the operator relay to connect the operator's channel to. */
  readonly opcua: OPCUAServer;
  shutdown(): Promise<void>;
}

type ValidityCallback = (err: Error | null, statusCode?: StatusCode) => void;

class BrokerOpcuaServer extends OPCUAServer {
  constructor(
    options: ConstructorParameters<typeof OPCUAServer>[0],
    private readonly check: (
      channel: ServerSecureChannelLayer,
      token: UserIdentityToken,
    ) => StatusCode | undefined,
  ) {
    super(options);
  }

  protected override isValidUserIdentityToken(
    channel: ServerSecureChannelLayer,
    session: ServerSession,
    token: UserIdentityToken,
    signature: SignatureData,
    endpoint: EndpointDescription,
    callback: ValidityCallback,
  ): void {
    const refusal = this.check(channel, token);
    if (refusal !== undefined) {
      callback(null, refusal);
      return;
    }
    super.isValidUserIdentityToken(channel, session, token, signature, endpoint, callback);
  }
}

function certificateManager(
  rootFolder: string,
  isAcceptingUnknown: boolean,
): OPCUACertificateManager {
  return new OPCUACertificateManager({
    rootFolder,
    automaticallyAcceptUnknownCertificate: isAcceptingUnknown,
    disableFileWatchers: true,
  });
}

export async function startSessionServer(options: SessionServerOptions): Promise<SessionServer> {
  const { limits } = options;
  const serverCm = certificateManager(join(options.pkiDir, 'server'), true);
  // No user certificate is trusted: X.509 user tokens are refused before they get here anyway.
  const userCm = certificateManager(join(options.pkiDir, 'user'), false);
  const server = new BrokerOpcuaServer(
    {
      host: '127.0.0.1',
      port: 0,
      hostname: 'localhost',
      alternateHostname: [],
      advertisedEndpoints: `opc.tcp://localhost:${options.advertisedPort}`,
      securityModes: [MessageSecurityMode.None, MessageSecurityMode.SignAndEncrypt],
      securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
      allowAnonymous: false,
      userManager: { isValidUser: (userName: string) => userName === options.user },
      serverCertificateManager: serverCm,
      userCertificateManager: userCm,
      registerServerMethod: RegisterServerMethod.HIDDEN,
      isAuditing: false,
      maxConnectionsPerEndpoint: limits.maxSessions + 1,
      serverCapabilities: {
        maxSessions: limits.maxSessions,
        maxSubscriptions: limits.maxSubscriptions,
        maxSubscriptionsPerSession: limits.maxSubscriptions,
        maxMonitoredItems: limits.maxMonitoredItems,
        maxMonitoredItemsPerSubscription: limits.maxMonitoredItems,
        maxArrayLength: 10_000,
        maxStringLength: 65_535,
        maxByteStringLength: limits.maxMessageBytes,
      },
      transportSettings: {
        adjustTransportLimits: (hello) => ({
          receiveBufferSize: Math.min(hello.receiveBufferSize || MAX_CHUNK_BYTES, MAX_CHUNK_BYTES),
          sendBufferSize: Math.min(hello.sendBufferSize || MAX_CHUNK_BYTES, MAX_CHUNK_BYTES),
          maxMessageSize: Math.min(
            hello.maxMessageSize || limits.maxMessageBytes,
            limits.maxMessageBytes,
          ),
          maxChunkCount:
            Math.min(hello.maxChunkCount || 0, Math.ceil(limits.maxMessageBytes / 1024)) ||
            Math.ceil(limits.maxMessageBytes / 1024),
        }),
      },
      serverInfo: {
        applicationUri: 'urn:airlock:ot-gateway:opcua-broker',
        productUri: 'urn:airlock',
        applicationName: { text: 'Airlock OPC UA broker', locale: 'en' },
      },
      buildInfo: {
        productName: 'Airlock OPC UA broker',
        manufacturerName: 'Airlock',
        softwareVersion: '0.1.0',
      },
    },
    (channel, token) => {
      if (!isOperatorConnection(channel)) {
        options.onRefused(
          'ActivateSession',
          "session activation from a connection other than the operator's channel",
        );
        return StatusCodes.BadUserAccessDenied;
      }
      if (!(token instanceof UserNameIdentityToken)) {
        options.onRefused(
          'ActivateSession',
          "only a UserName identity token naming the grant's user is accepted",
        );
        return StatusCodes.BadIdentityTokenRejected;
      }
      if (token.userName !== options.user) {
        options.onRefused('ActivateSession', "the UserName token does not name the grant's user");
        return StatusCodes.BadUserAccessDenied;
      }
      return undefined;
    },
  );
  // The one user's roles, given directly: node-opcua's default resolution asks the user manager
  // and its role resolvers (none here) on every permission check, and builds the session's
  // endpoint URL for them each time (an os.hostname() system call), twice per variable read.
  // The result is the same: an authenticated user and nothing more.
  const authenticated = resolveNodeId(WellKnownRoles.AuthenticatedUser);
  server.setRolePolicyOverride({
    getUserRoles: (userName) => (userName === options.user ? [authenticated] : null),
  });
  server.on('response', (response) => {
    const header = (response as { responseHeader?: { serviceResult?: StatusCode } }).responseHeader;
    const results = (response as { results?: unknown }).results;
    const codes: StatusCode[] = header?.serviceResult === undefined ? [] : [header.serviceResult];
    if (Array.isArray(results))
      for (const r of results as unknown[])
        if (r !== null && typeof r === 'object' && 'statusCode' in r)
          codes.push((r as { statusCode: StatusCode }).statusCode);
    for (const c of codes)
      if (LIMIT_CODES.has(c.value)) options.onLimit(c.name, response.schema.name);
  });
  server.on('connectionRefused', () => options.onLimit('BadTooManySessions', 'connection'));
  // Another local process that finds the port gets its channel cut as soon as it says Hello.
  server.on('newChannel', (channel) => {
    if (!isOperatorConnection(channel)) {
      options.onRefused(
        'connection',
        "a connection other than the operator's channel reached the session server",
      );
      channel.abruptlyInterrupt();
    }
  });
  try {
    await server.initialize();
    const addressSpace = server.engine.addressSpace;
    if (addressSpace === null)
      throw new AirlockError(
        'internal',
        'opcua.no_address_space',
        'node-opcua built no address space',
      );
    // No per-session diagnostics objects: node-opcua updates a session's diagnostics in the address
    // space on every request (two counters through extension-object setters), and creates a session
    // object for each; without this summary node it does neither (its own code allows for that).
    // The operator still sees the server's status and capabilities; the audit log is the record.
    const summary = addressSpace.rootFolder.objects.server.serverDiagnostics.getComponentByName(
      'SessionsDiagnosticsSummary',
    );
    if (summary !== null) addressSpace.deleteNode(summary);
    await options.build(addressSpace);
    await server.start();
  } catch (e) {
    // shutdown() does nothing for a server whose engine never started (a view that failed to
    // build, a session ended meanwhile): then its endpoints, engine and certificate managers are
    // released here, or each such session would keep them.
    if (server.engine.isStarted()) await server.shutdown(0).catch(() => undefined);
    else {
      server.dispose();
      await Promise.allSettled([serverCm.dispose(), userCm.dispose()]);
    }
    throw e instanceof AirlockError
      ? e
      : new AirlockError(
          'unavailable',
          'opcua.broker_server_failed',
          "the broker's OPC UA server could not start",
          { cause: e },
        );
  }
  let closing: Promise<void> | undefined;
  return {
    opcua: server,
    shutdown: () => {
      closing ??= server.shutdown(0).catch(() => undefined);
      return closing;
    },
  };
}
