/**
 * Creates an account synchronously for test set-up: the product hashes passwords on its worker
 * threads (asynchronously), which would make every fixture that adds a user async. This hashes on
 * the test's own thread and stores through the product's real path (`insertUser`, which runs the
 * same checks as `createUser`).
 */
import { hashPassword } from '../../shared/src/crypto/password-hash.js';
import type { UserAdmin } from '../../gateway-it/src/auth/auth.js';
import { generatePassword } from '../../gateway-it/src/auth/password-policy.js';

type CreateInput = Parameters<UserAdmin['createUser']>[0];

export function createUserNow(
  admin: UserAdmin,
  input: CreateInput,
  actor = 'cli:test',
): ReturnType<UserAdmin['insertUser']> {
  const password = input.password ?? generatePassword();
  return admin.insertUser({ input, password, passwordHash: hashPassword(password) }, actor);
}
