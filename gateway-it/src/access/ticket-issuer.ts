/**
 * Session tickets, IT side: when a grant is used, the access check runs again at that moment and,
 * only if it allows, a short-lived ticket is signed (Ed25519, the grant-signing key) over the
 * canonical encoding of session id, grant id, user, site, asset, protocol, profile, channel, grant
 * bounds, approvers, break-glass flag, a fresh 128-bit nonce and issue/expiry times. Every
 * issuance and every refusal is audited (`ticket.issue`) before anything is returned: no audit,
 * no ticket. Verification (signature, bounds, nonce, local policy) is the OT gateway's job.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { IdGenerator, SessionId, UserId } from '../../../shared/src/ids.js';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import { randomBytesArray } from '../../../shared/src/crypto/random.js';
import type { SigningKeyPair } from '../../../shared/src/crypto/signing.js';
import {
  signTicket,
  TICKET_TTL_MS,
  type Protocol,
  type SessionTicket,
  type SignedTicket,
} from '../../../shared/src/model/session-ticket.js';
import {
  canonicalApprovalContent,
  type OwnerApproval,
} from '../../../shared/src/model/owner-approval.js';
import type { OwnerApprovalStore, StoredOwnerAssertion, UserStore } from '../store/store.js';
import type { AccessAllow, AccessChecker, AccessDeny } from './access-check.js';

export type TicketChannel = SessionTicket['channel'];

export interface TicketRequest {
  readonly user: UserId;
  readonly site: string;
  readonly asset: string;
  readonly protocol: Protocol;
  readonly channel: TicketChannel;
  /** Where the operator connects from, for the audit record. */
  readonly source?: string;
}

export type TicketIssue =
  | {
      readonly ok: true;
      readonly sessionId: SessionId;
      readonly signed: SignedTicket;
      readonly access: AccessAllow;
    }
  | { readonly ok: false; readonly access: AccessDeny };

export interface TicketIssuerDeps {
  readonly access: AccessChecker;
  readonly users: UserStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly grantKey: SigningKeyPair;
  readonly ttlMs?: number;
  /** Owners' assertions kept with approvals: carried in every ticket of the grant. */
  readonly ownerApprovals?: Pick<OwnerApprovalStore, 'ofRequest'>;
}

/**
 * What a ticket carries for owner-signed sites: the content the first owner signed and every
 * assertion over that same content (an assertion over other content could not count at the OT
 * gateway); undefined when no owner signed (an it-signed site, or break-glass).
 */
export function ownerApprovalOf(rows: readonly StoredOwnerAssertion[]): OwnerApproval | undefined {
  const first = rows[0];
  if (first === undefined) return undefined;
  const signed = canonicalApprovalContent(first.content);
  const assertions = rows
    .filter((r) => canonicalApprovalContent(r.content) === signed)
    .map((r) => r.assertion)
    .slice(0, MAX_APPROVERS);
  const [one, ...more] = assertions;
  return one === undefined ? undefined : { content: first.content, assertions: [one, ...more] };
}

const MAX_APPROVERS = 16;

export class TicketIssuer {
  constructor(private readonly deps: TicketIssuerDeps) {}

  issue(req: TicketRequest, now: number = this.deps.clock.now()): TicketIssue {
    const { deps } = this;
    const user = deps.users.getById(req.user);
    const actor = user?.name ?? req.user;
    const access = deps.access.checkAccess(req.user, req.site, req.asset, req.protocol, now);
    if (!access.allow) {
      deps.audit.append({
        action: 'ticket.issue',
        actor,
        site: req.site,
        target: req.asset,
        outcome: 'denied',
        details: {
          protocol: req.protocol,
          channel: req.channel,
          reason: access.reason,
          message: access.message,
          grantId: access.grantId,
          source: req.source ?? null,
        },
      });
      return { ok: false, access };
    }
    const g = access.grant;
    const sessionId = deps.ids.next('ses') as SessionId;
    const ticket: SessionTicket = {
      v: 1,
      sessionId,
      grantId: g.id,
      user: { id: req.user, name: actor },
      site: req.site,
      asset: req.asset,
      protocol: req.protocol,
      profile: access.profile,
      channel: req.channel,
      grantNotBefore: g.notBefore,
      grantNotAfter: g.notAfter,
      approvers: g.approvers.slice(0, MAX_APPROVERS),
      breakGlass: g.breakGlass,
      nonce: toBase64Url(randomBytesArray(16)),
      issuedAt: now,
      expiresAt: Math.min(now + (deps.ttlMs ?? TICKET_TTL_MS), g.notAfter),
    };
    const ownerApproval = g.breakGlass
      ? undefined
      : ownerApprovalOf(deps.ownerApprovals?.ofRequest(g.requestId) ?? []);
    if (ownerApproval !== undefined) ticket.ownerApproval = ownerApproval;
    const signed = signTicket(ticket, deps.grantKey.secretKey);
    deps.audit.append({
      action: 'ticket.issue',
      actor,
      site: req.site,
      target: req.asset,
      outcome: 'success',
      details: {
        sessionId,
        grantId: g.id,
        protocol: req.protocol,
        profile: access.profile,
        channel: req.channel,
        breakGlass: g.breakGlass,
        nonce: ticket.nonce,
        expiresAt: new Date(ticket.expiresAt).toISOString(),
        source: req.source ?? null,
      },
    });
    return { ok: true, sessionId, signed, access };
  }
}
