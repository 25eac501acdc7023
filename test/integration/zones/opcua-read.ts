/**
 * An OPC UA read for the zone tests, run inside the corp zone: connects to the endpoint given (the
 * operator's `ssh -L` port), opens a UserName session, reads Line1.Temperature and prints it as JSON.
 *   node opcua-read.js <endpoint url> <user> <pki dir> [password] [None|SignAndEncrypt]
 * (also used by the W27 test, against the simulated plant with a password, SignAndEncrypt).
 */
import { AttributeIds, MessageSecurityMode, UserTokenType } from 'node-opcua';
import { PLANT_NAMESPACE_URI } from '../../../image/demo/plant/opcua-server.js';
import { createTestClient } from '../../helpers/opcua-broker-harness.js';

const [url = '', userName = '', pki = '', password = '', mode = 'None'] = process.argv.slice(2);
const client = createTestClient(
  pki,
  mode === 'SignAndEncrypt' ? MessageSecurityMode.SignAndEncrypt : MessageSecurityMode.None,
);
await client.connect(url);
const session = await client.createSession({
  type: UserTokenType.UserName,
  userName,
  password,
});
const ns = (await session.readNamespaceArray()).indexOf(PLANT_NAMESPACE_URI);
const read = await session.read({
  nodeId: `ns=${ns};s=Line1.Temperature`,
  attributeId: AttributeIds.Value,
});
process.stdout.write(
  `${JSON.stringify({ status: read.statusCode.name, value: read.value.value as unknown })}\n`,
);
await session.close();
await client.disconnect();
