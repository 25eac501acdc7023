/**
 * The broker's side towards the plant: one node-opcua client session per brokered session, logged
 * in with the vault credential, over the most secure endpoint the plant server offers among those
 * the broker supports (SignAndEncrypt, then Sign, then None), with the server's certificate pinned.
 *
 * Guarantees: no session is opened unless the certificate in the server's endpoint description has
 * the pinned SHA-256; over Sign or SignAndEncrypt the server then proves it holds that certificate's
 * key (the pinned certificate is the only one trusted for the channel). The client's own PKI lives
 * in the folder given, never in ~/.config. Reconnection is off: a lost plant connection ends the
 * session rather than silently replaying requests.
 *
 * Not guaranteed: over SecurityMode None nothing proves who answers (the pin is then checked
 * against an unauthenticated endpoint description); the broker logs a warning when it falls back.
 */
import './node-opcua-output.js';
import { createHash } from 'node:crypto';
import {
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  UserTokenType,
  type ClientSession,
  type EndpointDescription,
  type UserIdentityInfo,
} from 'node-opcua';
import { AirlockError } from '../../../../shared/src/errors.js';
import type { Logger } from '../../../../shared/src/log.js';
import { omitUndefined } from '../../../../shared/src/omit-undefined.js';

export interface PlantCredential {
  readonly username: string;
  readonly password: string;
}

export interface PlantConnectOptions {
  readonly endpointUrl: string;
  readonly pinnedCertificateSha256: string;
  /** User name and password from the vault; undefined: log in with the gateway's application certificate (X.509 user token). */
  readonly credential: PlantCredential | undefined;
  /** The gateway's client PKI (own certificate, trusted server certificates), initialized, owned by the caller. */
  readonly certificateManager: OPCUACertificateManager;
  readonly timeoutMs: number;
  readonly log: Logger;
}

export interface PlantConnection {
  readonly session: ClientSession;
  readonly securityMode: string;
  /** The plant's namespace table, index → URI. */
  readonly namespaceArray: readonly string[];
  /** Called once when the plant connection is lost (not when closed by us). */
  onLost(listener: () => void): void;
  close(): Promise<void>;
}

/** The security policies the broker uses towards the plant, best first. */
const POLICY_RANK: readonly SecurityPolicy[] = [
  SecurityPolicy.Aes256_Sha256_RsaPss,
  SecurityPolicy.Aes128_Sha256_RsaOaep,
  SecurityPolicy.Basic256Sha256,
];
const MODE_RANK: readonly MessageSecurityMode[] = [
  MessageSecurityMode.SignAndEncrypt,
  MessageSecurityMode.Sign,
];

/** The broker's client PKI; `initialize()` it once before the first session. */
export function createPlantCertificateManager(pkiDir: string): OPCUACertificateManager {
  return new OPCUACertificateManager({
    rootFolder: pkiDir,
    automaticallyAcceptUnknownCertificate: false,
    disableFileWatchers: true,
  });
}

