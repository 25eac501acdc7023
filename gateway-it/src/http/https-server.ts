/**
 * Serves the hono app over HTTPS with node's https server. WebSocket upgrades on the same port (the
 * link, the web terminal) go to `onUpgrade`, which answers whether one of them took the request;
 * none did: 404.
 */
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import type { TlsIdentity } from '../../../shared/src/crypto/tls-identity.js';

export interface HttpsListener {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

/** Takes a WebSocket upgrade request (true), or leaves it (false). */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

export async function listenHttps(
  app: { fetch: Parameters<typeof getRequestListener>[0] },
  tls: TlsIdentity,
  host: string,
  port: number,
  onUpgrade: UpgradeHandler,
): Promise<HttpsListener> {
  const server = createServer(
    { key: tls.keyPem, cert: tls.certPem, minVersion: 'TLSv1.2' },
    getRequestListener(app.fetch),
  );
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (onUpgrade(req, socket, head)) return;
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
