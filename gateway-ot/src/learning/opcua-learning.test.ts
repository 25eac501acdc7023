/**
 * The learning service on an OPC UA profile: learn needs the ceiling, propose builds the node rules
 * from recorded operations and replays the audited writes and calls, apply writes a policy file the
 * loader accepts. The broker side is in test/integration/opcua-learn.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { type FakeClock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { isOpcuaAsset, opcuaProtocol } from '../protocols/opcua/opcua.js';
import type { BrokerSession } from '../sessions/sessions.js';
import { learnWorld } from '../../../test/helpers/learn-fixture.js';

useCrypto();

const NS = 'urn:airlock:sim:plant';
const DAY = 86_400_000;

const POLICY = {
  assets: {
    'opc-1': {
      protocol: 'opcua',
      address: '127.0.0.1',
      profiles: {
        job: {
          namespaceUri: NS,
          nodes: [
            { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 0, max: 100 },
            { node: 's=Line1.*', access: 'read' },
          ],
          learnCeiling: {
            nodes: [
              { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 0, max: 100 },
              { node: 's=Line1.Reset*', access: 'call' },
              { node: 's=Line1.*', access: 'read' },
            ],
          },
        },
        view: { namespaceUri: NS, nodes: [{ node: 's=Line1.*', access: 'read' }] },
      },
    },
  },
};

function setUp(t: TestContext) {
  const { policyFile, loader, clock, audit, learning } = learnWorld(t, POLICY, [opcuaProtocol]);
  return { policyFile, loader, clock, audit, learning };
}

function session(clock: FakeClock): BrokerSession {
  // Only what `record` reads of a broker session.
  return {
    assetName: 'opc-1',
    profileName: 'job',
    clock,
    ticket: { sessionId: 'ses_1', grantId: 'grt_1' },
  } as unknown as BrokerSession;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof AirlockError) return e.code;
    throw e;
  }
  return 'no error';
}

test('an OPC UA profile learns, is proposed from its nodes, replayed and applied', (t) => {
  const { learning, clock, audit, policyFile, loader } = setUp(t);
  const until = clock.now() + DAY;
  assert.equal(
    codeOf(() => learning.learn({ asset: 'opc-1', profile: 'view', until, actor: 'cli:olga' })),
    'learning.no_ceiling',
  );
  // An earlier session wrote the setpoint to 95 under the broad profile (audited as forwarded).
  audit.append({
    action: 'opcua.write',
    actor: 'bob',
    site: 'plant-1',
    target: 'opc-1',
    outcome: 'success',
    details: {
      node: `nsu=${NS};s=Line1.Setpoint`,
      dataType: 'Double',
      oldValue: 50,
      newValue: 95,
      phase: 'forward',
      sessionId: 'ses_0',
      grantId: 'grt_0',
    },
  });
  clock.advance(1000);
  learning.learn({ asset: 'opc-1', profile: 'job', until, actor: 'cli:olga' });
  const s = session(clock);
  const op = (service: string, node: string, extra: Record<string, unknown> = {}) =>
    learning.record(s, { service, namespaceUri: NS, node, ...extra });
  op('read', 's=Line1.Temperature');
  op('write', 's=Line1.Setpoint', { dataType: 'Double', value: 40 });
  op('write', 's=Line1.Setpoint', { dataType: 'Double', value: 60 });
  op('call', 's=Line1.ResetCounter', { arguments: [] });

  const p = learning.propose({
    asset: 'opc-1',
    profile: 'job',
    marginPercent: 10,
    replayDays: 1,
    actor: 'cli:olga',
  });
  assert.ok(p.protocol === 'opcua');
  assert.equal(p.operations, 4);
  assert.deepEqual(p.proposed.nodes, [
    { node: 's=Line1.ResetCounter', access: 'call' },
    { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 38, max: 62 },
    { node: 's=Line1.Temperature', access: 'read' },
  ]);
  assert.match(p.diff, /^- {7}"node": "s=Line1\.\*",$/m);
  assert.match(p.diff, /^\+ {7}"max": 62$/m);
  assert.ok(p.replay);
  assert.equal(p.replay.replayed, 2, 'the audited write and the learned read');
  assert.deepEqual(
    p.replay.refused.map((r) => [r.source, r.sessionId, r.rule, r.summary]),
    [['audit', 'ses_0', 'value', `write nsu=${NS};s=Line1.Setpoint = 95 (Double)`]],
  );

  const applied = learning.apply({ proposalId: p.id, actor: 'cli:olga' });
  const enforced = loader.open(policyFile);
  assert.equal(enforced.hash, applied.policySha256);
  const asset = enforced.assets['opc-1'];
  assert.ok(asset !== undefined && isOpcuaAsset(asset));
  assert.deepEqual(asset.profiles['job']?.nodes, p.proposed.nodes);
  assert.equal(learning.learningUntil('opc-1', 'job'), undefined, 'apply ends learning');
  assert.match(readFileSync(policyFile, 'utf8'), /"learnCeiling"/, 'the ceiling stays');
});
