/**
 * An idle operator through the OPC UA broker: the session outlives a quiet spell longer than the
 * plant timeout (the broker's plant connection is kept alive, not dropped by node-opcua's socket
 * idle timeout), and ends with `idle timeout` once the operator has been silent for the broker's
 * idle limit (the in-process operator connection keeps its own idle clock). Real node-opcua client,
 * broker and simulated plant server on 127.0.0.1; the waits are the idle spells under test.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AttributeIds } from 'node-opcua';
import {
  createOpcuaBroker,
  type OpcuaBroker,
} from '../../gateway-ot/src/protocols/opcua/opcua-broker.js';
import { opcuaAssetSchema } from '../../gateway-ot/src/protocols/opcua/opcua-policy.js';
import {
  PLANT_NAMESPACE_URI,
  startOpcuaServer,
  type OpcuaSimServer,
} from '../../image/demo/plant/opcua-server.js';
import {
  createTestClient,
  fetchServerCertificateSha256,
  loginOperator,
  openTestVault,
  startForwarder,
  type Forwarder,
} from '../helpers/opcua-broker-harness.js';

// Long enough for a session to open on a loaded machine (each step of it must answer within it).
const PLANT_TIMEOUT_MS = 4_000;
const IDLE_TIMEOUT_MS = 12_000;
let dir: string;
let plant: OpcuaSimServer;
let broker: OpcuaBroker;
let vault: Awaited<ReturnType<typeof openTestVault>> | undefined;
let forwarder: Forwarder | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-opcua-idle-'));
  plant = await startOpcuaServer({
    dataDir: join(dir, 'plant'),
    users: { operator: 'pw' },
    updateIntervalMs: 0,
  });
  vault = await openTestVault([]);
  broker = createOpcuaBroker({
    pkiDir: join(dir, 'ot-pki'),
    credentials: vault.vault,
    plantTimeoutMs: PLANT_TIMEOUT_MS,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
  });
  // No user name: the broker logs in to the plant with its application certificate.
  forwarder = await startForwarder({
    broker,
    assetName: 'opc-1',
    asset: opcuaAssetSchema.parse({
      protocol: 'opcua',
      address: '127.0.0.1',
      port: plant.port,
      serverCertificateSha256: await fetchServerCertificateSha256(plant.endpointUrl, dir),
      profiles: {
        read: {
          namespaceUri: PLANT_NAMESPACE_URI,
          nodes: [{ node: 's=Line1.Temperature', access: 'read' }],
        },
      },
    }),
    profileName: 'read',
    user: 'alice',
  });
});

after(async () => {
  await forwarder?.close();
  await broker?.close();
  vault?.close();
  await plant?.close();
  rmSync(dir, { recursive: true, force: true });
});

test(
  'an operator quiet for longer than the plant timeout keeps the session; silent past the idle limit, it ends',
  { timeout: 120_000 },
  async () => {
    const f = forwarder;
    assert.ok(f);
    const client = createTestClient(join(dir, 'operator-pki'));
    try {
      const { session, id } = await loginOperator(client, f.endpointUrl);
      const node = { nodeId: id('Line1.Temperature'), attributeId: AttributeIds.Value };
      assert.equal((await session.read(node)).value.value, 72.3);
      const forwarded = f.sessions.at(-1);
      assert.ok(forwarded);
      let ended: string | undefined;
      void forwarded.end.then((e) => (ended = e.reason));

      // Quiet for twice the plant timeout (and less than the idle limit): still served.
      await sleep(2 * PLANT_TIMEOUT_MS);
      assert.equal(ended, undefined, 'the brokered session is still open');
      const again = await session.read(node);
      assert.equal(again.statusCode.name, 'Good');
      assert.equal(again.value.value, 72.3);

      // Silent from now on: the broker ends the session for idleness, and only for that.
      assert.deepEqual(await forwarded.end, { reason: 'idle timeout' });
      assert.equal(broker.activeSessions(), 0);
    } finally {
      await client.disconnect();
    }
  },
);
