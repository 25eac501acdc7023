/**
 * The asset catalogue the OT gateway publishes to the IT side: what exists and which profiles it
 * offers, with no secret and nothing the IT side could use to reach an asset by itself beyond the
 * name and address operators already know. `servicePort` is the protocol's well-known port that an
 * operator names in `ssh -L local:asset:servicePort`; the real plant-side port stays a local detail.
 */
import type { Protocol } from '../../../shared/src/model/session-ticket.js';
import type { AssetPolicy, LocalPolicy } from './local-policy.js';

export interface CatalogueAsset {
  readonly name: string;
  readonly protocol: Protocol;
  readonly description: string;
  readonly address: string;
  readonly servicePort: number;
  readonly profiles: readonly { readonly name: string; readonly description: string }[];
}

export const SERVICE_PORTS: Readonly<Record<Protocol, number>> = { ssh: 22, modbus: 502, opcua: 4840 };

export function catalogueEntry(name: string, a: AssetPolicy): CatalogueAsset {
  return {
    name,
    protocol: a.protocol,
    description: a.description ?? '',
    address: a.address,
    servicePort: SERVICE_PORTS[a.protocol],
    profiles: Object.entries(a.profiles)
      .map(([p, prof]) => ({ name: p, description: prof.description ?? '' }))
      .sort((x, y) => x.name.localeCompare(y.name)),
  };
}

export function buildCatalogue(policy: LocalPolicy): CatalogueAsset[] {
  return Object.entries(policy.assets)
    .map(([name, a]) => catalogueEntry(name, a))
    .sort((x, y) => x.name.localeCompare(y.name));
}
