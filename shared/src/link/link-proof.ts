/**
 * The OT gateway's proof of identity on every link connection: an Ed25519 signature (its identity
 * key) over a canonical statement naming the purpose, the channel (control, or data for one
 * session), the site, the IT gateway's certificate fingerprint (so an answer is only good for the
 * server the OT side pinned) and the IT side's fresh challenge nonce. The IT side issues a new nonce
 * per connection and accepts each answer once, so a captured answer is worthless.
 */
import { randomBytes } from 'node:crypto';
import { fromBase64Url, toBase64Url } from '../crypto/encoding.js';
import { signObject, verifyObject } from '../crypto/signing.js';

export const LINK_PROOF_PURPOSE = 'airlock-link-proof/v1';
export const CHALLENGE_NONCE_BYTES = 32;

export interface LinkProofStatement {
  readonly channel: 'control' | 'data';
  readonly site: string;
  readonly sessionId: string | null;
  /** Lowercase hex SHA-256 of the IT gateway's certificate as the OT side saw it. */
  readonly itFingerprint: string;
  /** base64url of the OT identity public key. */
  readonly publicKey: string;
  /** base64url challenge nonce from the IT side. */
  readonly nonce: string;
}

function signedContent(s: LinkProofStatement): Record<string, unknown> {
  return {
    purpose: LINK_PROOF_PURPOSE,
    channel: s.channel,
    site: s.site,
    sessionId: s.sessionId,
    itFingerprint: s.itFingerprint,
    publicKey: s.publicKey,
    nonce: s.nonce,
  };
}

export function newChallengeNonce(): string {
  return toBase64Url(randomBytes(CHALLENGE_NONCE_BYTES));
}

export function signLinkProof(statement: LinkProofStatement, secretKey: Uint8Array): string {
  return toBase64Url(signObject(signedContent(statement), secretKey));
}

/** True only for a valid signature by `publicKey` over exactly this statement; never throws. */
export function verifyLinkProof(
  statement: LinkProofStatement,
  signature: string,
  publicKey: Uint8Array,
): boolean {
  const sig = fromBase64Url(signature, 64);
  return sig.ok && verifyObject(sig.value, signedContent(statement), publicKey);
}
