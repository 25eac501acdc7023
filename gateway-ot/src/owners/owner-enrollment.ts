/**
 * Enrolling an OT owner's passkey, started and finished on the OT side:
 *   start     `airlock-ot owner enroll-start <name>` makes a one-time code (60 bits, 15 minutes),
 *             stores only the WebAuthn challenge it yields (SHA-256 over code, site and owner) and
 *             prints the code for the owner, who types it into the IT portal
 *   complete  the IT gateway relays the browser's registration; it is accepted only for a started,
 *             unexpired enrollment of that owner, when its client data is a `webauthn.create` for
 *             exactly that challenge, its RP id is its origin's host, user presence and user
 *             verification are set and the attestation verifies. The origin and RP id are recorded:
 *             the owner's approvals must come from the same portal.
 * Guarantees: without the code the IT side cannot make the challenge, so an enrollment the OT side
 * did not start is refused; five refusals end a pending enrollment (no online guessing); every
 * start, completion, refusal and removal is audited in this site's chain (refusals alert).
 * Not guaranteed: a compromised IT gateway serving the enrollment page while the owner types the
 * code could race the owner with its own key; the owner then sees their own completion refused and
 * `airlock-ot owner list` shows a key they do not have (remove it, start again).
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { randomBytesArray } from '../../../shared/src/crypto/random.js';
import { ownerEnrollmentChallenge } from '../../../shared/src/model/owner-approval.js';
import { err, ok, type Result } from '../../../shared/src/result.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import {
  parseRegistration,
  relyingPartyFor,
  verifyPasskeyRegistration,
} from '../../../shared/src/webauthn/webauthn.js';
import type { OwnerKeyStore } from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export const ENROLLMENT_CODE_TTL_MS = 15 * 60_000;
export const MAX_ENROLLMENT_FAILURES = 5;
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U

export interface OwnerEnrollmentDeps {
  readonly db: Db;
  readonly keys: OwnerKeyStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly site: string;
}

export interface EnrollmentRefusal {
  readonly code: string;
  readonly reason: string;
}

/** 12 characters of Crockford base32 (60 bits), shown as XXXX-XXXX-XXXX. */
function newCode(): string {
  const bytes = randomBytesArray(12);
  const chars = [...bytes].map((b) => CODE_ALPHABET[b & 31] ?? '0').join('');
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
}

function clientOrigin(clientDataJSON: string): string | undefined {
  try {
    const v = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as unknown;
    if (typeof v === 'object' && v !== null && 'origin' in v && typeof v.origin === 'string')
      return v.origin;
  } catch {
    // malformed client data is refused below
  }
  return undefined;
}

export class OwnerEnrollment {
  constructor(private readonly deps: OwnerEnrollmentDeps) {}

  /** Starts (or restarts) `owner`'s enrollment; returns the code to hand to the owner. */
  start(owner: string, actor: string): { code: string; expiresAt: number } {
    const { deps } = this;
    const now = deps.clock.now();
    const code = newCode();
    const expiresAt = now + ENROLLMENT_CODE_TTL_MS;
    writeTransaction(deps.db, () => {
      deps.keys.putPending({
        owner,
        challenge: ownerEnrollmentChallenge(code, deps.site, owner),
        createdAt: now,
        expiresAt,
      });
      deps.audit.append({
        action: 'owner.enroll_start',
        actor,
        site: deps.site,
        target: owner,
        outcome: 'success',
        details: { expiresAt: new Date(expiresAt).toISOString() },
      });
    })();
    return { code, expiresAt };
  }

  /** Verifies a relayed registration for `owner` and stores the key; a refusal is audited (alert). */
  async complete(
    owner: string,
    registrationJson: string,
  ): Promise<Result<{ credentialId: string }, EnrollmentRefusal>> {
    const { deps } = this;
    const refuse = (code: string, reason: string, countFailure: boolean) => {
      writeTransaction(deps.db, () => {
        if (countFailure && deps.keys.countFailure(owner) >= MAX_ENROLLMENT_FAILURES)
          deps.keys.deletePending(owner);
        deps.audit.append({
          action: 'owner.enroll',
          actor: `system:it:${deps.site}`,
          site: deps.site,
          target: owner,
          outcome: 'denied',
          details: { code, reason, alert: true },
        });
      })();
      return err({ code, reason });
    };
    const pending = deps.keys.pending(owner);
    if (pending === undefined)
      return refuse(
        'owner.not_started',
        `no enrollment of ${owner} was started on this OT gateway (airlock-ot owner enroll-start)`,
        false,
      );
    if (pending.expiresAt <= deps.clock.now()) {
      deps.keys.deletePending(owner);
      return refuse('owner.enrollment_expired', 'the one-time code has expired', false);
    }
    const reg = parseRegistration(registrationJson);
    if (!reg.ok) return refuse('owner.malformed', reg.error, true);
    const origin = clientOrigin(reg.value.response.clientDataJSON);
    const rp = origin === undefined ? undefined : relyingPartyFor(origin, 'Airlock');
    if (rp === undefined || !rp.ok)
      return refuse('owner.bad_origin', 'the registration names no usable portal origin', true);
    const v = await verifyPasskeyRegistration({
      response: reg.value,
      expectedChallenge: pending.challenge,
      rp: rp.value,
      requireUserVerification: true,
    });
    if (!v.ok)
      return refuse(
        `owner.${v.error}`,
        v.error === 'wrong_challenge'
          ? 'the registration does not commit to the one-time code of this enrollment'
          : `the registration does not verify (${v.error})`,
        true,
      );
    const key = v.value;
    if (deps.keys.key(key.credentialId) !== undefined)
      return refuse('owner.duplicate_key', 'this passkey is already enrolled here', true);
    const now = deps.clock.now();
    writeTransaction(deps.db, () => {
      deps.keys.insertKey({
        credentialId: key.credentialId,
        owner,
        publicKey: key.publicKey,
        rpId: rp.value.id,
        origin: rp.value.origins[0] ?? '',
        counter: key.counter,
        enrolledAt: now,
      });
      deps.keys.deletePending(owner);
      deps.audit.append({
        action: 'owner.enroll',
        actor: owner,
        site: deps.site,
        target: owner,
        outcome: 'success',
        details: { credentialId: key.credentialId, origin: rp.value.origins[0] ?? null },
      });
    })();
    return ok({ credentialId: key.credentialId });
  }

  /** Removes every passkey (and a pending enrollment) of `owner`; returns how many keys went. */
  remove(owner: string, actor: string): number {
    const { deps } = this;
    let n = 0;
    writeTransaction(deps.db, () => {
      n = deps.keys.removeOwner(owner);
      deps.audit.append({
        action: 'owner.remove',
        actor,
        site: deps.site,
        target: owner,
        outcome: 'success',
        details: { keys: n },
      });
    })();
    return n;
  }
}
