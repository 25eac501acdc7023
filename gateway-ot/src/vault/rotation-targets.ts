/**
 * Which accounts of the local policy are rotatable, and how each is reached: the protocol that
 * knows how to set and verify a password on its assets (SSH today) says so for each asset. The
 * protocols are handed in by the composition root; the vault imports none of them.
 */
import type { Protocol } from '../../../shared/src/model/session-ticket.js';
import type { AssetPolicy, LocalPolicy } from '../policy/policy.js';
import type { RotationTarget } from './rotation.js';

/** A protocol as the vault sees it: able (or not) to rotate the password of an asset's account. */
export interface RotationProtocol {
  readonly protocol: Protocol;
  /** The asset's rotatable account and how to reach it; absent or undefined: not rotatable. */
  rotationTarget?(asset: AssetPolicy): RotationTarget | undefined;
}

export function rotationTargetOf(
  policy: LocalPolicy,
  protocols: readonly RotationProtocol[],
  asset: string,
): RotationTarget | undefined {
  const a = Object.hasOwn(policy.assets, asset) ? policy.assets[asset] : undefined;
  if (a === undefined) return undefined;
  return protocols.find((p) => p.protocol === a.protocol)?.rotationTarget?.(a);
}
