/**
 * The enrollment exchange (HTTPS POST to ENROLL_PATH on the IT gateway, over TLS pinned to the
 * fingerprint the admin handed over): the OT gateway presents the one-time token, its site and its
 * identity public key; the IT gateway answers with the key that signs session tickets. The token is
 * a bearer secret: it is never logged or audited, and the IT side stores only its SHA-256.
 */
import { z } from 'zod';
import { nameSchema } from '../model/session-ticket.js';

/** `aet_` + 32 random bytes in base64url. */
export const ENROLLMENT_TOKEN_PATTERN = /^aet_[A-Za-z0-9_-]{43}$/;
export const ENROLLMENT_TOKEN_TTL_MS = 15 * 60_000;
export const MAX_ENROLL_BODY_BYTES = 4096;

const b64url32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected 32 bytes in base64url');

export const enrollRequestSchema = z.strictObject({
  token: z.string().regex(ENROLLMENT_TOKEN_PATTERN, 'expected an enrollment token (aet_...)'),
  site: nameSchema,
  publicKey: b64url32,
  gatewayVersion: z.string().min(1).max(32),
});

export const enrollResponseSchema = z.strictObject({
  site: nameSchema,
  gatewayId: z.string().min(1).max(64),
  /** The IT gateway's session-ticket signing key: the only key whose tickets this site accepts. */
  grantPublicKey: b64url32,
  itFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
});

export type EnrollRequest = z.output<typeof enrollRequestSchema>;
export type EnrollResponse = z.output<typeof enrollResponseSchema>;
