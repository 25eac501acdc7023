/**
 * The SSH user name carries the target (Warpgate's convention): `alice` (then a menu),
 * `alice:hmi-1`, or `alice:plant-1/hmi-1` when the asset name is not unique across sites. `+` does
 * the same as `:` (`alice+hmi-1`), for scp and sftp: `scp f alice:hmi-1@gw:path` splits at the
 * first colon and never reaches us, `scp f alice+hmi-1@gw:path` does. User names hold neither.
 * Parsed once, at the boundary; never throws.
 */
import { NAME_PATTERN } from '../../../shared/src/model/session-ticket.js';
import { err, ok, type Problem, type Result } from '../../../shared/src/result.js';
import { USER_NAME_PATTERN } from '../auth/auth.js';

export interface AssetRef {
  readonly site?: string;
  readonly asset: string;
}

export interface LoginName {
  readonly user: string;
  readonly target?: AssetRef;
}

/** `hmi-1` or `plant-1/hmi-1` (also used for the destination of `ssh -L`). */
export function parseAssetRef(text: string): Result<AssetRef, Problem[]> {
  const parts = text.split('/');
  const bad = err([
    {
      path: 'target',
      message: `"${text.slice(0, 80)}" is not an asset: expected <asset> or <site>/<asset>`,
    },
  ]);
  if (parts.length === 1 && NAME_PATTERN.test(text)) return ok({ asset: text });
  if (parts.length === 2 && NAME_PATTERN.test(parts[0] ?? '') && NAME_PATTERN.test(parts[1] ?? ''))
    return ok({ site: parts[0] as string, asset: parts[1] as string });
  return bad;
}

export function parseLoginName(text: string): Result<LoginName, Problem[]> {
  const at = text.search(/[:+]/);
  const user = at < 0 ? text : text.slice(0, at);
  if (!USER_NAME_PATTERN.test(user))
    return err([{ path: 'user', message: 'not a valid user name' }]);
  if (at < 0) return ok({ user });
  const target = parseAssetRef(text.slice(at + 1));
  return target.ok ? ok({ user, target: target.value }) : target;
}

export function formatAssetRef(r: { site: string; asset: string }): string {
  return `${r.site}/${r.asset}`;
}
