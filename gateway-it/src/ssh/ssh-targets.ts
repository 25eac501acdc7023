/**
 * Which asset an SSH user name or an `ssh -L` destination means. A bare asset name is looked up
 * in every site's published catalogue; if several sites have it, the one the user can open now is
 * taken, and otherwise the operator is asked to name the site (`site/asset`). Refusals are
 * AirlockErrors with a message for the operator; whether the user may open the asset is the
 * access check's question, asked later by OperatorSessions.
 */
import { AirlockError } from '../../../shared/src/errors.js';
import type { UserId } from '../../../shared/src/ids.js';
import type { CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import type { AccessChecker } from '../access/access.js';
import type { AssetCatalogueStore, SiteStore } from '../store/store.js';
import type { AssetRef } from './ssh-login-name.js';

export interface ResolvedTarget {
  readonly site: string;
  readonly asset: CatalogueAsset;
}

export interface SshTargetDeps {
  readonly sites: SiteStore;
  readonly catalogue: AssetCatalogueStore;
  readonly checker: AccessChecker;
}

export function resolveTarget(
  deps: SshTargetDeps,
  user: UserId,
  ref: AssetRef,
  now: number,
): ResolvedTarget {
  const sites = ref.site === undefined ? deps.sites.list().map((s) => s.id as string) : [ref.site];
  const found: ResolvedTarget[] = [];
  for (const site of sites) {
    const asset = deps.catalogue.get(site, ref.asset);
    if (asset !== undefined) found.push({ site, asset });
  }
  const named = ref.site === undefined ? ref.asset : `${ref.site}/${ref.asset}`;
  const only = found[0];
  if (only === undefined)
    throw new AirlockError('not_found', 'ssh.unknown_target', `there is no asset ${named}`);
  if (found.length === 1) return only;
  const usable = found.filter(
    (t) => deps.checker.checkAccess(user, t.site, t.asset.name, t.asset.protocol, now).allow,
  );
  if (usable.length === 1 && usable[0] !== undefined) return usable[0];
  throw new AirlockError(
    'conflict',
    'ssh.ambiguous_target',
    `${ref.asset} exists at ${found.map((t) => t.site).join(', ')}: name the site, e.g. ${found[0]?.site}/${ref.asset}`,
  );
}
