/**
 * OPC UA through the link: an in-process IT gateway and OT gateway (the OT composition root builds
 * the OPC UA broker for the policy's opcua asset), a node-opcua client whose TCP connection is
 * carried as one link session per connection (what the IT gateway's `ssh -L` will do), and the
 * simulated plant server. Asserts the operator's view and that the write and the refusal are in the
 * OT gateway's audit log with the session's ids, and that ending the session from the IT side
 * closes the operator's connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttributeIds, DataType } from 'node-opcua';
import { PLANT_NAMESPACE_URI } from '../../image/demo/plant/opcua-server.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { auditActions, SITE } from '../helpers/link-fixture.js';
import { connectOverLink, startOpcuaSite } from '../helpers/opcua-site.js';
import { waitFor } from '../helpers/wait-for.js';

useCrypto();

test(
  'an operator reads, writes within bounds and is refused out of bounds through both gateways; all audited on the OT side',
  { timeout: 90_000 },
  async (t) => {
    const site = await startOpcuaSite(t);
    const { plant, it, ot } = site;
    const { client, session, id, opened } = await connectOverLink(t, site);
    const line1 = await session.browse(id('Line1'));
    assert.deepEqual((line1.references ?? []).map((r) => r.browseName.name).sort(), [
      'Setpoint',
      'Temperature',
    ]);
    const temperature = await session.read({
      nodeId: id('Line1.Temperature'),
      attributeId: AttributeIds.Value,
    });
    assert.equal(temperature.value.value, 72.3);
    const write = (value: number) =>
      session.write({
        nodeId: id('Line1.Setpoint'),
        attributeId: AttributeIds.Value,
        value: { value: { dataType: DataType.Double, value } },
      });
    assert.equal((await write(60)).name, 'Good');
    assert.equal((await write(95)).name, 'BadUserAccessDenied');
    assert.equal(plant.valueOf('setpoint'), 60);

    const sessionId = opened[0]?.sessionId;
    assert.ok(sessionId);
    const events = auditActions(ot.gw).filter((e) => e.action.startsWith('opcua.'));
    const result = events.find(
      (e) => e.action === 'opcua.write' && e.details['phase'] === 'result',
    );
    assert.deepEqual(
      { ...result?.details },
      {
        node: `nsu=${PLANT_NAMESPACE_URI};s=Line1.Setpoint`,
        dataType: 'Double',
        oldValue: 72.5,
        newValue: 60,
        phase: 'result',
        status: 'Good',
        sessionId,
        grantId: 'grt_test',
      },
    );
    const deny = events.find((e) => e.action === 'opcua.deny');
    assert.equal(deny?.details['newValue'], 95);
    assert.equal(deny?.details['sessionId'], sessionId);

    const checkout = [...ot.gw.services.audit.iterate()].find((e) => e.action === 'vault.checkout');
    assert.deepEqual(
      [
        checkout?.actor,
        checkout?.target,
        checkout?.details['account'],
        checkout?.details['sessionId'],
      ],
      ['alice', 'opc-1', 'gw-opc', sessionId],
      'the plant password came from the vault, audited',
    );

    // Ended from the IT side (an OT owner, or the grant's end): the operator's connection closes.
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    assert.equal(
      await it.gw.services.siteCommands.endSession(SITE, sessionId, 'ended by an OT owner'),
      true,
    );
    await closed;
    await waitFor('the OT side to record the end', () =>
      auditActions(ot.gw).some(
        (e) => e.action === 'session.end' && e.details['sessionId'] === sessionId,
      ),
    );
    assert.ok(
      auditActions(ot.gw).some(
        (e) => e.action === 'vault.checkin' && e.details['sessionId'] === sessionId,
      ),
      'checked in when the session ended',
    );
  },
);
