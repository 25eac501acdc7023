/**
 * A bare local account row for unit tests that insert users straight into the UserStore: no
 * password unless given, no TOTP, no company or contract end, not break-glass. For tests only.
 */
import type { UserId } from '../../../shared/src/ids.js';
import type { NewUser, RoleAssignment } from './user-store.js';

export function testUserRow(
  name: string,
  roles: readonly RoleAssignment[],
  createdAt: number,
  o: { readonly id?: string; readonly passwordHash?: string } = {},
): NewUser {
  return {
    id: (o.id ?? `usr_${name}`) as UserId,
    name,
    displayName: name,
    passwordHash: o.passwordHash ?? null,
    totpSecretSealed: null,
    totpEnrolledAt: null,
    company: null,
    contractEnd: null,
    canBreakGlass: false,
    roles,
    createdAt,
  };
}
