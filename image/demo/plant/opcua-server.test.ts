import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  AttributeIds,
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  UserTokenType,
  type ClientSession,
  type UserIdentityInfo,
} from 'node-opcua';
import { FakeClock } from '../../../shared/src/clock.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import {
  PLANT_NAMESPACE_URI,
  startOpcuaServer,
  type OpcuaServerOptions,
  type OpcuaSimServer,
} from './opcua-server.js';

const USERS = { operator: 'op-pw' };

async function start(
  t: TestContext,
  options: Partial<OpcuaServerOptions> = {},
): Promise<{ server: OpcuaSimServer; dataDir: string }> {
  const dataDir = makeTempDir(t, 'airlock-opcua-');
  const server = await startOpcuaServer({ dataDir, users: USERS, updateIntervalMs: 0, ...options });
  t.after(() => server.close());
  return { server, dataDir };
}

function createClient(t: TestContext, mode: MessageSecurityMode): OPCUAClient {
  const client = OPCUAClient.create({
    applicationName: 'airlock-sim-test',
    endpointMustExist: false,
    securityMode: mode,
    securityPolicy:
      mode === MessageSecurityMode.None ? SecurityPolicy.None : SecurityPolicy.Basic256Sha256,
    // The client's own PKI in a temp dir too, never ~/.config.
    clientCertificateManager: new OPCUACertificateManager({
      rootFolder: join(makeTempDir(t, 'airlock-opcua-client-'), 'pki'),
      automaticallyAcceptUnknownCertificate: true,
      disableFileWatchers: true,
    }),
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
  });
  t.after(() => client.disconnect());
  return client;
}

async function openSession(
  t: TestContext,
  server: OpcuaSimServer,
  mode: MessageSecurityMode,
  identity: UserIdentityInfo,
): Promise<ClientSession> {
  const client = createClient(t, mode);
  await client.connect(server.endpointUrl);
  const session = await client.createSession(identity);
  t.after(() => session.close());
  return session;
}

const operator: UserIdentityInfo = {
  type: UserTokenType.UserName,
  userName: 'operator',
  password: USERS.operator,
};

async function childNames(session: ClientSession, nodeId: string): Promise<Map<string, string>> {
  const result = await session.browse(nodeId);
  return new Map(
    (result.references ?? []).map((r) => [r.browseName.toString(), r.nodeId.toString()]),
  );
}

test(
  'a node-opcua client signs and encrypts, browses Plant/Line1, reads, writes and calls',
  { timeout: 30_000 },
  async (t) => {
    const clock = new FakeClock();
    const { server, dataDir } = await start(t, { clock, updateIntervalMs: 1000 });
    assert.match(server.endpointUrl, /^opc\.tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(
      existsSync(join(dataDir, 'pki', 'own', 'certs')),
      'the server PKI lives in the data dir',
    );

    const session = await openSession(t, server, MessageSecurityMode.SignAndEncrypt, operator);
    const namespaces = (
      await session.read({ nodeId: 'ns=0;i=2255', attributeId: AttributeIds.Value })
    ).value.value as string[];
    const ns = namespaces.indexOf(PLANT_NAMESPACE_URI);
    assert.equal(ns, server.namespaceIndex);

    const objects = await childNames(session, 'ns=0;i=85');
    const plant = objects.get(`${ns}:Plant`);
    assert.equal(plant, `ns=${ns};s=Plant`);
    const line1 = (await childNames(session, plant)).get(`${ns}:Line1`);
    assert.equal(line1, `ns=${ns};s=Line1`);
    const members = await childNames(session, line1);
    for (const name of [
      'Temperature',
      'Pressure',
      'MotorRunning',
      'Setpoint',
      'BatchName',
      'Counter',
      'ResetCounter',
      'StartMotor',
    ]) {
      assert.ok(members.has(`${ns}:${name}`), `Line1 has ${name}`);
    }

    const temperature = await session.read({
      nodeId: `ns=${ns};s=Line1.Temperature`,
      attributeId: AttributeIds.Value,
    });
    assert.equal(temperature.statusCode, StatusCodes.Good);
    assert.equal(temperature.value.dataType, DataType.Double);
    assert.equal(temperature.value.value, 72.3);

    const write = (node: string, dataType: DataType, value: unknown): Promise<unknown> =>
      session.write({
        nodeId: `ns=${ns};s=${node}`,
        attributeId: AttributeIds.Value,
        value: { value: { dataType, value } },
      });
    assert.equal(await write('Line1.Setpoint', DataType.Double, 80), StatusCodes.Good);
    assert.equal(
      (await session.read({ nodeId: server.nodeId('setpoint'), attributeId: AttributeIds.Value }))
        .value.value,
      80,
    );
    assert.equal(await write('Line1.Setpoint', DataType.Double, 150), StatusCodes.BadOutOfRange);
    assert.equal(await write('Line1.Temperature', DataType.Double, 1), StatusCodes.BadNotWritable);
    assert.equal(await write('Line1.BatchName', DataType.String, 'BATCH-TEST'), StatusCodes.Good);
    assert.equal(server.valueOf('batchName'), 'BATCH-TEST');

    // The process moves with the clock: temperature towards the new setpoint, the counter up.
    clock.advance(5000);
    assert.equal(server.valueOf('counter'), 5);
    assert.ok(Number(server.valueOf('temperature')) > 72.3);

    const reset = await session.call({
      objectId: server.nodeId('line1'),
      methodId: server.nodeId('resetCounter'),
      inputArguments: [],
    });
    assert.equal(reset.statusCode, StatusCodes.Good);
    assert.equal(
      (await session.read({ nodeId: server.nodeId('counter'), attributeId: AttributeIds.Value }))
        .value.value,
      0,
    );
    const tooFast = await session.call({
      objectId: server.nodeId('line1'),
      methodId: server.nodeId('startMotor'),
      inputArguments: [{ dataType: DataType.Double, value: 5000 }],
    });
    assert.equal(tooFast.statusCode, StatusCodes.BadOutOfRange);
  },
);

test(
  'anonymous and wrong passwords are refused; None with a password works',
  { timeout: 30_000 },
  async (t) => {
    const { server } = await start(t);
    const client = createClient(t, MessageSecurityMode.None);
    await client.connect(server.endpointUrl);
    const endpoints = await client.getEndpoints();
    assert.deepEqual([...new Set(endpoints.map((e) => e.securityMode))].sort(), [
      MessageSecurityMode.None,
      MessageSecurityMode.SignAndEncrypt,
    ]);
    for (const e of endpoints) {
      assert.ok(e.endpointUrl?.startsWith('opc.tcp://127.0.0.1:'), e.endpointUrl ?? '');
      assert.ok(
        !(e.userIdentityTokens ?? []).some((p) => p.tokenType === UserTokenType.Anonymous),
        'no anonymous token policy',
      );
    }
    await assert.rejects(client.createSession());
    await assert.rejects(
      client.createSession({
        type: UserTokenType.UserName,
        userName: 'operator',
        password: 'wrong',
      }),
    );
    const session = await client.createSession(operator);
    t.after(() => session.close());
    const pressure = await session.read({
      nodeId: server.nodeId('pressure'),
      attributeId: AttributeIds.Value,
    });
    assert.equal(pressure.value.dataType, DataType.Float);
  },
);
