/**
 * The grants subsystem: this gateway's own verdict on every session ticket, and the site's lockdown
 * switches. It trusts nothing the IT side says beyond what the enrolled IT key signed.
 *
 * Guarantees: a ticket is accepted only when signed by the enrolled IT key, for this site, inside
 * its validity and its grant's bounds (stated clock-skew allowance), never seen before (nonces are
 * persisted, so a replay is refused across restarts), for an asset, profile and protocol of the
 * local policy, with no lockdown on, a broker for its protocol and room under the session limit;
 * every verdict is audited (`ticket.verify`) with the nonce in one transaction. The local lockdown
 * can be lifted only on the OT side; each switch change is audited with the change.
 * Not here: ending sessions (sessions/ does, on lockdown and at the grant's end), enrollment
 * (link/).
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { OtStore } from '../store/store.js';
import { Lockdown } from './lockdown.js';
import { TicketVerifier } from './ticket-verifier.js';

export { describeLockdown } from './lockdown.js';
export type { Lockdown, LockdownEntry, LockdownSource, LockdownStatus } from './lockdown.js';
export type { TicketContext, TicketDecision, TicketVerifier } from './ticket-verifier.js';

export interface GrantsDeps {
  readonly store: Pick<OtStore, 'db' | 'state' | 'nonces'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly site: string;
}

export interface Grants {
  /** Verifies tickets and records each verdict. */
  readonly verifier: TicketVerifier;
  /** The local and the IT-side lockdown switches. */
  readonly lockdown: Lockdown;
}

export function createGrants(deps: GrantsDeps): Grants {
  const { store, audit, clock, site } = deps;
  return {
    verifier: new TicketVerifier({ db: store.db, audit, nonces: store.nonces, clock, site }),
    lockdown: new Lockdown({ db: store.db, state: store.state, audit, clock, site }),
  };
}
