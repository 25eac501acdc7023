/**
 * The OT gateway's own verdict on a session ticket. It trusts nothing the IT side says beyond what
 * the enrolled IT key signed, and checks, in this order (the first failure is the reason):
 *   signature   by the IT key recorded at enrollment (ticket.bad_signature: forged or altered)
 *   site        the ticket is for this gateway's site
 *   ticket time issuedAt <= now + skew, expiresAt > now - skew, lifetime <= MAX_TICKET_LIFETIME_MS
 *   nonce       never presented before (persisted; survives restarts)
 *   grant       grantNotBefore <= now + skew and now < grantNotAfter (the end gets no allowance:
 *               the session is ended at grantNotAfter by this gateway's clock anyway)
 *   policy      asset listed in the local policy, profile listed for it, protocol is the asset's
 *   approvals   break-glass allowed for the asset; the OT quorum met (approval-check.ts)
 *   lockdown    neither the local nor the IT-side lockdown is on
 *   capacity    a broker for the protocol is registered; the session id is not live; fewer than
 *               limits.maxConcurrentSessions sessions are live
 * The clock-skew allowance is TICKET_CLOCK_SKEW_MS (30 s). A ticket whose signature verified has
 * its nonce recorded whatever the verdict (unless it can never be accepted here: other site, bad
 * lifetime, expired), so a ticket refused now (e.g. during a lockdown) cannot be replayed later.
 * Nonces are kept for NONCE_RETENTION_MS: past that, the ticket's own times
 * refuse it (seenAt <= expiresAt + skew <= issuedAt + lifetime + skew <= seenAt + lifetime + 2 skew).
 * Each verdict commits with its `ticket.verify` audit event; if that cannot be written, no session.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import {
  openSignedTicket,
  type Protocol,
  type SessionTicket,
} from '../../../shared/src/model/session-ticket.js';
import { formatProblems } from '../../../shared/src/result.js';
import type { AssetPolicy, LocalPolicy } from '../policy/policy.js';
import type { TicketNonceStore } from '../store/store.js';
import { checkApprovals } from './approval-check.js';
import { describeLockdown, type LockdownStatus } from './lockdown.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export const TICKET_CLOCK_SKEW_MS = 30_000;
export const MAX_TICKET_LIFETIME_MS = 60_000;
export const NONCE_RETENTION_MS = MAX_TICKET_LIFETIME_MS + 2 * TICKET_CLOCK_SKEW_MS;

export interface TicketContext {
  readonly now: number;
  readonly site: string;
  /** The enrolled IT gateway's ticket-signing key; undefined when this gateway is not enrolled. */
  readonly grantPublicKey: Uint8Array | undefined;
  readonly policy: LocalPolicy;
  readonly lockdown: LockdownStatus;
  /** Protocols with a registered broker. */
  readonly protocols: ReadonlySet<Protocol>;
  readonly liveSessions: number;
  isLive(sessionId: string): boolean;
  isNonceSeen(nonce: string): boolean;
  /**
   * Owner-signed sites: the owners whose signed approvals of this ticket's grant verified against
   * the keys enrolled here (owners/), and why the others did not. Absent: none verified.
   */
  readonly ownerSignatures?: {
    readonly owners: readonly string[];
    readonly problems: readonly string[];
  };
}

export type TicketDecision =
  | { readonly accepted: true; readonly ticket: SessionTicket; readonly asset: AssetPolicy }
  | {
      readonly accepted: false;
      readonly code: string;
      readonly reason: string;
      readonly ticket: SessionTicket | null;
    };

