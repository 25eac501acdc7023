/**
 * Approving at an owner-signed site is a passkey signature (docs/access.md, "Who has the final
 * say at the site"). `options` gives the approving owner's browser WebAuthn request options whose
 * challenge is `approvalChallenge` of exactly the request's content (owner-approval-content.ts)
 * and whose allowed credentials are that owner's passkeys the site published as enrolled there;
 * `accept` checks what the browser answered before the approval is recorded.
 *
 * Guarantees: an assertion is accepted only for a challenge issued here for that request and that
 * user, within 5 minutes, once (issuing again replaces it; accepting consumes it); the client data
 * must be a `webauthn.get` from one of the portal's origins with that challenge, the authenticator
 * data must show user presence and verification, and the credential must be one the site lists for
 * that owner. Every refusal is audited (`approval.assertion`) before it is thrown.
 * Not a security boundary: the IT gateway holds no owner key and cannot check the signature; the OT
 * gateway verifies it against the keys enrolled there (gateway-ot/src/owners/). These checks give
 * the owner a clear answer at once instead of a refusal at session time.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { fromBase64Url } from '../../../shared/src/crypto/encoding.js';
import { AirlockError } from '../../../shared/src/errors.js';
import {
  approvalChallenge,
  ownerAssertionSchema,
  toOwnerAssertion,
  type ApprovalContent,
  type OwnerAssertion,
} from '../../../shared/src/model/owner-approval.js';
import { IT_SIGNED, type SiteApprovals } from '../../../shared/src/model/site-approvals.js';
import {
  assertionOptions,
  parseAssertion,
  type PublicKeyCredentialRequestOptionsJSON,
  type RelyingParty,
} from '../../../shared/src/webauthn/webauthn.js';
import type { AccessRequestStore, OwnerApprovalStore, RequestRow } from '../store/store.js';
import { approvalContentOf } from './owner-approval-content.js';
import type { AccessViews } from './views.js';
import { decisionBar, type Actor } from './visibility.js';

export const APPROVAL_CHALLENGE_TTL_MS = 5 * 60_000;
const MAX_ISSUED = 10_000;
/** Authenticator data flags (WebAuthn §6.1): user present, user verified. */
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;

export interface OwnerSignedDeps {
  readonly audit: Pick<AuditLog, 'append'>;
  readonly clock: Clock;
  readonly requests: Pick<AccessRequestStore, 'assets' | 'get'>;
  readonly views: Pick<AccessViews, 'person'>;
  readonly store: Pick<OwnerApprovalStore, 'siteApprovals' | 'insert'>;
  /** The portal's relying party; throws `passkey.unavailable` when passkeys are off. */
  relyingParty(): RelyingParty;
}

/** What an accepted assertion lets the approval store: the content it signs and the assertion. */
export interface SignedApproval {
  readonly content: ApprovalContent;
  readonly assertion: OwnerAssertion;
}

export class OwnerSignedApprovals {
  private readonly issued = new Map<string, { challenge: string; expiresAt: number }>();

  constructor(private readonly deps: OwnerSignedDeps) {}

  /** The site's approval mode as its OT gateway last published it (it-signed when none). */
  modeOf(site: string): SiteApprovals {
    return this.deps.store.siteApprovals(site) ?? IT_SIGNED;
  }

  isOwnerSigned(site: string): boolean {
    return this.modeOf(site).mode === 'owner-signed';
  }

  /** The credential ids the site published for `owner` (empty: not enrolled there). */
  credentialsOf(site: string, owner: string): readonly string[] {
    return this.modeOf(site).owners.find((o) => o.name === owner)?.credentialIds ?? [];
  }

  /** What the owner signs for this request: its content as stored. */
  contentOf(r: RequestRow): ApprovalContent {
    return approvalContentOf(
      r,
      this.deps.requests.assets(r.id),
      this.deps.views.person(r.requesterId).name,
    );
  }

  /** Request options for approving request `id` (only for who may approve it, while it is pending). */
  async optionsFor(actor: Actor, id: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const r = this.deps.requests.get(id);
    if (r === undefined)
      throw new AirlockError('not_found', 'request.not_found', `no request ${id}`);
    const bar = decisionBar(actor, r.site, r.requesterId);
    if (bar !== undefined)
      throw new AirlockError('access_denied', bar.code, bar.why, {
        subject: { site: r.site, target: id },
      });
    if (!this.isOwnerSigned(r.site))
      throw new AirlockError(
        'conflict',
        'approval.not_owner_signed',
        `site ${r.site} is it-signed: approve without a passkey`,
      );
    if (r.status !== 'pending')
      throw new AirlockError('conflict', 'request.not_pending', `request ${id} is ${r.status}`);
    return this.options(actor, r);
  }

