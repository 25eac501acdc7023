/**
 * The approval part of a ticket's verdict, by the site's `approvals` policy (policy/approval-policy.ts):
 *   break-glass   allowed only for an asset the policy allows it for (the ticket says so itself)
 *   it-signed     the distinct approvers the IT gateway lists meet the OT quorum, if one is set
 *   owner-signed  the distinct owners whose assertions verified meet the OT quorum
 * A verdict here is a value; the caller audits it. It does not verify assertions itself: the
 * owner-signed caller hands in the owners it verified (owners/owner-approvals.ts), so a ticket with none
 * is refused (fail closed).
 */
import type { SessionTicket } from '../../../shared/src/model/session-ticket.js';
import { isBreakGlassAllowed, requiredQuorum, type ApprovalPolicy } from '../policy/policy.js';

export type ApprovalVerdict =
  { readonly ok: true } | { readonly ok: false; readonly code: string; readonly reason: string };

export function checkApprovals(
  t: SessionTicket,
  policy: ApprovalPolicy,
  signatures:
    { readonly owners: readonly string[]; readonly problems: readonly string[] } | undefined,
): ApprovalVerdict {
  if (t.breakGlass)
    return isBreakGlassAllowed(policy, t.asset)
      ? { ok: true }
      : {
          ok: false,
          code: 'approval.break_glass_not_allowed',
          reason: `the local policy does not allow break-glass for ${t.asset}`,
        };
  const quorum = requiredQuorum(policy);
  switch (policy.mode) {
    case 'it-signed': {
      const n = new Set(t.approvers).size;
      return n >= quorum
        ? { ok: true }
        : {
            ok: false,
            code: 'approval.below_quorum',
            reason: `the ticket lists ${n} distinct approver(s), the local quorum is ${quorum}`,
          };
    }
    case 'owner-signed': {
      const n = new Set(signatures?.owners ?? []).size;
      if (n >= quorum) return { ok: true };
      const why = (signatures?.problems ?? []).slice(0, 3).join('; ').slice(0, 300);
      return {
        ok: false,
        code: n === 0 ? 'approval.unsigned' : 'approval.below_quorum',
        reason:
          (n === 0
            ? 'no approval in the ticket was signed by an owner enrolled at this site'
            : `${n} distinct enrolled owner(s) signed, the local quorum is ${quorum}`) +
          (why === '' ? '' : ` (${why})`),
      };
    }
    default: {
      const never: never = policy.mode;
      return never;
    }
  }
}
