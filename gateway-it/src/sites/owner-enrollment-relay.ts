/**
 * The IT half of an OT owner's passkey enrollment: the portal page's two steps. First the owner
 * types the one-time code the OT gateway printed (`airlock-ot owner enroll-start`); the registration
 * challenge is computed from (code, site, owner) with `ownerEnrollmentChallenge`, so the IT gateway
 * learns the code but keeps nothing: the OT gateway alone holds the challenge of the enrollment it
 * started and refuses any other. Then the browser's registration is relayed over the link and the
 * site's answer is returned.
 * Guarantees: only an OT owner of that site, enrolling under their own account name, gets options
 * or a relay; every relay and every refusal is audited IT-side (`owner.enroll_relay`), without the
 * code or the registration. Not here: verifying the registration (the OT gateway's owners/).
 */
import { AirlockError } from '../../../shared/src/errors.js';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import {
  normalizeEnrollmentCode,
  ownerEnrollmentChallenge,
  ownerNameSchema,
} from '../../../shared/src/model/owner-approval.js';
import {
  registrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RelyingParty,
} from '../../../shared/src/webauthn/webauthn.js';
import type { SiteCommands } from './site-commands.js';

/** Who asks: the portal account (an OT owner enrolls under their account name). */
export interface EnrollingUser {
  readonly id: string;
  readonly name: string;
  readonly displayName: string;
  readonly roles: readonly { readonly role: string; readonly site?: string | null }[];
}

export interface OwnerEnrollmentRelayDeps {
  readonly audit: Pick<AuditLog, 'append'>;
  readonly commands: Pick<SiteCommands, 'relayOwnerEnrollment'>;
  /** The portal's relying party; throws `passkey.unavailable` when passkeys are off. */
  relyingParty(): RelyingParty;
}

/** The OT code as typed: 12 base32-ish characters once dashes and spaces go (60 bits). */
const CODE = /^[A-Z0-9]{8,32}$/;
const TIMEOUT_MS = 5 * 60_000;

export class OwnerEnrollmentRelay {
  constructor(private readonly deps: OwnerEnrollmentRelayDeps) {}

  /** Registration options whose challenge commits to (code, site, owner); refused unless an owner of the site. */
  async options(
    user: EnrollingUser,
    site: string,
    code: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const rp = this.deps.relyingParty();
    this.checkOwner(user, site);
    const typed = normalizeEnrollmentCode(code);
    if (!CODE.test(typed))
      throw new AirlockError(
        'bad_request',
        'owner.bad_code',
        'the code is the one `airlock-ot owner enroll-start` printed (letters and digits)',
      );
    return registrationOptions({
      rp,
      challenge: Buffer.from(ownerEnrollmentChallenge(typed, site, user.name), 'base64url'),
      userHandle: Buffer.from(`owner:${site}:${user.id}`, 'utf8'),
      userName: user.name,
      displayName: `${user.displayName} (approvals at ${site})`,
      exclude: [],
      requireUserVerification: true,
      timeoutMs: TIMEOUT_MS,
    });
  }

  /** Relays the browser's registration to the site; the site's verdict, audited here. */
  async complete(
    user: EnrollingUser,
    site: string,
    registration: string,
  ): Promise<{ ok: true } | { ok: false; code: string; reason: string }> {
    this.checkOwner(user, site);
    const answer = await this.deps.commands.relayOwnerEnrollment(site, user.name, registration);
    const verdict =
      answer === undefined
        ? {
            ok: false as const,
            code: 'owner.site_offline',
            reason: `site ${site} is not connected or did not answer; try again`,
          }
        : answer.ok
          ? { ok: true as const }
          : { ok: false as const, code: answer.code, reason: answer.reason };
    this.deps.audit.append({
      action: 'owner.enroll_relay',
      actor: user.name,
      site,
      target: user.name,
      outcome: verdict.ok ? 'success' : 'denied',
      details: verdict.ok ? {} : { code: verdict.code, reason: verdict.reason },
    });
    return verdict;
  }

  /** Deny by default: an OT owner of this site, whose account name is a valid OT owner name. */
  private checkOwner(user: EnrollingUser, site: string): void {
    const owner = user.roles.some((r) => r.role === 'ot-owner' && r.site === site);
    const named = ownerNameSchema.safeParse(user.name).success;
    if (owner && named) return;
    this.deps.audit.append({
      action: 'owner.enroll_relay',
      actor: user.name,
      site,
      target: user.name,
      outcome: 'denied',
      details: {
        code: owner ? 'owner.bad_name' : 'owner.not_owner',
        reason: owner ? 'account name is not a valid owner name' : 'not an OT owner of the site',
      },
    });
    const audited = { audited: true, subject: { site } } as const;
    if (owner)
      throw new AirlockError(
        'bad_request',
        'owner.bad_name',
        'your account name cannot be an OT owner name',
        audited,
      );
    throw new AirlockError(
      'access_denied',
      'owner.not_owner',
      `you are not an OT owner of site ${site}`,
      audited,
    );
  }
}
