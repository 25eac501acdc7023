/**
 * Which provider a SCIM request comes from: its bearer token against each provider's token file
 * (read once at start; a missing, open or short file stops the start). Tokens are compared as
 * SHA-256 digests in constant time, every provider's every time, so neither the length nor the
 * position of a mismatch shows in the timing. The token is never logged, audited or echoed.
 */
import { timingSafeEqual } from 'node:crypto';
import { AirlockError } from '../../../shared/src/errors.js';
import { readSecretFile } from '../../../shared/src/crypto/key-file.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import type { SsoConfig } from '../config/config.js';

/** Shorter tokens are refused at start: a SCIM token is a long random secret. */
export const MIN_TOKEN_LENGTH = 32;

export interface ScimTokens {
  /** The providers that provision through SCIM (a token file configured). */
  readonly providers: readonly string[];
  /** The provider whose token `authorization` carries, or undefined. */
  providerOf(authorization: string | undefined): string | undefined;
}

function readToken(provider: string, path: string): Buffer {
  const bytes = readSecretFile(path);
  try {
    const token = Buffer.from(bytes).toString('utf8').trim();
    if (token.length < MIN_TOKEN_LENGTH)
      throw new AirlockError(
        'bad_request',
        'scim.short_token',
        `SCIM token file ${path} of provider ${provider} holds fewer than ${MIN_TOKEN_LENGTH} characters`,
      );
    return Buffer.from(sha256Hex(token), 'hex');
  } finally {
    bytes.fill(0);
  }
}

export function loadScimTokens(sso: Pick<SsoConfig, 'providers'>): ScimTokens {
  const digests = Object.entries(sso.providers).flatMap(([id, p]) =>
    p.scimTokenFile === undefined ? [] : [{ id, digest: readToken(id, p.scimTokenFile) }],
  );
  return {
    providers: digests.map((d) => d.id),
    providerOf(authorization) {
      const m = /^Bearer ([\x21-\x7e]{1,4096})$/i.exec(authorization ?? '');
      if (m?.[1] === undefined) return undefined;
      const presented = Buffer.from(sha256Hex(m[1]), 'hex');
      let found: string | undefined;
      for (const d of digests) if (timingSafeEqual(presented, d.digest)) found ??= d.id;
      return found;
    },
  };
}
