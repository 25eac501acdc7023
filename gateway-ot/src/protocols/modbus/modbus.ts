/**
 * The Modbus TCP protocol module: a transparent proxy between the operator's Modbus tool and the
 * asset's PLC that parses every MBAP frame and applies the session's access profile. It owns the
 * Modbus assets' policy (modbus-policy.ts), the frame and PDU codecs, the rules and the broker.
 *
 * Guarantees: deny by default: a request reaches the PLC only for a unit id, function and address
 * range the profile names, and a write only within its value bounds; a refused request gets the
 * correct Modbus exception (01, 02, 03; 06 over the rate limit), never a silent drop; every write
 * is audited before it is forwarded, with unit, address and values, reads are counted; a malformed
 * frame closes the connection and is audited. What the rules mean: docs/modbus.md.
 * Not guaranteed: the order of answers to pipelined requests across a refusal (modbus-session.ts).
 */
import type { ProtocolModule } from '../../sessions/sessions.js';
import { createModbusBroker } from './modbus-broker.js';
import { isModbusAsset, modbusAssetSchema } from './modbus-policy.js';
import { modbusPoints } from './modbus-points.js';

export const modbusProtocol: ProtocolModule = {
  protocol: 'modbus',
  assetSchema: modbusAssetSchema,
  describeProfile(asset, profileName) {
    const profile = isModbusAsset(asset) ? asset.profiles[profileName] : undefined;
    return profile === undefined ? {} : { modbus: modbusPoints(profile) };
  },
  createBroker: (deps) => Promise.resolve(createModbusBroker({ learning: deps.learning })),
};

export {
  modbusOperation,
  proposeModbusProfile,
  replayModbusOperation,
  type ModbusOperation,
  type ProposeOptions,
} from './modbus-learning.js';
export { isModbusAsset, modbusProfileSchema, type ModbusProfile } from './modbus-policy.js';
/** The discovery probe (discovery/): FC 3 of one register per unit id, FC 43/14 where allowed. */
export { probeModbus } from './modbus-probe.js';
