/**
 * Owner-signed approvals: what an OT owner's passkey signs, defined once for both gateways.
 *
 * The approved content (site, assets with profiles, window bounds, requester, request id, ticket
 * reference) has ONE canonical encoding (`canonicalApprovalContent`), and the WebAuthn challenge of
 * an approval is its SHA-256 (`approvalChallenge`). The portal asks the owner's browser for an
 * assertion over that challenge; the OT gateway recomputes it from the content the session ticket
 * carries, so content that differs by one byte fails. An owner's enrollment challenge commits to
 * the one-time code the OT side printed (`ownerEnrollmentChallenge`), so the IT gateway cannot
 * produce an enrollment the OT side did not start without that code.
 * Guarantees: the encoding is injective (a JSON array of fixed positions, assets sorted, strings
 * escaped by JSON), so two different contents never share a challenge. Not here: verifying
 * assertions (shared/src/webauthn/) or which keys are trusted (the OT gateway's owners/).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { toBase64Url } from '../crypto/encoding.js';
import { nameSchema } from './names.js';

const epochMs = z.number().int().nonnegative();
const b64url = z.string().regex(/^[A-Za-z0-9_-]*$/, 'expected base64url');

export const approvalContentSchema = z.strictObject({
  site: nameSchema,
  /** Each asset with the profile approved for it (the encoding sorts them). */
  assets: z
    .array(z.strictObject({ asset: nameSchema, profile: nameSchema }))
    .min(1)
    .max(64),
  notBefore: epochMs,
  notAfter: epochMs,
  requester: z.strictObject({ id: z.string().min(1).max(64), name: z.string().min(1).max(128) }),
  requestId: z.string().min(1).max(64),
  /** The change/ITSM ticket the request names, or null. */
  ticketRef: z.string().min(1).max(128).nullable(),
});
export type ApprovalContent = z.output<typeof approvalContentSchema>;

/** One owner's WebAuthn assertion as the browser returned it (what the OT gateway verifies). */
export const ownerAssertionSchema = z.strictObject({
  id: b64url.min(1).max(1024),
  rawId: b64url.min(1).max(1024),
  type: z.literal('public-key'),
  response: z.strictObject({
    clientDataJSON: b64url.min(1).max(4096),
    authenticatorData: b64url.min(1).max(2048),
    signature: b64url.min(1).max(1024),
    userHandle: b64url.max(128).optional(),
  }),
});
export type OwnerAssertion = z.output<typeof ownerAssertionSchema>;

/** The fields of a browser's assertion that a ticket carries (extension results and the like dropped). */
export function toOwnerAssertion(a: {
  readonly id: string;
  readonly rawId: string;
  readonly response: {
    readonly clientDataJSON: string;
    readonly authenticatorData: string;
    readonly signature: string;
    readonly userHandle?: string | undefined;
  };
}): OwnerAssertion {
  const { clientDataJSON, authenticatorData, signature, userHandle } = a.response;
  return {
    id: a.id,
    rawId: a.rawId,
    type: 'public-key',
    response: {
      clientDataJSON,
      authenticatorData,
      signature,
      ...(userHandle === undefined ? {} : { userHandle }),
    },
  };
}

/** What a session ticket of an owner-signed grant carries: the content once, every owner's assertion. */
export const ownerApprovalSchema = z.strictObject({
  content: approvalContentSchema,
  assertions: z.array(ownerAssertionSchema).min(1).max(16),
});
export type OwnerApproval = z.output<typeof ownerApprovalSchema>;

export const APPROVAL_ENCODING = 'airlock-approval-v1';
export const ENROLLMENT_ENCODING = 'airlock-owner-enroll-v1';

/** The canonical encoding both sides hash: fixed positions, assets sorted by asset then profile. */
export function canonicalApprovalContent(c: ApprovalContent): string {
  const assets = c.assets
    .map((a) => [a.asset, a.profile] as const)
    .sort((x, y) => (x[0] === y[0] ? cmp(x[1], y[1]) : cmp(x[0], y[0])));
  return JSON.stringify([
    APPROVAL_ENCODING,
    c.site,
    assets,
    c.notBefore,
    c.notAfter,
    c.requester.id,
    c.requester.name,
    c.requestId,
    c.ticketRef,
  ]);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The WebAuthn challenge of an approval: SHA-256 of the canonical content, base64url. */
export function approvalChallenge(c: ApprovalContent): string {
  return toBase64Url(createHash('sha256').update(canonicalApprovalContent(c), 'utf8').digest());
}

/** The WebAuthn challenge of an owner's enrollment: SHA-256 over the code, the site and the owner. */
export function ownerEnrollmentChallenge(code: string, site: string, owner: string): string {
  const text = JSON.stringify([ENROLLMENT_ENCODING, normalizeEnrollmentCode(code), site, owner]);
  return toBase64Url(createHash('sha256').update(text, 'utf8').digest());
}

/** OT owner names as `airlock-ot owner enroll-start` takes them (the portal account name of the owner). */
export const ownerNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/,
    'expected an owner name: letters, digits, ".", "_", "@", "-" (max 128)',
  );

/** The code as the owner may type it (any case, dashes and spaces) in the one form both sides hash. */
export function normalizeEnrollmentCode(text: string): string {
  return text.toUpperCase().replace(/[\s-]/g, '');
}