export function checkTicket(input: unknown, ctx: TicketContext): TicketDecision {
  if (ctx.grantPublicKey === undefined)
    return {
      accepted: false,
      code: 'ticket.not_enrolled',
      reason: 'this gateway is not enrolled, so it trusts no ticket',
      ticket: null,
    };
  const opened = openSignedTicket(input, ctx.grantPublicKey);
  if (!opened.ok) {
    const forged = opened.error.some(
      (p) => p.path === 'signature' && /does not verify/.test(p.message),
    );
    return forged
      ? {
          accepted: false,
          code: 'ticket.bad_signature',
          reason: 'the ticket signature does not verify with the enrolled IT gateway key',
          ticket: null,
        }
      : {
          accepted: false,
          code: 'ticket.malformed',
          reason: `the ticket is malformed: ${formatProblems(opened.error).slice(0, 300)}`,
          ticket: null,
        };
  }
  const t = opened.value;
  const refuse = (code: string, reason: string): TicketDecision => ({
    accepted: false,
    code,
    reason,
    ticket: t,
  });
  const now = ctx.now;
  const skew = TICKET_CLOCK_SKEW_MS;
  if (t.site !== ctx.site)
    return refuse(
      'ticket.wrong_site',
      `the ticket is for site ${t.site}, this gateway serves ${ctx.site}`,
    );
  if (t.issuedAt > now + skew)
    return refuse(
      'ticket.not_yet_valid',
      'the ticket was issued in the future (beyond the clock-skew allowance)',
    );
  if (t.expiresAt <= t.issuedAt || t.expiresAt - t.issuedAt > MAX_TICKET_LIFETIME_MS)
    return refuse(
      'ticket.bad_lifetime',
      `a ticket must expire after it is issued and live at most ${MAX_TICKET_LIFETIME_MS / 1000} s`,
    );
  if (t.expiresAt <= now - skew) return refuse('ticket.expired', 'the ticket has expired');
  if (ctx.isNonceSeen(t.nonce))
    return refuse('ticket.replayed', 'the ticket was already presented (replay)');
  if (t.grantNotAfter <= t.grantNotBefore)
    return refuse('grant.bad_bounds', 'the grant ends before it starts');
  if (t.grantNotBefore > now + skew)
    return refuse('grant.not_started', 'the grant has not started yet');
  if (now >= t.grantNotAfter) return refuse('grant.ended', 'the grant has ended');
  const asset = Object.hasOwn(ctx.policy.assets, t.asset) ? ctx.policy.assets[t.asset] : undefined;
  if (asset === undefined)
    return refuse('policy.unknown_asset', `asset ${t.asset} is not in this gateway's local policy`);
  if (!Object.hasOwn(asset.profiles, t.profile))
    return refuse(
      'policy.unknown_profile',
      `access profile ${t.profile} is not defined for ${t.asset} in the local policy`,
    );
  if (t.protocol !== asset.protocol)
    return refuse(
      'policy.protocol_mismatch',
      `${t.asset} is a ${asset.protocol} asset, the ticket says ${t.protocol}`,
    );
  const approval = checkApprovals(t, ctx.policy.approvals, ctx.ownerSignatures);
  if (!approval.ok) return refuse(approval.code, approval.reason);
  if (ctx.lockdown.locked) return refuse('site.lockdown', describeLockdown(ctx.lockdown));
  if (!ctx.protocols.has(t.protocol))
    return refuse(
      'session.no_broker',
      `this gateway has no ${t.protocol} broker, so it cannot open ${t.protocol} sessions`,
    );
  if (ctx.isLive(t.sessionId))
    return refuse('session.duplicate', `session ${t.sessionId} is already live`);
  if (ctx.liveSessions >= ctx.policy.limits.maxConcurrentSessions)
    return refuse(
      'session.limit',
      `the local limit of ${ctx.policy.limits.maxConcurrentSessions} concurrent sessions is reached`,
    );
  return { accepted: true, ticket: t, asset };
}

/** Verdicts after which the ticket can never be accepted here, so its nonce need not be kept. */
const NONCE_NOT_RECORDED: ReadonlySet<string> = new Set([
  'ticket.wrong_site',
  'ticket.bad_lifetime',
  'ticket.expired',
  'ticket.replayed',
]);

export interface TicketVerifierDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly nonces: TicketNonceStore;
  readonly clock: Clock;
  readonly site: string;
}

/** Runs `checkTicket` and records its verdict (nonce and `ticket.verify`) in one transaction. */
export class TicketVerifier {
  constructor(private readonly deps: TicketVerifierDeps) {}

  verify(input: unknown, ctx: Omit<TicketContext, 'now' | 'site' | 'isNonceSeen'>): TicketDecision {
    const { deps } = this;
    const now = deps.clock.now();
    const decision = checkTicket(input, {
      ...ctx,
      now,
      site: deps.site,
      isNonceSeen: (n) => deps.nonces.has(n),
    });
    const t = decision.ticket;
    writeTransaction(deps.db, () => {
      deps.nonces.prune(now - NONCE_RETENTION_MS);
      if (t !== null && (decision.accepted || !NONCE_NOT_RECORDED.has(decision.code)))
        deps.nonces.insert(t.nonce, t.sessionId, now);
      deps.audit.append({
        action: 'ticket.verify',
        actor: t?.user.name ?? `system:ot:${deps.site}`,
        site: deps.site,
        target: t?.asset ?? null,
        outcome: decision.accepted ? 'success' : 'denied',
        details: {
          ...(t === null
            ? {}
            : {
                sessionId: t.sessionId,
                grantId: t.grantId,
                userId: t.user.id,
                profile: t.profile,
                protocol: t.protocol,
                channel: t.channel,
                approvers: t.approvers,
                breakGlass: t.breakGlass,
                approvalMode: ctx.policy.approvals.mode,
                ...(ctx.ownerSignatures === undefined
                  ? {}
                  : {
                      signers: [...new Set(ctx.ownerSignatures.owners)],
                      signatureProblems: ctx.ownerSignatures.problems.slice(0, 16),
                    }),
                nonce: t.nonce,
                grantNotAfter: t.grantNotAfter,
              }),
          ...(decision.accepted ? {} : { code: decision.code, reason: decision.reason }),
          // A refused approval is an attack or a misconfiguration: the owners must see it at once.
          ...(!decision.accepted && decision.code.startsWith('approval.') ? { alert: true } : {}),
        },
      });
    })();
    return decision;
  }
}
