/**
 * The composition root's protocol registry: one module per protocol folder, and a broker built only
 * for a protocol the local policy has an asset of, so node-opcua (seconds of CPU to load) is loaded
 * only when the policy has an OPC UA asset. Each test file runs in a process of its own, so what is
 * loaded here is what these tests loaded, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../shared/src/clock.js';
import { randomIds } from '../../shared/src/ids.js';
import { silentLogger } from '../../shared/src/log.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { otConfigSchema } from './config/ot-config.js';
import { createOtGateway, OT_PROTOCOLS } from './app.js';

const isOpcuaLoaded = (): boolean =>
  Object.keys(createRequire(import.meta.url).cache).some((p) =>
    p.includes(`${sep}node_modules${sep}node-opcua`),
  );

const ASSETS = {
  'plc-1': { protocol: 'modbus', address: '127.0.0.1', profiles: { ro: { unitIds: [1] } } },
  'hmi-1': {
    protocol: 'ssh',
    address: '127.0.0.1',
    hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample',
    username: 'svc',
    profiles: { m: { mode: 'interactive' } },
  },
};

async function startAndStop(t: Parameters<typeof makeTempDir>[0], assets: object): Promise<void> {
  const dir = makeTempDir(t, 'airlock-ot-app-');
  writeFileSync(join(dir, 'policy.json'), JSON.stringify({ assets }));
  const config = otConfigSchema.parse({
    site: 'plant-1',
    dataDir: join(dir, 'data'),
    policyFile: join(dir, 'policy.json'),
    audit: { checkpointEvery: 64, checkpointIntervalSeconds: 0 },
  });
  const gw = await createOtGateway(config, {
    clock: systemClock,
    ids: randomIds,
    log: silentLogger,
  });
  await gw.stop();
}

test('every protocol folder is registered, once', () => {
  const folders = readdirSync(fileURLToPath(new URL('./protocols/', import.meta.url)), {
    withFileTypes: true,
  })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  assert.deepEqual(OT_PROTOCOLS.map((p) => p.protocol).sort(), folders);
});

test(
  'node-opcua is loaded only for a policy with an OPC UA asset',
  { timeout: 60_000 },
  async (t) => {
    await startAndStop(t, ASSETS);
    assert.equal(isOpcuaLoaded(), false, 'no OPC UA asset: node-opcua not loaded');
    await startAndStop(t, {
      ...ASSETS,
      'opc-1': {
        protocol: 'opcua',
        address: '127.0.0.1',
        profiles: { op: { namespaceUri: 'urn:x' } },
      },
    });
    assert.equal(isOpcuaLoaded(), true, 'an OPC UA asset: its broker (and node-opcua) built');
  },
);
