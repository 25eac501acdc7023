/**
 * The OPC UA broker end to end on one side of the chain: a real node-opcua client (its own PKI in a
 * temp dir) talks to the broker through a forwarded TCP connection, exactly as `ssh -L` will
 * deliver it, and the broker talks to the simulated plant server (image/demo/plant/opcua-server.ts). One
 * plant server and one broker for the whole file: node-opcua servers are CPU heavy.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import {
  AttributeIds,
  DataType,
  MessageSecurityMode,
  StatusCodes,
  TimestampsToReturn,
  UserTokenType,
  type ClientSession,
  type DataValue,
  type OPCUAClient,
} from 'node-opcua';
import type { OpcuaBroker } from '../../gateway-ot/src/protocols/opcua/opcua-broker.js';
import {
  opcuaAssetSchema,
  type OpcuaAssetPolicy,
} from '../../gateway-ot/src/protocols/opcua/opcua-policy.js';
import { PLANT_NAMESPACE_URI, type OpcuaSimServer } from '../../image/demo/plant/opcua-server.js';
import {
  createTestClient,
  loginOperator,
  type Forwarder,
  type ForwarderOptions,
  type RecordedEvent,
} from '../helpers/opcua-broker-harness.js';
import { startPlantBroker, type PlantBroker } from '../helpers/opcua-plant-broker.js';

let bench: PlantBroker;
let dir: string;
let plant: OpcuaSimServer;
let broker: OpcuaBroker;
let asset: OpcuaAssetPolicy;
let events: RecordedEvent[] = [];

function assetPolicy(port: number, sha256: string): OpcuaAssetPolicy {
  return opcuaAssetSchema.parse({
    protocol: 'opcua',
    address: '127.0.0.1',
    port,
    username: 'gw-opc',
    serverCertificateSha256: sha256,
    profiles: {
      maintenance: {
        namespaceUri: PLANT_NAMESPACE_URI,
        nodes: [
          { node: 's=Line1.Temperature', access: 'read' },
          { node: 's=Line1.Counter', access: 'read' },
          { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 10, max: 90 },
          { node: 's=Line1.BatchName', access: 'read' },
          { node: 's=Line1.ResetCounter', access: 'call' },
          { node: 's=Line1.StopMotor', access: 'browse' },
        ],
        limits: { maxSubscriptions: 1 },
      },
    },
  });
}

before(async () => {
  bench = await startPlantBroker({ tempPrefix: 'airlock-opcua-broker-' });
  ({ dir, plant, broker, events } = bench);
  asset = assetPolicy(plant.port, bench.certificateSha256);
});

after(() => bench?.close());

function forward(
  overrides: Partial<Omit<ForwarderOptions, 'broker' | 'events'>> = {},
): Promise<Forwarder> {
  return bench.forward({
    assetName: 'opc-1',
    asset,
    profileName: 'maintenance',
    user: 'alice',
    ...overrides,
  });
}

function operatorClient(mode = MessageSecurityMode.None): OPCUAClient {
  return createTestClient(join(dir, 'operator-pki'), mode);
}

async function browseNames(session: ClientSession, nodeId: string): Promise<Map<string, string>> {
  const r = await session.browse(nodeId);
  return new Map((r.references ?? []).map((x) => [x.browseName.name ?? '', x.nodeId.toString()]));
}

const newEvents = (from: number, action: string): RecordedEvent[] =>
  events.slice(from).filter((e) => e.action === action);

test(
  'through the broker: identity, filtered browse, read, subscription, audited write and call, refusals, grant end',
  { timeout: 60_000 },
  async () => {
    const f = await forward();
    const client = operatorClient();
    await client.connect(f.endpointUrl);
    try {
      // Anonymous and another user's name are refused; the grant's user gets in.
      // No endpoint offers an anonymous token policy, so a client cannot even ask for one.
      await assert.rejects(client.createSession(), /ANONYMOUS/);
      await assert.rejects(
        client.createSession({ type: UserTokenType.UserName, userName: 'mallory', password: 'x' }),
      );
      const identityRefusals = events.filter(
        (e) => e.action === 'opcua.deny' && e.details?.['service'] === 'ActivateSession',
      );
      assert.equal(identityRefusals.length, 1, 'the refusal is audited');
      assert.match(
        String(identityRefusals[0]?.details?.['reason']),
        /does not name the grant's user/,
      );
      const session = await client.createSession({
        type: UserTokenType.UserName,
        userName: 'alice',
        password: 'not-checked',
      });
      const ns = (await session.readNamespaceArray()).indexOf(PLANT_NAMESPACE_URI);
      assert.ok(ns > 0, 'the plant namespace is in the view');
      const id = (s: string): string => `ns=${ns};s=${s}`;

      // Browse shows only what the profile allows (and the path to it).
      const top = await browseNames(session, 'ns=0;i=85');
      assert.ok(top.has('Plant'));
      const line1 = await browseNames(session, id('Plant'));
      assert.deepEqual([...line1.keys()], ['Line1']);
      const children = await browseNames(session, id('Line1'));
      assert.deepEqual([...children.keys()].sort(), [
        'BatchName',
        'Counter',
        'ResetCounter',
        'Setpoint',
        'StopMotor',
        'Temperature',
      ]);

      // Read; a node outside the view does not exist for the operator.
      const [temp, setpoint, pressure] = await session.read([
        { nodeId: id('Line1.Temperature'), attributeId: AttributeIds.Value },
        { nodeId: id('Line1.Setpoint'), attributeId: AttributeIds.Value },
        { nodeId: id('Line1.Pressure'), attributeId: AttributeIds.Value },
      ]);
      assert.equal(temp?.value.value, 72.3);
      assert.equal(setpoint?.value.value, 72.5);
      assert.equal(pressure?.statusCode.value, StatusCodes.BadNodeIdUnknown.value);

      // A subscription on the setpoint delivers the change an allowed write makes.
      const subscription = await session.createSubscription2({
        requestedPublishingInterval: 50,
        requestedLifetimeCount: 100,
        requestedMaxKeepAliveCount: 10,
        publishingEnabled: true,
      });
      const item = await subscription.monitor(
        { nodeId: id('Line1.Setpoint'), attributeId: AttributeIds.Value },
        { samplingInterval: 50, queueSize: 10, discardOldest: true },
        TimestampsToReturn.Both,
      );
      const seen: unknown[] = [];
      const changed = new Promise<void>((resolve) => {
        item.on('changed', (dv: DataValue) => {
          seen.push(dv.value.value);
          if (dv.value.value === 55) resolve();
        });
      });
      // A second subscription is over the profile's limit and audited.
      const before = events.length;
      await assert.rejects(
        session.createSubscription2({ requestedPublishingInterval: 100, publishingEnabled: true }),
      );
      assert.equal(newEvents(before, 'opcua.limit').length, 1);

      const mark = events.length;
      const good = await session.write({
        nodeId: id('Line1.Setpoint'),
        attributeId: AttributeIds.Value,
        value: { value: { dataType: DataType.Double, value: 55 } },
      });
      assert.equal(good.name, 'Good', JSON.stringify(events.slice(mark)));
      assert.equal(plant.valueOf('setpoint'), 55);
      await changed;
      assert.ok(seen.includes(55));
      const writes = newEvents(mark, 'opcua.write');
      assert.equal(writes.length, 2, 'one event before forwarding, one with the result');
      assert.deepEqual(writes[1]?.details, {
        node: `nsu=${PLANT_NAMESPACE_URI};s=Line1.Setpoint`,
        dataType: 'Double',
        oldValue: 72.5,
        newValue: 55,
        phase: 'result',
        status: 'Good',
      });
      assert.equal(writes[1]?.actor, 'alice');
      assert.equal(writes[1]?.grantId, 'grant-1');

      // Refusals: out of bounds, wrong type, read-only node, another attribute, a method not on the call list.
      const denyMark = events.length;
      const refused = await session.write([
        {
          nodeId: id('Line1.Setpoint'),
          attributeId: AttributeIds.Value,
          value: { value: { dataType: DataType.Double, value: 95 } },
        },
        {
          nodeId: id('Line1.Setpoint'),
          attributeId: AttributeIds.Value,
          value: { value: { dataType: DataType.Float, value: 50 } },
        },
        {
          nodeId: id('Line1.Setpoint'),
          attributeId: AttributeIds.Value,
          value: { value: { dataType: DataType.String, value: '50' } },
        },
        {
          nodeId: id('Line1.BatchName'),
          attributeId: AttributeIds.Value,
          value: { value: { dataType: DataType.String, value: 'EVIL' } },
        },
        {
          nodeId: id('Line1.Setpoint'),
          attributeId: AttributeIds.DisplayName,
          value: { value: { dataType: DataType.LocalizedText, value: { text: 'x' } } },
        },
      ]);
      assert.deepEqual(
        refused.map((s) => s.name),
        Array(5).fill('BadUserAccessDenied'),
      );
      assert.equal(plant.valueOf('setpoint'), 55);
      assert.equal(plant.valueOf('batchName'), 'BATCH-2026-001');
      const stop = await session.call({
        objectId: id('Line1'),
        methodId: id('Line1.StopMotor'),
        inputArguments: [],
      });
      assert.equal(stop.statusCode.name, 'BadUserAccessDenied');
      assert.equal(plant.valueOf('motorRunning'), true);
      const start = await session.call({
        objectId: id('Line1'),
        methodId: id('Line1.StartMotor'),
        inputArguments: [{ dataType: DataType.Double, value: 10 }],
      });
      assert.notEqual(start.statusCode.name, 'Good', 'a method outside the view cannot be called');
      assert.equal(plant.valueOf('motorSpeed'), 1450);
      const denials = newEvents(denyMark, 'opcua.deny');
      assert.equal(denials.length, 6);
      assert.ok(
        denials.every(
          (e) => e.outcome === 'denied' && e.details?.['status'] === 'BadUserAccessDenied',
        ),
      );
      assert.match(String(denials[0]?.details?.['reason']), /outside 10\.\.90/);
      assert.equal(newEvents(denyMark, 'opcua.write').length, 0, 'nothing refused was forwarded');

      // An allowed call is forwarded and audited.
      const callMark = events.length;
      const reset = await session.call({
        objectId: id('Line1'),
        methodId: id('Line1.ResetCounter'),
        inputArguments: [],
      });
      assert.equal(reset.statusCode.name, 'Good');
      const calls = newEvents(callMark, 'opcua.call');
      assert.equal(calls.length, 2);
      assert.equal(calls[1]?.details?.['status'], 'Good');

      // Another local process that finds the session server's own port is cut off.
      const internal = (await client.getEndpoints())
        .map((e) => Number(new URL((e.endpointUrl ?? '').replace(/^opc\.tcp:/, 'http:')).port))
        .find((p) => p !== plant.port && p !== 0);
      assert.ok(internal !== undefined, 'the session server lists its own endpoint');
      const intruderMark = events.length;
      const intruder = operatorClient();
      try {
        await assert.rejects(async () => {
          await intruder.connect(`opc.tcp://127.0.0.1:${internal}`);
          await intruder.createSession({
            type: UserTokenType.UserName,
            userName: 'alice',
            password: '',
          });
        });
      } finally {
        await intruder.disconnect();
      }
      assert.ok(
        newEvents(intruderMark, 'opcua.deny').some((e) => e.details?.['service'] === 'connection'),
      );

      // The grant ends (session.signal): the operator's connection closes, the session resolves.
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      const forwarded = f.sessions[0];
      assert.ok(forwarded);
      forwarded.controller.abort('grant expired');
      assert.deepEqual(await forwarded.end, { reason: 'grant expired' });
      await closed;
      assert.equal(broker.activeSessions(), 0);
    } finally {
      await client.disconnect();
    }
  },
);

function helloMessage(endpointUrl: string): Buffer {
  const url = Buffer.from(endpointUrl, 'utf8');
  const b = Buffer.alloc(32 + url.length);
  b.write('HELF', 0, 'latin1');
  b.writeUInt32LE(b.length, 4);
  b.writeUInt32LE(0, 8);
  b.writeUInt32LE(65536, 12);
  b.writeUInt32LE(65536, 16);
  b.writeUInt32LE(0, 20);
  b.writeUInt32LE(0, 24);
  b.writeInt32LE(url.length, 28);
  url.copy(b, 32);
  return b;
}

/** Sends bytes on a raw socket and resolves with what came back once the peer closed. */
function exchange(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: '127.0.0.1', port });
    const got: Buffer[] = [];
    socket.setTimeout(20_000, () => {
      socket.destroy();
      reject(new Error('the broker did not close the connection'));
    });
    socket.on('data', (d) => got.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(got)));
    socket.on('connect', () => socket.write(bytes));
  });
}

