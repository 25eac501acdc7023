/**
 * A loopback TCP proxy a test can cut: `cut()` destroys every connection through it and refuses new
 * ones until `restore()`. Used to take the IT<->OT link down without stopping either gateway, the
 * way a plant firewall or WAN outage would. `freeze()` is the silent kind of outage (a frozen peer,
 * a blackholing firewall): no byte moves either way and nothing is closed, new connections are
 * accepted and go nowhere, until `thaw()` lets everything through again.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  cut(): void;
  restore(): void;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(
  t: Pick<TestContext, 'after'>,
  targetPort: number,
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const pairs = new Set<readonly [Socket, Socket]>();
  let open = true;
  let frozen = false;
  let accepted = 0;
  const flow = (pair: readonly [Socket, Socket]): void => {
    const [client, upstream] = pair;
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
    upstream.resume();
  };
  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = [client, upstream] as const;
    pairs.add(pair);
    for (const s of pair) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => {
        sockets.delete(s);
        pairs.delete(pair);
      });
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    if (frozen) {
      client.pause();
      upstream.pause();
    } else flow(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: TcpProxy = {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      open = true;
    },
    freeze() {
      frozen = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    thaw() {
      frozen = false;
      for (const pair of pairs) flow(pair);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  t.after(() => proxy.close());
  return proxy;
}
