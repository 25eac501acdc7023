/**
 * Verifies the owners' signed approvals a session ticket carries, against the passkeys enrolled at
 * THIS gateway. The result (owners whose assertions verified, and why each other one did not) goes
 * to the ticket verifier, which applies the site's quorum and audits the verdict.
 *
 * An assertion counts only when: the ticket's grant lies inside what was signed (same site and
 * requester, its asset with its profile among the signed ones, its bounds within the signed window:
 * another asset, a later end, another profile or requester fails); its credential is enrolled here;
 * its client data is a `webauthn.get` for SHA-256 of the canonical content, from the origin recorded
 * at that owner's enrollment; its RP id is the recorded one; user presence and verification are set;
 * the signature verifies with the enrolled key; and its counter is not below the highest this
 * gateway accepted for that credential (persisted). The same assertion is carried by every ticket
 * of a grant, so an equal counter is accepted; a lower one is a clone or an old approval.
 * Not guaranteed: the ticket's IT signature (the ticket verifier checks it); a counter-less
 * authenticator (always 0) gives no clone detection, as WebAuthn says.
 */
import type { Clock } from '../../../shared/src/clock.js';
import {
  approvalChallenge,
  type ApprovalContent,
} from '../../../shared/src/model/owner-approval.js';
import {
  sessionTicketSchema,
  signedTicketSchema,
  type SessionTicket,
} from '../../../shared/src/model/session-ticket.js';
import { parseAssertion, verifyPasskeyAssertion } from '../../../shared/src/webauthn/webauthn.js';
import type { OwnerKeyStore } from '../store/store.js';

export interface OwnerSignatures {
  /** Owner names whose assertions verified (one entry per verified assertion). */
  readonly owners: readonly string[];
  /** Why the other assertions (or the approval as a whole) did not count. */
  readonly problems: readonly string[];
}

/** Where the ticket's grant differs from what the owners signed; null when it lies inside it. */
export function contentMismatch(t: SessionTicket, c: ApprovalContent): string | null {
  if (c.site !== t.site) return `the approval is for site ${c.site}, the ticket for ${t.site}`;
  if (c.requester.id !== t.user.id || c.requester.name !== t.user.name)
    return `the approval is for requester ${c.requester.name}, the ticket for ${t.user.name}`;
  if (!c.assets.some((a) => a.asset === t.asset && a.profile === t.profile))
    return `the approval does not cover ${t.asset} with profile ${t.profile}`;
  if (t.grantNotBefore < c.notBefore) return 'the ticket grant starts before the approved window';
  if (t.grantNotAfter > c.notAfter) return 'the ticket grant ends after the approved window';
  return null;
}

export interface OwnerApprovalVerifierDeps {
  readonly keys: OwnerKeyStore;
  readonly clock: Clock;
}

export class OwnerApprovalVerifier {
  constructor(private readonly deps: OwnerApprovalVerifierDeps) {}

  /** Checks the approvals of a ticket as received (shape only; the ticket verifier checks the rest). */
  async verify(signedTicket: unknown): Promise<OwnerSignatures> {
    const outer = signedTicketSchema.safeParse(signedTicket);
    const parsed = outer.success ? sessionTicketSchema.safeParse(outer.data.ticket) : undefined;
    if (parsed === undefined || !parsed.success)
      return { owners: [], problems: ['the ticket is malformed'] };
    const t = parsed.data;
    if (t.ownerApproval === undefined)
      return { owners: [], problems: ['the ticket carries no owner-signed approval'] };
    const { content, assertions } = t.ownerApproval;
    const mismatch = contentMismatch(t, content);
    if (mismatch !== null) return { owners: [], problems: [mismatch] };
    const challenge = approvalChallenge(content);
    const owners: string[] = [];
    const problems: string[] = [];
    for (const a of assertions) {
      const key = this.deps.keys.key(a.id);
      if (key === undefined) {
        problems.push(`credential ${a.id.slice(0, 16)} is not an owner passkey enrolled here`);
        continue;
      }
      const response = parseAssertion(JSON.stringify(a));
      if (!response.ok) {
        problems.push(`${key.owner}'s assertion: malformed`);
        continue;
      }
      const v = await verifyPasskeyAssertion({
        response: response.value,
        expectedChallenge: challenge,
        rp: { id: key.rpId, origins: [key.origin] },
        // The counter is checked below: an equal one is fine (every ticket of a grant repeats it).
        credential: { credentialId: key.credentialId, publicKey: key.publicKey, counter: 0 },
        requireUserVerification: true,
      });
      if (!v.ok) {
        problems.push(`${key.owner}'s assertion: ${v.error}`);
        continue;
      }
      // Re-read: an earlier assertion of this ticket may have raised it.
      const stored = this.deps.keys.key(a.id)?.counter ?? key.counter;
      if (v.value.newCounter < stored) {
        problems.push(
          `${key.owner}'s assertion: counter_regressed (${v.value.newCounter} < ${stored})`,
        );
        continue;
      }
      this.deps.keys.recordUse(key.credentialId, v.value.newCounter, this.deps.clock.now());
      owners.push(key.owner);
    }
    return { owners, problems };
  }
}
