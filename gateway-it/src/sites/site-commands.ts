/**
 * What the rest of the IT gateway may ask of a site's OT gateway. Declared here, beside the sites
 * it speaks to, so that access/ and sessions/ need not know the link: the link (link/) implements
 * it, and tests inject a recording fake through the gateway's deps. Access services (lockdown,
 * revocation), session relays and command reviews call it. Each method reports whether the command
 * reached the OT gateway; the OT side enforces expiry and its own lockdown without the link, so an
 * unreachable site is never less safe.
 */
import type { SignedTicket } from '../../../shared/src/model/session-ticket.js';
import type { SessionStream } from '../../../shared/src/link/session-channel.js';
import type {
  CommandResult,
  ReviewDecisionMessage,
} from '../../../shared/src/link/control-messages.js';

export interface SiteCommands {
  /** Tells the site to refuse new sessions and end live ones (on=true), or lifts the IT-side lockdown. */
  setLockdown(site: string, on: boolean, reason: string): Promise<boolean>;
  /** Ends every live session of a grant (revocation, expiry, deny-after-approve). */
  endGrantSessions(site: string, grantId: string, reason: string): Promise<boolean>;
  /** Ends one live session. */
  endSession(site: string, sessionId: string, reason: string): Promise<boolean>;
  /**
   * Asks the site to open a session for a signed ticket; resolves with the session's data stream
   * once the OT gateway has verified the ticket and dialled the data connection.
   */
  openSession(site: string, ticket: SignedTicket): Promise<SessionStream>;
  /** Hands an OT owner's decision on a held command line to the site; false when it is not connected. */
  sendReviewDecision(site: string, decision: ReviewDecisionMessage): boolean;
  /**
   * Relays an OT owner's passkey registration to the site, which verifies it against the enrollment
   * it started; the site's answer, or undefined when it is not connected or did not answer.
   */
  relayOwnerEnrollment(
    site: string,
    owner: string,
    registration: string,
  ): Promise<CommandResult | undefined>;
}

/**
 * A session's data connection as the IT relay sees it (defined in shared/src/link/session-channel.ts,
 * the same object the OT broker gets): `stream` is a Node Duplex of the operator's bytes with
 * back-pressure, `sendControl`/`onControl` carry small JSON messages beside it, `onClose` reports
 * the reason the session ended, `close(reason)` ends it.
 */
export type { SessionStream } from '../../../shared/src/link/session-channel.js';
