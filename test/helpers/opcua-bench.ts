/**
 * What the OPC UA benchmarks share: the simulated plant server they read (its brokers log in with
 * their certificate; a direct client with `PLANT_LOGIN`), a client session the bench closes at its
 * end, and a timed single read that fails the run when the answer is not Good rather than skew it.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  MessageSecurityMode,
  UserTokenType,
  type ClientSession,
  type ReadValueIdOptions,
} from 'node-opcua';
import type { TestContext } from 'node:test';
import { startOpcuaServer } from '../../image/demo/plant/opcua-server.js';
import { createTestClient } from './opcua-broker-harness.js';

/** The plant server's one user (the benches' direct clients). */
export const PLANT_LOGIN = { userName: 'gw-opc', password: 'pw' } as const;

/** The simulated plant under `<dir>/plant`, values not updated on a timer; closed when the bench ends. */
export async function startBenchPlant(
  t: Pick<TestContext, 'after'>,
  dir: string,
): Promise<Awaited<ReturnType<typeof startOpcuaServer>>> {
  const plant = await startOpcuaServer({
    dataDir: join(dir, 'plant'),
    users: { [PLANT_LOGIN.userName]: PLANT_LOGIN.password },
    updateIntervalMs: 0,
  });
  t.after(() => plant.close());
  return plant;
}

/** A UserName session of a client with its own PKI under `pkiDir`; disconnected when the bench ends. */
export async function openBenchSession(
  t: Pick<TestContext, 'after'>,
  pkiDir: string,
  endpointUrl: string,
  identity: { readonly userName: string; readonly password: string },
  mode = MessageSecurityMode.None,
): Promise<ClientSession> {
  const client = createTestClient(pkiDir, mode);
  await client.connect(endpointUrl);
  t.after(() => client.disconnect());
  const session = await client.createSession({ type: UserTokenType.UserName, ...identity });
  t.after(() => session.close().catch(() => undefined));
  return session;
}

/** One timed read of `node` in milliseconds; an answer that is not Good throws. */
export function timedReader(
  session: ClientSession,
  node: ReadValueIdOptions,
): () => Promise<number> {
  return async () => {
    const t0 = performance.now();
    const dv = await session.read(node);
    const elapsed = performance.now() - t0;
    if (!dv.statusCode.isGood())
      throw new Error(`read of ${String(node.nodeId)} failed: ${dv.statusCode.name}`);
    return elapsed;
  };
}
