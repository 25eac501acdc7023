/** Builds the secret-free catalogue (shared/src/model/asset-catalogue.ts) from the local policy. */
import { SERVICE_PORTS, type CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import type { Protocol } from '../../../shared/src/model/session-ticket.js';
import type { AssetPolicy, LocalPolicy, ProtocolPolicy } from './local-policy.js';

function profilesOf(
  a: AssetPolicy,
  protocol: ProtocolPolicy | undefined,
): CatalogueAsset['profiles'] {
  return Object.entries(a.profiles)
    .map(([p, prof]) => ({
      name: p,
      description: prof.description ?? '',
      ...protocol?.describeProfile?.(a, p),
    }))
    .sort((x, y) => x.name.localeCompare(y.name));
}

export function buildCatalogue(
  policy: LocalPolicy,
  protocols: ReadonlyMap<Protocol, ProtocolPolicy>,
): CatalogueAsset[] {
  return Object.entries(policy.assets)
    .map(([name, a]): CatalogueAsset => ({
      name,
      protocol: a.protocol,
      description: a.description ?? '',
      address: a.address,
      servicePort: SERVICE_PORTS[a.protocol],
      profiles: profilesOf(a, protocols.get(a.protocol)),
    }))
    .sort((x, y) => x.name.localeCompare(y.name));
}
