/**
 * Serves the hono app over HTTPS with node's https server. The server object is returned so the
 * link and web terminal can take WebSocket upgrades on the same port.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { TlsIdentity } from '../../../shared/src/crypto/tls-identity.js';

export interface HttpsListener {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export async function listenHttps(
  app: { fetch: Parameters<typeof getRequestListener>[0] },
  tls: TlsIdentity,
  host: string,
  port: number,
): Promise<HttpsListener> {
  const server = createServer(
    { key: tls.keyPem, cert: tls.certPem, minVersion: 'TLSv1.2' },
    getRequestListener(app.fetch),
  );
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
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
