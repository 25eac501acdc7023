/**
 * A loopback TCP listener that carries exactly one connection into a live operator session: the
 * portal's OPC UA client connects to it, and its bytes go through the link to the OT broker as a
 * `tcp-forward` session would from `ssh -L`.
 *
 * Guarantees: bound to 127.0.0.1 on an ephemeral port; the first connection from 127.0.0.1 is
 * piped to the session stream and the listener stops accepting at once (any other connection is
 * destroyed unread); the session's end destroys the connection and the listener, and the
 * connection's close ends the session. Not guaranteed: that the first connection is the portal's
 * own client (another local process racing for the port would get a session that speaks for the
 * grant's user; the port lives for one request and the broker only answers that user's name).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { LiveSession } from '../sessions/sessions.js';

export interface SessionBridge {
  readonly port: number;
  close(): void;
}

export async function openSessionBridge(live: LiveSession): Promise<SessionBridge> {
  let taken: Socket | undefined;
  const server: Server = createServer((socket) => {
    socket.on('error', () => undefined);
    if (taken !== undefined || live.isEnded || socket.remoteAddress !== '127.0.0.1') {
      socket.destroy();
      return;
    }
    taken = socket;
    server.close();
    const ot = live.stream.stream;
    socket.pipe(ot);
    ot.pipe(socket);
    socket.on('close', () => live.end('the portal request is done'));
  });
  server.on('error', () => live.end('the portal bridge failed'));
  const close = (): void => {
    server.close();
    taken?.destroy();
  };
  live.onEnd(close);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  if (live.isEnded) close();
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { port, close };
}
