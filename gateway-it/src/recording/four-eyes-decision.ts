/**
 * The four-eyes decision both approval flows share (playback requests here, export requests in
 * audit/export-approvals.ts): a second person approves or refuses a pending request.
 *
 * Guarantees: the requester never decides their own request; only an auditor or OT owner of the
 * site decides; a request is decided once (a race is caught by the `WHERE state = 'pending'`
 * update the caller passes in). Each refusal is audited as denied before it throws (marked
 * audited); a decision is audited in the transaction that stores it. Not here: finding the request
 * (the caller answers an unknown one as not found, with its own code), what an approval allows.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { isAuditorOf, isOtOwnerOf, type Actor } from '../access/access.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

/** Who may approve someone else's request at `site`. */
export const canApprovePlayback = (u: Pick<Actor, 'roles'>, site: string): boolean =>
  isAuditorOf(u, site) || isOtOwnerOf(u, site);

export interface FourEyesDecisionDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

/** What one flow says and stores; codes and messages stay the flow's own. */
export interface FourEyesDecision {
  /** The audit action of a decision and of a refused one (`recording.play_approve`...). */
  readonly action: string;
  readonly site: string;
  readonly target: string;
  readonly requester: string;
  readonly state: string;
  /** Details first in every event (`{ requestId }`), then requester and decision. */
  readonly idDetails: Readonly<Record<string, unknown>>;
  /** Details added to an event that records a decision (before `expiresAt`). */
  readonly decidedDetails: Readonly<Record<string, unknown>>;
  readonly selfApproval: { readonly code: string; readonly message: string };
  readonly approverRole: { readonly code: string; readonly message: string };
  /** `decided` is the code for a request no longer pending; `already` and `meanwhile` its messages. */
  readonly decided: { readonly code: string; readonly already: string; readonly meanwhile: string };
  /** Stores the decision if still pending; returns the rows changed. */
  readonly store: (
    state: 'approved' | 'refused',
    by: string,
    at: number,
    expiresAt: number | null,
  ) => number;
}

/** Decides `d` for `actor`; an approval lapses `ttlMs` after it is given. */
export function decideFourEyes(
  deps: FourEyesDecisionDeps,
  actor: Actor,
  approve: boolean,
  ttlMs: number,
  d: FourEyesDecision,
): void {
  const decision = approve ? 'approve' : 'refuse';
  const event = (outcome: 'success' | 'denied', details: Record<string, unknown>) => ({
    action: d.action,
    actor: actor.name,
    site: d.site,
    target: d.target,
    outcome,
    details: { ...d.idDetails, requester: d.requester, decision, ...details },
  });
  const refuse = (code: string, message: string, kind: 'access_denied' | 'conflict'): never => {
    deps.audit.append(event('denied', { reason: code }));
    throw new AirlockError(kind, code, message, { audited: true });
  };
  if (d.requester === actor.name)
    refuse(d.selfApproval.code, d.selfApproval.message, 'access_denied');
  if (!canApprovePlayback(actor, d.site))
    refuse(d.approverRole.code, d.approverRole.message, 'access_denied');
  if (d.state !== 'pending') refuse(d.decided.code, d.decided.already, 'conflict');
  const now = deps.clock.now();
  const expiresAt = approve ? now + ttlMs : null;
  writeTransaction(deps.db, () => {
    if (d.store(approve ? 'approved' : 'refused', actor.name, now, expiresAt) !== 1)
      throw new AirlockError('conflict', d.decided.code, d.decided.meanwhile);
    deps.audit.append(
      event(approve ? 'success' : 'denied', {
        ...d.decidedDetails,
        ...(expiresAt === null ? {} : { expiresAt }),
      }),
    );
  })();
}
