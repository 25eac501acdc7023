/**
 * A leaver's access, ended at once: every active grant of the account is revoked and every
 * pending request of theirs cancelled, each audited (`grant.revoke` with `by: 'account-disabled'`,
 * `request.cancel`) in its own transaction before the site is told. Ending a grant announces the
 * end to the local session listeners first and then sends it to the site (grant-service.ts), so
 * the leaver's live sessions (native SSH, web terminal, Modbus, OPC UA) end on both gateways
 * even when the site is unreachable at this moment (the OT gateway also refuses every new ticket:
 * the IT side signs none for a disabled account). Not here: disabling the account itself and its
 * portal sessions and SSH keys (auth/user-admin.ts, which calls this through its listener).
 */
import type { AccessDeps } from './access-deps.js';
import type { GrantService } from './grant-service.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface LeaverOutcome {
  readonly grantsRevoked: number;
  readonly requestsCancelled: number;
  /** Resolves once each site was told (true: every command was delivered). */
  readonly sitesTold: Promise<boolean>;
}

export function endAccessOf(
  deps: AccessDeps,
  grants: Pick<GrantService, 'afterEnd'>,
  user: { readonly id: string; readonly name: string },
  actor: string,
): LeaverOutcome {
  const now = deps.clock.now();
  const reason = `account ${user.name} disabled by ${actor}`;
  const ended = writeTransaction(deps.db, () => {
    const out = [];
    for (const g of deps.grants.listByUser(user.id)) {
      if (g.status !== 'active' || !deps.grants.end(g.id, 'revoked', now, actor, reason)) continue;
      deps.audit.append({
        action: 'grant.revoke',
        actor,
        site: g.site,
        target: g.id,
        outcome: 'success',
        details: { user: user.name, reason, by: 'account-disabled' },
      });
      out.push(g);
    }
    return out;
  })();
  const cancelled = writeTransaction(deps.db, () => {
    let n = 0;
    for (const r of deps.requests.listByRequester(user.id)) {
      if (r.status !== 'pending' || !deps.requests.transition(r.id, 'pending', 'cancelled', now))
        continue;
      deps.audit.append({
        action: 'request.cancel',
        actor,
        site: r.site,
        target: r.id,
        outcome: 'success',
        details: { reason, by: 'account-disabled' },
      });
      n++;
    }
    return n;
  })();
  // afterEnd announces locally at once (synchronously), then awaits the site.
  const told = ended.map((g) => grants.afterEnd(g, reason));
  return {
    grantsRevoked: ended.length,
    requestsCancelled: cancelled,
    sitesTold: Promise.all(told).then((all) => all.every(Boolean)),
  };
}
