/**
 * Which accounts of the local policy are rotatable, and how each is reached: the protocol that
 * knows how to set and verify a password (SSH today). Modbus and OPC UA assets have none.
 */
import type { LocalPolicy } from '../policy/local-policy.js';
import {
  sshRotationTarget,
  type SshRotationOptions,
} from '../protocols/ssh/ssh-password-rotation.js';
import type { RotationTarget } from './rotation.js';

export function rotationTargetOf(
  policy: LocalPolicy,
  asset: string,
  options: SshRotationOptions = {},
): RotationTarget | undefined {
  const a = policy.assets[asset];
  if (a === undefined) return undefined;
  switch (a.protocol) {
    case 'ssh':
      return sshRotationTarget(a, options);
    case 'modbus':
    case 'opcua':
      return undefined;
    default: {
      const never: never = a;
      return never;
    }
  }
}
