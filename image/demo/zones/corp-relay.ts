/**
 * How the host reaches the zoned demo: as an operator's desk in `corp`. Two halves joined by a Unix
 * socket (a file, which crosses network namespaces where TCP cannot):
 *
 * - the corp half, a command run inside the corp namespace:
 *     node dist/image/demo/zones/corp-relay.js <socket>=<address>:<port> ...
 *   accepts on each socket and connects to that address (the IT gateway as corp sees it);
 * - the host half (`relayHostPort`), in the demo launcher: listens on 127.0.0.1:<port> and hands
 *   each connection to the socket.
 *
 * So a connection from the host arrives at the IT gateway from corp's address and crosses the IT
 * ruleset like any operator's; nothing on the host reaches it-dmz, ot or plant any other way.
 */
import { chmodSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

function pipeBoth(a: Socket, b: Socket): void {
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.pipe(b);
  b.pipe(a);
}

/** Listens on 127.0.0.1:port and forwards every connection to the Unix socket. */
export function relayHostPort(port: number, socketPath: string): Promise<Server> {
  const server = createServer((client) => pipeBoth(client, connect(socketPath)));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      server.on('error', () => undefined);
      resolve(server);
    });
  });
}

async function main(argv: readonly string[]): Promise<void> {
  const servers: Server[] = [];
  for (const arg of argv) {
    const m = /^(.+)=([0-9.]+):(\d+)$/.exec(arg);
    if (m === null) throw new Error(`expected <socket>=<address>:<port>, got ${arg}`);
    const [, path = '', host = '', port = ''] = m;
    rmSync(path, { force: true });
    const server = createServer((client) =>
      pipeBoth(client, connect({ host, port: Number(port) })),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    chmodSync(path, 0o600);
    servers.push(server);
  }
  process.stdout.write(`${JSON.stringify({ event: 'ready' })}\n`);
  const stop = (): void => {
    for (const s of servers) s.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`corp-relay: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
