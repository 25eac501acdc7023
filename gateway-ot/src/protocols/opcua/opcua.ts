/**
 * The OPC UA protocol module: a terminating broker, an OPC UA server to the operator's tool and an
 * OPC UA client to the plant server, exposing only the nodes the profile allows. It owns the OPC UA
 * assets' policy (opcua-policy.ts), the framing guard, the mirrored view and the broker.
 *
 * Guarantees: the plant server is reached only with the certificate pinned in the local policy and
 * the vault's credential; an operator sees, reads, writes (within bounds) and calls only what the
 * profile's rules name; each write and call is audited with node id and values; malformed framing
 * closes the channel and is audited. Not guaranteed: see opcua-broker.ts and the modules it names.
 *
 * Loading node-opcua costs seconds of CPU: only the policy (zod) is imported with this module; the
 * broker and node-opcua are imported when a broker is built, i.e. when the policy has an OPC UA
 * asset.
 */
import { join } from 'node:path';
import type { ProtocolProbe } from '../../../../shared/src/model/discovery.js';
import type { ProtocolModule } from '../../sessions/sessions.js';
import { opcuaAssetSchema } from './opcua-policy.js';

export const opcuaProtocol: ProtocolModule = {
  protocol: 'opcua',
  assetSchema: opcuaAssetSchema,
  async createBroker(deps) {
    const { createOpcuaBroker } = await import('./opcua-broker.js');
    return createOpcuaBroker({
      pkiDir: join(deps.dataDir, 'opcua-pki'),
      credentials: deps.credentials,
      learning: deps.learning,
    });
  },
};

/**
 * The discovery probe (discovery/): Hello, then GetEndpoints without a session. Loaded on first
 * use, like the broker, so a gateway that never probes OPC UA never loads node-opcua.
 */
export function createOpcuaProbe(pkiDir: string): ProtocolProbe {
  let probe: Promise<ProtocolProbe> | undefined;
  return async (target, options) => {
    probe ??= import('./opcua-probe.js').then((m) => m.createOpcuaProbe(pkiDir));
    return (await probe)(target, options);
  };
}

export {
  compileCeiling,
  createOpcuaReplay,
  describeOpcuaOperation,
  opcuaOperationSchema,
  parseNodeText,
  proposeOpcuaProfile,
  type OpcuaOperation,
  type OpcuaReplayDecision,
} from './opcua-learning.js';
export { isOpcuaAsset, type OpcuaProfile } from './opcua-policy.js';
