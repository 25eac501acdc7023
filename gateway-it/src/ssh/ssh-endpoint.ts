/**
 * The operator SSH endpoint (ssh2 Server): authenticates each connection (SshAuthenticator: key or
 * password, then TOTP), then serves its channels: session channels (SSH to the asset named in the
 * user name, or the menu), direct-tcpip (local forwarding to granted Modbus/OPC UA assets).
 * Remote forwarding, streamlocal forwarding and every other global request are refused and
 * audited. Limits: connections at once, channels per connection, and before login a deadline and
 * per-source and total caps on unauthenticated connections (ssh-preauth.ts), from TCP accept.
 * Every socket has an error handler, a close path, and TCP_NODELAY (it halves setup latency).
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { Connection } from 'ssh2';
import type { Clock } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import type { ItConfig } from '../config/config.js';
import {
  ENDPOINT_ALGORITHMS,
  isAcceptedSignatureAlgorithm,
  SIGNATURE_ALGORITHMS,
  signatureAlgorithmOf,
} from './ssh-algorithms.js';
import { SshAuthenticator, type SshAuthDeps } from './ssh-authenticator.js';
import type { SshConnectionContext, SshServices } from './ssh-context.js';
import { handleDirectTcpip, rejectWithReason } from './ssh-forward.js';
import { PreauthGate, type PreauthSlot } from './ssh-preauth.js';
import { RequestRefusals } from './ssh-refusals.js';
import type { SshHostKey } from './ssh-host-key.js';
import { handleSessionChannel } from './ssh-session-channel.js';

export interface SshEndpointDeps {
  readonly config: ItConfig['ssh'];
  readonly hostKey: SshHostKey;
  readonly auth: Omit<SshAuthDeps, 'log' | 'audit'>;
  readonly services: Omit<SshServices, 'log' | 'clock'>;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface SshEndpoint {
  readonly hostKey: SshHostKey;
  /** The bound port once listening (a configured 0 means any free one), else the configured one. */
  readonly port: number;
  /** Starts listening; resolves with the bound port. */
  start(): Promise<number>;
  /** Connections open now. */
  connectionCount(): number;
  /** Connections open now that have not logged in yet. */
  unauthenticatedCount(): number;
  /** Stops listening and ends every connection. */
  close(): Promise<void>;
}

/** The endpoint, not yet listening: `start` binds the port. */
export function createSshEndpoint(deps: SshEndpointDeps): SshEndpoint {
  const { config, log, clock } = deps;
  const services: SshServices = { ...deps.services, log, clock };
  /** Every TCP connection, and its ssh2 connection once the client sent its identification. */
  const sockets = new Map<string, { socket: Socket; slot: PreauthSlot; client?: Connection }>();
  const gate = new PreauthGate({
    limits: {
      loginTimeoutMs: config.loginTimeoutSeconds * 1000,
      maxPerSource: config.maxUnauthenticatedPerSource,
      maxTotal: config.maxUnauthenticated,
    },
    audit: deps.services.audit,
    clock,
    log,
  });
  const server = new ssh2.Server(
    // `serverSigAlgs` comes from patches/ssh2+1.17.0.patch (ssh2's own list is malformed).
    {
      hostKeys: [deps.hostKey.privateKey],
      ident: 'Airlock',
      serverSigAlgs: [...SIGNATURE_ALGORITHMS],
      algorithms: {
        kex: [...ENDPOINT_ALGORITHMS.kex],
        serverHostKey: [...ENDPOINT_ALGORITHMS.serverHostKey],
        cipher: [...ENDPOINT_ALGORITHMS.cipher],
        hmac: [...ENDPOINT_ALGORITHMS.hmac],
        compress: [...ENDPOINT_ALGORITHMS.compress],
      },
    } as ssh2.ServerConfig,
    (client, info) => {
      const source = `${info.ip}:${info.port}`;
      const entry = sockets.get(source);
      if (entry === undefined) {
        client.end();
        return;
      }
      entry.client = client;
      client.on('ready', () => entry.slot.authenticated());
      serveConnection(client, info.ip, source, deps, services);
    },
  );
  server.on('error', (e: Error) => log.error('SSH server error', { err: e }));
  // Our own listener: the pre-authentication limits apply from TCP accept, before ssh2 reads a
  // byte (ssh2 announces a connection only once the client sent its identification string).
  const listener = createServer((socket) => {
    socket.on('error', (e: Error) => log.debug('SSH socket error', { err: e }));
    const source = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    if (sockets.size >= config.maxConnections) {
      log.warn('SSH connection refused: too many connections', { source });
      socket.destroy();
      return;
    }
    const slot = gate.admit(socket);
    if (slot === undefined) return;
    sockets.set(source, { socket, slot });
    socket.once('close', () => sockets.delete(source));
    socket.setNoDelay(true);
    server.injectSocket(socket);
  });
  listener.on('error', (e: Error) => log.error('SSH listener error', { err: e }));
  let bound: number | undefined;
  return {
    hostKey: deps.hostKey,
    get port(): number {
      return bound ?? config.port;
    },
    async start() {
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(config.port, config.listen, () => {
          listener.off('error', reject);
          resolve();
        });
      });
      const port = (listener.address() as AddressInfo).port;
      bound = port;
      log.info('SSH endpoint listening', {
        listen: config.listen,
        port,
        hostKeyFingerprint: deps.hostKey.fingerprint,
      });
      return port;
    },
    connectionCount: () => sockets.size,
    unauthenticatedCount: () => gate.pending,
    close: () =>
      new Promise<void>((resolve) => {
        if (bound === undefined) return resolve();
        listener.close(() => resolve());
        gate.close();
        for (const { socket, client } of sockets.values()) {
          if (client !== undefined) client.end();
          else socket.destroy();
        }
      }),
  };
}