export function certificateSha256(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** Picks the endpoint to use: the best secure mode and policy offered, else None. */
export function chooseEndpoint(
  endpoints: readonly EndpointDescription[],
): EndpointDescription | undefined {
  for (const mode of MODE_RANK) {
    for (const policy of POLICY_RANK) {
      const e = endpoints.find((x) => x.securityMode === mode && x.securityPolicyUri === policy);
      if (e !== undefined) return e;
    }
  }
  return endpoints.find((x) => x.securityMode === MessageSecurityMode.None);
}

function createClient(
  options: PlantConnectOptions,
  cm: OPCUACertificateManager,
  mode: MessageSecurityMode,
  policy: SecurityPolicy,
  serverCertificate?: Buffer,
): OPCUAClient {
  return OPCUAClient.create({
    applicationName: 'Airlock OT gateway',
    applicationUri: 'urn:airlock:ot-gateway:opcua-broker',
    clientCertificateManager: cm,
    securityMode: mode,
    securityPolicy: policy,
    ...omitUndefined({ serverCertificate }),
    endpointMustExist: false,
    // node-opcua's transport timeout is also the socket's idle timeout: a plant connection with no
    // traffic for `timeoutMs` is dropped. Its keep-alive would first ping after half its 20 s check
    // interval, as late as that timeout (10 s by default), so an operator idle that long lost the
    // session; pinging at a third of the timeout keeps an idle session's connection alive and still
    // notices a silent plant within the timeout.
    keepSessionAlive: true,
    keepAliveInterval: Math.max(500, Math.floor(options.timeoutMs / 3)),
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    transportTimeout: options.timeoutMs,
    defaultTransactionTimeout: options.timeoutMs,
    requestedSessionTimeout: 60_000,
  });
}

async function withTimeout<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AirlockError(
            'unavailable',
            'opcua.plant_timeout',
            `the plant OPC UA server did not answer (${what})`,
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function discover(
  options: PlantConnectOptions,
  cm: OPCUACertificateManager,
): Promise<EndpointDescription[]> {
  const client = createClient(options, cm, MessageSecurityMode.None, SecurityPolicy.None);
  try {
    await withTimeout('connect', options.timeoutMs, client.connect(options.endpointUrl));
    return await withTimeout('GetEndpoints', options.timeoutMs, client.getEndpoints());
  } finally {
    await client.disconnect().catch(() => undefined);
  }
}

export async function connectPlant(options: PlantConnectOptions): Promise<PlantConnection> {
  const cm = options.certificateManager;
  let client: OPCUAClient | undefined;
  try {
    let endpoints: EndpointDescription[];
    try {
      endpoints = await discover(options, cm);
    } catch (e) {
      throw e instanceof AirlockError
        ? e
        : new AirlockError(
            'unavailable',
            'opcua.plant_unreachable',
            `cannot reach the plant OPC UA server at ${options.endpointUrl}`,
            { cause: e },
          );
    }
    const endpoint = chooseEndpoint(endpoints);
    if (endpoint === undefined)
      throw new AirlockError(
        'unavailable',
        'opcua.plant_no_endpoint',
        'the plant OPC UA server offers no endpoint the broker supports',
      );
    const certificate = endpoint.serverCertificate;
    const presented =
      certificate === null || certificate.length === 0 ? 'none' : certificateSha256(certificate);
    if (presented !== options.pinnedCertificateSha256) {
      throw new AirlockError(
        'access_denied',
        'opcua.server_certificate_mismatch',
        'the plant OPC UA server presented a certificate other than the pinned one',
        {
          details: { expectedSha256: options.pinnedCertificateSha256, presentedSha256: presented },
        },
      );
    }
    const mode = endpoint.securityMode;
    const policy = endpoint.securityPolicyUri as SecurityPolicy;
    if (mode === MessageSecurityMode.None)
      options.log.warn(
        'the plant OPC UA server offers no secure endpoint; using SecurityMode None',
      );
    // Trust exactly the pinned certificate, so the secure channel checks the server against it.
    if (certificate !== null && mode !== MessageSecurityMode.None)
      await cm.trustCertificate(certificate);
    client = createClient(
      options,
      cm,
      mode,
      policy,
      mode === MessageSecurityMode.None || certificate === null ? undefined : certificate,
    );
    client.on('backoff', () => undefined);
    await withTimeout('connect', options.timeoutMs, client.connect(options.endpointUrl));
    const identity: UserIdentityInfo =
      options.credential === undefined
        ? {
            type: UserTokenType.Certificate,
            certificateData: client.getCertificate(),
            keyOperations: client.getKeyOperations(),
          }
        : {
            type: UserTokenType.UserName,
            userName: options.credential.username,
            password: options.credential.password,
          };
    const session = await withTimeout('login', options.timeoutMs, client.createSession(identity));
    const namespaceArray = await withTimeout(
      'namespace table',
      options.timeoutMs,
      session.readNamespaceArray(),
    );
    const owned = client;
    let isClosing = false;
    const lostListeners: Array<() => void> = [];
    const fireLost = (): void => {
      if (isClosing) return;
      isClosing = true;
      for (const l of lostListeners.splice(0)) l();
    };
    owned.on('connection_lost', fireLost);
    owned.on('close', fireLost);
    session.on('session_closed', fireLost);
    return {
      session,
      securityMode: MessageSecurityMode[mode],
      namespaceArray,
      onLost: (l) => void lostListeners.push(l),
      close: async () => {
        isClosing = true;
        await session.close().catch(() => undefined);
        await owned.disconnect().catch(() => undefined);
      },
    };
  } catch (e) {
    await client?.disconnect().catch(() => undefined);
    if (e instanceof AirlockError) throw e;
    const text = e instanceof Error ? e.message : String(e);
    // node-opcua says BadUserAccessDenied / BadIdentityTokenRejected for a refused login.
    if (/BadUserAccessDenied|BadIdentityToken/i.test(text))
      throw new AirlockError(
        'access_denied',
        'opcua.plant_login_refused',
        "the plant OPC UA server refused the gateway's login",
        { cause: e },
      );
    throw new AirlockError(
      'unavailable',
      'opcua.plant_connect_failed',
      'cannot open a session on the plant OPC UA server',
      { cause: e },
    );
  }
}
