/**
 * An ITSM connector's credentials, read from a key file (0600, refused when group or others may
 * read it): JSON `{"username": ..., "password": ...}` (HTTP Basic) or `{"token": ...}` (Bearer).
 * Errors name the file and the problem, never the content.
 */
import { z } from 'zod';
import { AirlockError } from '../../../shared/src/errors.js';
import { readSecretFile } from '../../../shared/src/crypto/key-file.js';

const credentialsSchema = z.union([
  z.strictObject({ username: z.string().min(1), password: z.string().min(1) }),
  z.strictObject({ token: z.string().min(1) }),
]);

/** The Authorization header value for the key file at `path`. */
export function authorizationFrom(path: string): string {
  const bytes = readSecretFile(path);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new AirlockError(
      'bad_request',
      'itsm.bad_credentials',
      `ITSM key file ${path} is not JSON`,
    );
  } finally {
    bytes.fill(0);
  }
  const c = credentialsSchema.safeParse(json);
  if (!c.success)
    throw new AirlockError(
      'bad_request',
      'itsm.bad_credentials',
      `ITSM key file ${path} must hold {"username","password"} or {"token"}`,
    );
  return 'token' in c.data
    ? `Bearer ${c.data.token}`
    : `Basic ${Buffer.from(`${c.data.username}:${c.data.password}`, 'utf8').toString('base64')}`;
}
