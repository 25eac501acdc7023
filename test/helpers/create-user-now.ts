/**
 * Creates an account synchronously for test set-up: the product hashes passwords on its worker
 * threads (asynchronously), which would make every fixture that adds a user async. This hashes on
 * the test's own thread and stores through the product's real path (`insertUser`, which runs the
 * same checks as `createUser`).
 */
import { hashPassword } from '../../shared/src/crypto/password-hash.js';
import type { UserAdmin } from '../../gateway-it/src/auth/auth.js';
import { generatePassword } from '../../gateway-it/src/auth/password-policy.js';
import type { HarnessUser } from './it-harness.js';

type CreateInput = Parameters<UserAdmin['createUser']>[0];

export function createUserNow(
  admin: UserAdmin,
  input: CreateInput,
  actor = 'cli:test',
): ReturnType<UserAdmin['insertUser']> {
  const password = input.password ?? generatePassword();
  return admin.insertUser({ input, password, passwordHash: hashPassword(password) }, actor);
}

/** `createUserNow` as a harness user: the account, its password, TOTP secret and recovery codes. */
export function createHarnessUser(
  admin: UserAdmin,
  name: string,
  roles: CreateInput['roles'],
): HarnessUser {
  const c = createUserNow(admin, { name, roles });
  return {
    user: c.user,
    password: c.password,
    totpSecret: c.totpSecret ?? '',
    recoveryCodes: c.recoveryCodes,
  };
}
