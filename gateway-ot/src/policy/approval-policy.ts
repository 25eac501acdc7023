/**
 * The `approvals` key of the OT local policy: who has the final say over a session at this site.
 *   it-signed     the OT gateway trusts the approvers the enrolled IT gateway lists in its ticket
 *                 (a compromised IT gateway can mint any ticket the local policy admits)
 *   owner-signed  every ticket must carry WebAuthn assertions by owners enrolled at THIS gateway,
 *                 over the canonical grant content, from at least `quorum` distinct owners
 * `quorum` is the site's floor (absent: 1 signed owner in owner-signed mode, no floor of its own
in it-signed mode): a grant may ask for more approvers, never fewer. Break-glass
 * (a session without approval) is allowed only for the assets listed in `breakGlassAssets`; when
 * the list is absent, it-signed sites keep today's behaviour (every asset) and owner-signed sites
 * allow none. Written as `"approvals": "owner-signed"` or as the object form.
 * Not here: checking tickets (grants/ does, with these values).
 */
import { z } from 'zod';
import { nameSchema } from '../../../shared/src/model/session-ticket.js';

export const APPROVAL_MODES = ['it-signed', 'owner-signed'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

export interface ApprovalPolicy {
  readonly mode: ApprovalMode;
  /**
   * Distinct approvers a ticket needs at least (break-glass aside). Undefined: it-signed sites
   * keep today's behaviour (the IT side's own quorum), owner-signed sites need one signed owner.
   */
  readonly quorum?: number | undefined;
  /** Assets where break-glass is allowed; undefined: every asset in it-signed mode, none in owner-signed. */
  readonly breakGlassAssets?: readonly string[] | undefined;
}

const objectForm = z.strictObject({
  mode: z.enum(APPROVAL_MODES).default('it-signed'),
  quorum: z.number().int().min(1).max(16).optional(),
  breakGlassAssets: z.array(nameSchema).max(1000).optional(),
});

export const approvalPolicySchema = z
  .union([z.enum(APPROVAL_MODES).transform((mode) => ({ mode })), objectForm])
  .prefault('it-signed');

/** The distinct approvers a ticket needs here (0: no floor of the OT side's own). */
export function requiredQuorum(policy: ApprovalPolicy): number {
  return policy.quorum ?? (policy.mode === 'owner-signed' ? 1 : 0);
}

/** Whether this policy lets a break-glass ticket through for `asset`. */
export function isBreakGlassAllowed(policy: ApprovalPolicy, asset: string): boolean {
  if (policy.breakGlassAssets === undefined) return policy.mode === 'it-signed';
  return policy.breakGlassAssets.includes(asset);
}
