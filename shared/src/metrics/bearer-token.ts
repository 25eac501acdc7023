/**
 * The bearer token that protects a gateway's `/metrics`: read once from a secret file (0600, at
 * least 32 characters; config holds the path, never the token) and compared in constant time.
 *
 * Guarantees: a request without `Authorization: Bearer <token>`, or with another token, is not
 * authorized; the token never appears in an error. Not here: TLS (the IT gateway serves /metrics
 * on its HTTPS listener; the OT listener is plain HTTP, loopback by default).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { AirlockError } from '../errors.js';

export interface BearerToken {
  /** True only for `Bearer <the token>`. */
  isAuthorized(header: string | undefined): boolean;
}

export function readBearerToken(path: string): BearerToken {
  const mode = statSync(path).mode & 0o077;
  if (mode !== 0)
    throw new AirlockError(
      'bad_request',
      'metrics.token_file_mode',
      `the metrics token file ${path} must not be readable by group or others (chmod 600)`,
    );
  const token = readFileSync(path, 'utf8').trim();
  if (token.length < 32 || /\s/.test(token))
    throw new AirlockError(
      'bad_request',
      'metrics.token_too_short',
      `the metrics token in ${path} must be one word of at least 32 characters`,
    );
  const want = digest(token);
  return {
    isAuthorized(header) {
      const m = /^Bearer ([^\s]{1,512})$/.exec(header ?? '');
      return m?.[1] !== undefined && timingSafeEqual(digest(m[1]), want);
    },
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
