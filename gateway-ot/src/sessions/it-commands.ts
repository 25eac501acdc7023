/**
 * What the IT side may ask of this gateway's sessions (the link carries the asks and the answers):
 * open a session for a signed ticket, end a session or every session of a grant, and set or lift
 * the IT-side lockdown, and complete an owner enrollment the OT side started. Each is carried out with this gateway's own services and checks: `open`
 * verifies the ticket here, and an IT-side lockdown can never lift the local one.
 */
import { describeLockdown, type Lockdown } from '../grants/grants.js';
import type { Owners } from '../owners/owners.js';
import type { DataDialer, SessionManager } from './session-manager.js';

export type CommandOutcome =
  { readonly ok: true } | { readonly ok: false; readonly code: string; readonly reason: string };

export interface ItCommands {
  /** Opens a session for a signed ticket; `dial` opens its data connection to the IT gateway. */
  open(signedTicket: unknown, dial: DataDialer): Promise<CommandOutcome>;
  endSession(sessionId: string, reason: string): CommandOutcome;
  endGrant(grantId: string, reason: string): CommandOutcome;
  lockdown(on: boolean, reason: string): CommandOutcome;
  /** Completes an OT-started owner enrollment with the registration the portal relayed (owners/). */
  enrollOwner(owner: string, registration: string): Promise<CommandOutcome>;
}

export function createItCommands(deps: {
  readonly sessions: SessionManager;
  readonly lockdown: Lockdown;
  readonly owners: Owners;
}): ItCommands {
  const { sessions, lockdown, owners } = deps;
  return {
    open: async (ticket, dial) => {
      const r = await sessions.open(ticket, dial);
      return r.ok ? { ok: true } : r;
    },
    endSession: (sessionId, reason) =>
      sessions.end(sessionId, reason)
        ? { ok: true }
        : { ok: false, code: 'session.not_found', reason: `no live session ${sessionId}` },
    endGrant: (grantId, reason) => {
      sessions.endGrant(grantId, reason);
      return { ok: true };
    },
    lockdown: (on, reason) => {
      lockdown.set('it', on, reason, 'it-gateway');
      if (on) sessions.endAll(describeLockdown(lockdown.status()));
      return { ok: true };
    },
    enrollOwner: async (owner, registration) => {
      const r = await owners.enrollment.complete(owner, registration);
      return r.ok ? { ok: true } : { ok: false, code: r.error.code, reason: r.error.reason };
    },
  };
}
