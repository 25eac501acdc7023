/**
 * Session tickets: the short-lived statement, signed by the IT gateway's grant-signing key, that
 * lets one session through the OT gateway. The IT gateway issues one each time a grant is used;
 * the OT gateway re-verifies everything in it against its own clock, nonce store and local policy
 * (see gateway-ot grants/). This module owns only the format and the signature: it guarantees that
 * a ticket that passes `openSignedTicket` was signed, byte for byte, by the holder of the key.
 */
import { z } from 'zod';
import { parseWith } from '../config/format-issues.js';
import { fromBase64Url, toBase64Url } from '../crypto/encoding.js';
import { signObject, verifyObject } from '../crypto/signing.js';
import { err, ok, type Problem, type Result } from '../result.js';
import { nameSchema } from './names.js';
import { ownerApprovalSchema } from './owner-approval.js';

export const PROTOCOLS = ['ssh', 'modbus', 'opcua'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export { NAME_PATTERN, nameSchema } from './names.js';

const b64url16 = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'expected 16 random bytes in base64url');
const epochMs = z.number().int().nonnegative();

export const sessionTicketSchema = z.strictObject({
  v: z.literal(1),
  sessionId: z.string().min(1).max(64),
  grantId: z.string().min(1).max(64),
  user: z.strictObject({ id: z.string().min(1).max(64), name: z.string().min(1).max(128) }),
  site: nameSchema,
  asset: nameSchema,
  protocol: z.enum(PROTOCOLS),
  profile: nameSchema,
  /** What the session is for: an interactive/exec SSH channel, or a forwarded TCP stream. */
  channel: z.enum(['ssh-session', 'tcp-forward']),
  grantNotBefore: epochMs,
  grantNotAfter: epochMs,
  approvers: z.array(z.string().min(1).max(128)).max(16),
  breakGlass: z.boolean(),
  /**
   * Owner-signed sites: the approved content and every owner's assertion over it (the OT gateway
   * verifies them against the owners enrolled there). Absent for IT-signed grants and break-glass.
   */
  ownerApproval: ownerApprovalSchema.optional(),
  nonce: b64url16,
  issuedAt: epochMs,
  expiresAt: epochMs,
});

export type SessionTicket = z.output<typeof sessionTicketSchema>;

export const signedTicketSchema = z.strictObject({
  ticket: z.unknown(),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'expected a 64-byte signature in base64url'),
});

export interface SignedTicket {
  readonly ticket: SessionTicket;
  readonly signature: string;
}

/** Default lifetime of a ticket: it is used at once or not at all. */
export const TICKET_TTL_MS = 30_000;

export function signTicket(ticket: SessionTicket, secretKey: Uint8Array): SignedTicket {
  return { ticket, signature: toBase64Url(signObject(ticket, secretKey)) };
}

/**
 * Checks shape and signature only. Time, site, nonce and policy checks belong to the verifier on
 * the OT side, which has the clock and the state to make them.
 */
export function openSignedTicket(
  input: unknown,
  publicKey: Uint8Array,
): Result<SessionTicket, Problem[]> {
  const outer = parseWith(signedTicketSchema, input);
  if (!outer.ok) return outer;
  const inner = parseWith(sessionTicketSchema, outer.value.ticket, 'ticket');
  if (!inner.ok) return inner;
  const sig = fromBase64Url(outer.value.signature, 64);
  if (!sig.ok) return err([{ path: 'signature', message: sig.error }]);
  // Verify over the parsed value: a strict schema guarantees nothing was dropped or added.
  if (!verifyObject(sig.value, inner.value, publicKey)) {
    return err([
      { path: 'signature', message: 'signature does not verify with the enrolled IT gateway key' },
    ]);
  }
  return ok(inner.value);
}
