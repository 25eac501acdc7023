/**
 * Account changes that can change who may approve: an account created, its roles, state or SSO
 * identity changed, a SCIM group or user changed. Every face that makes one tells it here, right
 * after the change's audit event: UserAdmin (CLI, portal, API), SSO logins and SCIM provisioning.
 * access/ listens (quorum re-evaluation; registered in app.ts, because access/ is built after
 * auth/), as it does for the leaver through UserAdmin's disable listener.
 *
 * Guarantees: listeners are told synchronously, inside the transaction that made the change, so
 * their own writes commit or roll back with it; a listener that throws neither undoes the change
 * nor keeps the others from being told. Not here: what changed in detail (the audit event says).
 */
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';

/** The change's audit event: its action (`user.update`, `scim.group_change`...), actor, target. */
export type AccountChange = Pick<AuditEvent, 'action' | 'actor' | 'target'>;

export type AccountChangeListener = (change: AccountChange) => void;

export class AccountChanges {
  private readonly listeners = new Set<AccountChangeListener>();

  /** Registers a listener told of each account change from now on; returns the unsubscribe. */
  on(listener: AccountChangeListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Call with the change's audit event, in the transaction that made the change. */
  tell(change: AccountChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // A listener must not undo or block the change it is told of (as with audit listeners).
      }
    }
  }
}