test(
  'malformed bytes close the channel, are audited, and the broker stays up (and serves SignAndEncrypt)',
  { timeout: 30_000 },
  async () => {
    const f = await forward();
    const mark = events.length;
    await exchange(f.port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const hello = helloMessage(`opc.tcp://127.0.0.1:${f.port}`);
    await exchange(
      f.port,
      Buffer.concat([hello.subarray(0, 4), Buffer.from([0xff, 0xff, 0xff, 0x7f])]),
    );
    const malformed = newEvents(mark, 'opcua.malformed');
    assert.equal(malformed.length, 2);
    assert.match(String(malformed[0]?.details?.['reason']), /unknown message type/);
    assert.match(String(malformed[1]?.details?.['reason']), /Hello of/);
    // Still serving: a proper client gets a session, signed and encrypted end to end to the broker.
    const client = operatorClient(MessageSecurityMode.SignAndEncrypt);
    try {
      const { session } = await loginOperator(client, f.endpointUrl);
      const dv = await session.read({ nodeId: 'ns=0;i=2259', attributeId: AttributeIds.Value });
      assert.equal(dv.statusCode.name, 'Good');
      await session.close();
    } finally {
      await client.disconnect();
    }
  },
);

test(
  'a plant server with another certificate than the pinned one is refused and audited',
  { timeout: 30_000 },
  async () => {
    const wrong = opcuaAssetSchema.parse({ ...asset, serverCertificateSha256: 'a'.repeat(64) });
    const f = await forward({ asset: wrong });
    const mark = events.length;
    const answer = await exchange(f.port, helloMessage(`opc.tcp://127.0.0.1:${f.port}`));
    assert.equal(answer.length, 0, 'no ACK: no session was opened');
    const mismatch = newEvents(mark, 'opcua.certificate_mismatch');
    assert.equal(mismatch.length, 1);
    assert.equal(mismatch[0]?.details?.['expectedSha256'], 'a'.repeat(64));
    assert.equal(mismatch[0]?.details?.['presentedSha256'], asset.serverCertificateSha256);
    assert.equal(
      plant.certificateSha256,
      asset.serverCertificateSha256,
      'the simulator reports the certificate onboarding pins',
    );
  },
);

test(
  'an asset without a user name: the broker logs in to the plant with its application certificate',
  { timeout: 30_000 },
  async () => {
    const { username: _unused, ...withoutUser } = asset;
    const f = await forward({ asset: opcuaAssetSchema.parse(withoutUser) });
    const client = operatorClient();
    try {
      const { session, id } = await loginOperator(client, f.endpointUrl);
      const dv = await session.read({
        nodeId: id('Line1.Temperature'),
        attributeId: AttributeIds.Value,
      });
      assert.equal(dv.value.value, 72.3);
      await session.close();
    } finally {
      await client.disconnect();
    }
  },
);
