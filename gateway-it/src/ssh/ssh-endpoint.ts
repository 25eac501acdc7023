/**
 * The operator SSH endpoint (ssh2 Server): authenticates each connection (SshAuthenticator: key or
 * password, then TOTP), then serves its channels: session channels (SSH to the asset named in the
 * user name, or the menu), direct-tcpip (local forwarding to granted Modbus/OPC UA assets).
 * Remote forwarding, streamlocal forwarding and every other global request are refused and
 * audited. Limits: connections at once, channels per connection, time to log in.
 * Every socket has an error handler, a close path, and TCP_NODELAY (it halves setup latency).
 */
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { Connection } from 'ssh2';
import type { Clock } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import type { ItConfig } from '../config/config.js';
import { SshAuthenticator, type SshAuthDeps } from './ssh-authenticator.js';
import { auditRequestDeny, type SshConnectionContext, type SshServices } from './ssh-context.js';
import { handleDirectTcpip } from './ssh-forward.js';
import type { SshHostKey } from './ssh-host-key.js';
import { handleSessionChannel } from './ssh-session-channel.js';

export interface SshEndpointDeps {
  readonly config: ItConfig['ssh'];
  readonly hostKey: SshHostKey;
  readonly auth: Omit<SshAuthDeps, 'log'>;
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
  /** Stops listening and ends every connection. */
  close(): Promise<void>;
}

/** The endpoint, not yet listening: `start` binds the port. */
export function createSshEndpoint(deps: SshEndpointDeps): SshEndpoint {
  const { config, log, clock } = deps;
  const services: SshServices = { ...deps.services, log, clock };
  const clients = new Set<Connection>();
  const server = new ssh2.Server(
    { hostKeys: [deps.hostKey.privateKey], ident: 'Airlock' },
    (client, info) => {
      const source = `${info.ip}:${info.port}`;
      if (clients.size >= config.maxConnections) {
        log.warn('SSH connection refused: too many connections', { source });
        client.end();
        return;
      }
      clients.add(client);
      (client as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true);
      serveConnection(client, info.ip, source, deps, services);
      client.on('close', () => clients.delete(client));
    },
  );
  server.on('error', (e: Error) => log.error('SSH server error', { err: e }));
  server.maxConnections = config.maxConnections + 1;
  let bound: number | undefined;
  return {
    hostKey: deps.hostKey,
    get port(): number {
      return bound ?? config.port;
    },
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.listen, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const port = (server.address() as AddressInfo).port;
      bound = port;
      log.info('SSH endpoint listening', {
        listen: config.listen,
        port,
        hostKeyFingerprint: deps.hostKey.fingerprint,
      });
      return port;
    },
    connectionCount: () => clients.size,
    close: () =>
      new Promise<void>((resolve) => {
        if (bound === undefined) return resolve();
        server.close(() => resolve());
        for (const c of clients) c.end();
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
  const { log, clock, config } = deps;
  let ctx: SshConnectionContext | undefined;
  let channels = 0;
  const drop = (reason: string): void => {
    log.info('SSH connection dropped', { source, reason });
    client.end();
  };
  const auth = new SshAuthenticator({ ...deps.auth, log }, ip, drop);
  const loginTimer = clock.setTimeout(
    () => drop('authentication took too long'),
    config.loginTimeoutSeconds * 1000,
  );
  client.on('error', (e: Error) => log.debug('SSH connection error', { source, err: e }));
  client.on('close', () => loginTimer.cancel());
  client.on('authentication', (c) => auth.handle(c));
  client.on('close', () => auth.close());
  client.on('ready', () => {
    loginTimer.cancel();
    const identity = auth.authenticated;
    if (identity === undefined) return drop('ready without an identity');
    ctx = { identity, source, services };
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
      () => {
        release();
        reject();
      },
      info,
    ).catch((e: unknown) => log.error('port forward failed', { err: e }));
  });
  client.on('openssh.streamlocal', (_accept, reject, info) => {
    reject();
    if (ctx !== undefined)
      auditRequestDeny(ctx, 'direct-streamlocal', {
        socketPath: String(info.socketPath).slice(0, 128),
      });
  });
  client.on('request', (_accept, reject, name) => {
    reject?.();
    if (ctx !== undefined) auditRequestDeny(ctx, name);
  });
}