  /** Request options for the owner's passkey over the request's content (the caller checked who may approve). */
  async options(actor: Actor, r: RequestRow): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const rp = this.deps.relyingParty();
    const credentials = this.credentialsOf(r.site, actor.name);
    if (credentials.length === 0)
      this.refuse(actor, r, 'approval.no_passkey', noPasskey(r.site, actor.name));
    const challenge = approvalChallenge(this.contentOf(r));
    const now = this.deps.clock.now();
    this.sweep(now);
    this.issued.set(keyOf(r.id, actor.id), {
      challenge,
      expiresAt: now + APPROVAL_CHALLENGE_TTL_MS,
    });
    return assertionOptions({
      rpId: rp.id,
      challenge: Buffer.from(challenge, 'base64url'),
      allow: credentials.map((credentialId) => ({ credentialId, transports: [] })),
      requireUserVerification: true,
      timeoutMs: APPROVAL_CHALLENGE_TTL_MS,
    });
  }

  /**
   * Checks the browser's answer (a JSON string; undefined: none was sent) for this request and
   * user and consumes the challenge; throws an audited refusal naming what is wrong or missing.
   */
  accept(actor: Actor, r: RequestRow, response: string | undefined): SignedApproval {
    const key = keyOf(r.id, actor.id);
    const issued = this.issued.get(key);
    if (response === undefined || response === '')
      this.refuse(
        actor,
        r,
        'approval.signature_required',
        `site ${r.site} is owner-signed: approving needs your passkey's signature over the request ` +
          `(get options at GET /api/v1/requests/${r.id}/approval-options, send the browser's answer as "assertion")`,
      );
    this.issued.delete(key);
    const parsed = parseAssertion(response);
    const assertion = parsed.ok
      ? ownerAssertionSchema.safeParse(toOwnerAssertion(parsed.value))
      : undefined;
    if (assertion === undefined || !assertion.success)
      this.refuse(
        actor,
        r,
        'approval.bad_assertion',
        'the passkey answer is not a WebAuthn assertion',
      );
    const a = assertion.data;
    if (!this.credentialsOf(r.site, actor.name).includes(a.id))
      this.refuse(actor, r, 'approval.unknown_credential', noPasskey(r.site, actor.name));
    if (issued === undefined || issued.expiresAt <= this.deps.clock.now())
      this.refuse(
        actor,
        r,
        'approval.challenge_expired',
        'no approval challenge was issued to you for this request in the last 5 minutes; open the request and approve again',
      );
    const client = clientDataOf(a.response.clientDataJSON);
    if (client?.type !== 'webauthn.get' || client.challenge !== issued.challenge)
      this.refuse(
        actor,
        r,
        'approval.wrong_challenge',
        'the passkey signed something other than this request',
      );
    if (!this.deps.relyingParty().origins.includes(client.origin))
      this.refuse(
        actor,
        r,
        'approval.wrong_origin',
        `the passkey answered for another origin (${client.origin.slice(0, 100)})`,
      );
    const content = this.contentOf(r);
    if (approvalChallenge(content) !== issued.challenge)
      this.refuse(
        actor,
        r,
        'approval.content_changed',
        'the request changed since the challenge was issued; approve again',
      );
    const flags = flagsOf(a.response.authenticatorData);
    if (flags === undefined || (flags & FLAG_UP) === 0 || (flags & FLAG_UV) === 0)
      this.refuse(
        actor,
        r,
        'approval.not_verified',
        'the passkey did not verify you (PIN or biometric required)',
      );
    return { content, assertion: a };
  }

  /**
   * Stores an accepted assertion with the approval (call inside the approval's transaction); throws
   * when the request no longer has the content that was signed.
   */
  record(r: RequestRow, approverId: string, signed: SignedApproval, now: number): void {
    if (approvalChallenge(this.contentOf(r)) !== approvalChallenge(signed.content))
      throw new AirlockError(
        'conflict',
        'approval.content_changed',
        'the request changed since it was signed; approve again',
      );
    this.deps.store.insert(r.id, {
      approverId,
      content: signed.content,
      assertion: signed.assertion,
      createdAt: now,
    });
  }

  private refuse(actor: Actor, r: RequestRow, code: string, message: string): never {
    this.deps.audit.append({
      action: 'approval.assertion',
      actor: actor.name,
      site: r.site,
      target: r.id,
      outcome: 'denied',
      details: { code, reason: message },
    });
    const kind =
      code === 'approval.signature_required' || code === 'approval.no_passkey'
        ? 'conflict'
        : 'bad_request';
    throw new AirlockError(kind, code, message, {
      audited: true,
      subject: { site: r.site, target: r.id },
    });
  }

  private sweep(now: number): void {
    for (const [k, v] of this.issued) if (v.expiresAt <= now) this.issued.delete(k);
    // A bound on memory: the oldest go first (Map keeps insertion order).
    while (this.issued.size >= MAX_ISSUED) {
      const oldest = this.issued.keys().next();
      if (oldest.done === true) break;
      this.issued.delete(oldest.value);
    }
  }
}

function keyOf(requestId: string, userId: string): string {
  return JSON.stringify([requestId, userId]);
}

function noPasskey(site: string, owner: string): string {
  return (
    `you have no passkey enrolled at site ${site} for its owner-signed approvals: ask for a code ` +
    `(\`airlock-ot owner enroll-start ${owner}\` at the site) and enroll at /sites/${site}/owner-enroll`
  );
}

function clientDataOf(
  b64: string,
): { type: string; challenge: string; origin: string } | undefined {
  const bytes = fromBase64Url(b64);
  if (!bytes.ok) return undefined;
  try {
    const v = JSON.parse(Buffer.from(bytes.value).toString('utf8')) as Record<string, unknown>;
    const { type, challenge, origin } = v;
    return typeof type === 'string' && typeof challenge === 'string' && typeof origin === 'string'
      ? { type, challenge, origin }
      : undefined;
  } catch {
    return undefined;
  }
}

function flagsOf(b64: string): number | undefined {
  const bytes = fromBase64Url(b64);
  return bytes.ok && bytes.value.length >= 37 ? bytes.value[32] : undefined;
}
