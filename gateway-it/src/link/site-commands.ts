/**
 * What the rest of the IT gateway may ask of a site's OT gateway, through the link. The link
 * server implements it; access services (lockdown, revocation) and session relays call it. Each
 * method reports whether the command reached the OT gateway; the OT side enforces expiry and its
 * own lockdown without the link, so an unreachable site is never less safe.
 */
import { AirlockError } from '../../../shared/src/errors.js';
import type { SignedTicket } from '../../../shared/src/model/session-ticket.js';

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
}

/** A session's byte stream between the IT relay and the OT gateway (one data connection each). */
export interface SessionStream {
  readonly sessionId: string;
  /** Sends bytes; resolves when they were handed to the socket (back-pressure aware). */
  write(chunk: Uint8Array): Promise<void>;
  /** Sends a JSON control message (window change, signal, exit status...) on the same connection. */
  sendControl(message: Readonly<Record<string, unknown>>): void;
  onData(listener: (chunk: Uint8Array) => void): void;
  onControl(listener: (message: Readonly<Record<string, unknown>>) => void): void;
  onClose(listener: (reason: string) => void): void;
  /** Pauses/resumes delivery of incoming data (propagates back-pressure to the OT side). */
  pause(): void;
  resume(): void;
  close(reason: string): void;
}

/** Until the link exists, no site can be reached; callers report that as unavailable. */
export const unreachableSites: SiteCommands = {
  setLockdown: async () => false,
  endGrantSessions: async () => false,
  endSession: async () => false,
  openSession: async (site) => {
    throw new AirlockError('unavailable', 'link.site_offline', `site ${site} is not connected`);
  },
};
