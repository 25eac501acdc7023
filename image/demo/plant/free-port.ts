/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for servers that cannot listen on port 0
 * themselves (modbus-serial's ServerTCP treats 0 as "use 502"). The port is released before this
 * returns, so another process may take it first: callers that can, retry on EADDRINUSE.
 */
import { createServer } from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((closeError) => {
        if (closeError !== undefined) reject(closeError);
        else if (port === 0) reject(new Error('freePort: the kernel returned no port'));
        else resolve(port);
      });
    });
  });
}