function serveConnection(
  client: Connection,
  ip: string,
  source: string,
  deps: SshEndpointDeps,
  services: SshServices,
): void {
  const { log, config } = deps;
  let ctx: SshConnectionContext | undefined;
  let channels = 0;
  const refusals = new RequestRefusals(() => ctx);
  client.on('close', () => refusals.flush());
  const drop = (reason: string): void => {
    log.info('SSH connection dropped', { source, reason });
    client.end();
  };
  const auth = new SshAuthenticator({ ...deps.auth, audit: services.audit, log }, ip, drop);
  client.on('error', (e: Error) => log.debug('SSH connection error', { source, err: e }));
  client.on('authentication', (c) => {
    // A signature algorithm we do not advertise (ssh-rsa with SHA-1, ssh-dss) never reaches the
    // authenticator: the client is told to try something else, as for an unknown key.
    const algorithm =
      c.method === 'publickey' ? signatureAlgorithmOf(c.key.algo, c.hashAlgo) : undefined;
    if (algorithm !== undefined && !isAcceptedSignatureAlgorithm(algorithm)) {
      log.info('SSH public key refused: signature algorithm not offered', {
        source,
        algorithm: algorithm.slice(0, 64),
      });
      return c.reject(['publickey', 'password']);
    }
    auth.handle(c);
  });
  client.on('close', () => auth.close());
  client.on('ready', () => {
    const identity = auth.authenticated;
    if (identity === undefined) return drop('ready without an identity');
    ctx = { identity, source, services, refusals };
  });
  const reserve = (): boolean => {
    if (ctx === undefined || channels >= config.maxChannelsPerConnection) return false;
    channels++;
    return true;
  };
  const release = (): void => {
    channels--;
  };
  client.on('session', (accept, reject) => {
    if (!reserve() || ctx === undefined) return reject();
    const session = accept();
    session.on('close', release);
    handleSessionChannel(ctx, session);
  });
  client.on('tcpip', (accept, reject, info) => {
    if (!reserve() || ctx === undefined) return reject();
    const c = ctx;
    void handleDirectTcpip(
      c,
      () => {
        const ch = accept();
        ch.on('close', release);
        return ch;
      },
      (description) => {
        release();
        rejectWithReason(reject, description);
      },
      info,
    ).catch((e: unknown) => log.error('port forward failed', { err: e }));
  });
  client.on('openssh.streamlocal', (_accept, reject, info) => {
    reject();
    refusals.refuse('direct-streamlocal', undefined, {
      socketPath: String(info.socketPath).slice(0, 128),
    });
  });
  client.on('request', (_accept, reject, name) => {
    reject?.();
    refusals.refuse(name);
  });
}
