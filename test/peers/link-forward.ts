/**
 * Plays `ssh -L 5020:plc-1:502` on the IT side for tests and benchmarks: a TCP listener on
 * 127.0.0.1 where each accepted connection opens one tcp-forward session over the link with a
 * freshly signed ticket (as the IT SSH endpoint will) and is piped to that session's stream.
 */
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import type { SessionTicket } from '../../shared/src/model/session-ticket.js';
import { makeTicket, SITE, type ItFixture } from '../helpers/link-fixture.js';

export async function startLinkForward(
  t: Pick<TestContext, 'after'>,
  it: ItFixture,
  ticket: Partial<SessionTicket>,
): Promise<{ port: number }> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    it.gw.services.siteCommands.openSession(SITE, makeTicket(it, Date.now(), ticket)).then(
      (s) => {
        socket.pipe(s.stream).pipe(socket);
        s.stream.on('error', () => socket.destroy());
        s.onClose(() => socket.destroy());
        socket.on('close', () => s.close('the operator disconnected'));
      },
      () => socket.destroy(),
    );
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return { port: typeof address === 'object' && address !== null ? address.port : 0 };
}
