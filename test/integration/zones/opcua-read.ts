/**
 * An OPC UA read for the zone tests, run inside the corp zone: connects to the endpoint given (the
 * operator's `ssh -L` port), opens a UserName session, reads Line1.Temperature and prints it as JSON.
 *   node opcua-read.js <endpoint url> <user> <pki dir> [password] [None|SignAndEncrypt]
 * (also used by the W27 test, against the simulated plant with a password, SignAndEncrypt).
 */
import { AttributeIds, MessageSecurityMode } from 'node-opcua';
import { createTestClient, loginOperator } from '../../helpers/opcua-broker-harness.js';

const [url = '', userName = '', pki = '', password = '', mode = 'None'] = process.argv.slice(2);
const client = createTestClient(
  pki,
  mode === 'SignAndEncrypt' ? MessageSecurityMode.SignAndEncrypt : MessageSecurityMode.None,
);
const { session, id } = await loginOperator(client, url, { userName, password });
const read = await session.read({
  nodeId: id('Line1.Temperature'),
  attributeId: AttributeIds.Value,
});
process.stdout.write(
  `${JSON.stringify({ status: read.statusCode.name, value: read.value.value as unknown })}\n`,
);
await session.close();
await client.disconnect();
