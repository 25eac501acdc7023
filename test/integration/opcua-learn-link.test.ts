/**
 * OPC UA learn mode in the composed OT gateway, through both gateways: the OT composition root
 * hands its learning service to the OPC UA broker, so a session over the link that starts while
 * the profile learns sees the learn ceiling's view and its operations are recorded; the proposal
 * made from them replays the session's audited writes from the gateway's own chain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttributeIds, DataType } from 'node-opcua';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { connectOverLink, startOpcuaSite } from '../helpers/opcua-site.js';

useCrypto();

test(
  'a session over the link learns within the ceiling; the proposal keeps what it did',
  { timeout: 150_000 },
  async (t) => {
    const site = await startOpcuaSite(t, {
      learnCeiling: {
        nodes: [
          { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 0, max: 100 },
          { node: 's=Line1.Counter', access: 'read' },
        ],
      },
    });
    const { plant, ot } = site;
    const learning = ot.gw.services.learning;
    learning.learn({
      asset: 'opc-1',
      profile: 'maintenance',
      until: Date.now() + 3_600_000,
      actor: 'cli:olga',
    });

    const { session, id } = await connectOverLink(t, site);
    // The ceiling's view: Counter is in it, Temperature (only the profile's) is not.
    const line1 = await session.browse(id('Line1'));
    assert.deepEqual((line1.references ?? []).map((r) => r.browseName.name).sort(), [
      'Counter',
      'Setpoint',
    ]);
    const counter = await session.read({
      nodeId: id('Line1.Counter'),
      attributeId: AttributeIds.Value,
    });
    assert.equal(counter.statusCode.name, 'Good');
    const write = await session.write({
      nodeId: id('Line1.Setpoint'),
      attributeId: AttributeIds.Value,
      value: { value: { dataType: DataType.Double, value: 95 } }, // beyond the profile's 90
    });
    assert.equal(write.name, 'Good');
    assert.equal(plant.valueOf('setpoint'), 95);

    const proposal = learning.propose({
      asset: 'opc-1',
      profile: 'maintenance',
      marginPercent: 10,
      replayDays: 1,
      actor: 'cli:olga',
    });
    assert.ok(proposal.protocol === 'opcua');
    assert.deepEqual(proposal.proposed.nodes, [
      { node: 's=Line1.Counter', access: 'read' },
      { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 85.5, max: 100 },
    ]);
    assert.ok(proposal.replay);
    assert.deepEqual(
      [proposal.replay.replayed, proposal.replay.refused.length],
      [2, 0],
      "the session's audited write and its learned read pass the proposal",
    );
  },
);
