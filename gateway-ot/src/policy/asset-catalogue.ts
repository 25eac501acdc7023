/** Builds the secret-free catalogue (shared/src/model/asset-catalogue.ts) from the local policy. */
import { SERVICE_PORTS, type CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import type { AssetPolicy, LocalPolicy } from './local-policy.js';

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
