/**
 * A site for the discovery tests: temp data folder, a local policy with a probe scope of
 * 127.0.0.1/32 and the ports given, `openDiscovery` as `airlock-ot discover` opens it, and TCP
 * servers that answer garbage (a fixed byte string to whatever they are sent).
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import { systemClock } from '../../../shared/src/clock.js';
import { randomIds } from '../../../shared/src/ids.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { openDiscovery } from '../../../gateway-ot/src/app.js';
import { otConfigSchema, type OtConfig } from '../../../gateway-ot/src/config/ot-config.js';

export const GARBAGE = Buffer.from(
  'HELLO-PLANT \x00\xff\xfe not a protocol at all \x07\r\n',
  'latin1',
);

/** A TCP server on 127.0.0.1 that sends GARBAGE on connect and on every chunk it receives. */
export async function startGarbageServer(t: Pick<TestContext, 'after'>): Promise<number> {
  const server: Server = createServer((sock) => {
    sock.on('error', () => undefined);
    sock.write(GARBAGE);
    sock.on('data', () => sock.write(GARBAGE));
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no port');
  return a.port;
}

export interface DiscoverySite {
  readonly dir: string;
  readonly config: OtConfig;
  readonly policyFile: string;
  /** Opens discovery (closed when the test ends), runs `fn`, returns its result and the audit events appended meanwhile. */
  withDiscovery<T>(
    fn: (d: Awaited<ReturnType<typeof openDiscovery>>['discovery']) => Promise<T> | T,
  ): Promise<{ value: T | undefined; error: unknown; events: AuditEvent[] }>;
}

export function createDiscoverySite(
  t: Pick<TestContext, 'after'>,
  policy: Record<string, unknown>,
): DiscoverySite {
  const dir = makeTempDir(t, 'airlock-discovery-');
  const policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, `${JSON.stringify(policy, null, 2)}\n`, { mode: 0o640 });
  const config = otConfigSchema.parse({
    site: 'plant-1',
    dataDir: join(dir, 'data'),
    policyFile,
    audit: { checkpointEvery: 64, checkpointIntervalSeconds: 0 },
  });
  return {
    dir,
    config,
    policyFile,
    async withDiscovery(fn) {
      const d = await openDiscovery(config, { clock: systemClock, ids: randomIds });
      const from = d.audit.head().seq;
      let value;
      let error: unknown;
      try {
        value = await fn(d.discovery);
      } catch (e) {
        error = e;
      }
      const events: AuditEvent[] = [];
      for (let s = from + 1; s <= d.audit.head().seq; s++) {
        const e = d.audit.get(s);
        if (e !== undefined) events.push(e);
      }
      d.close();
      return { value, error, events };
    },
  };
}
