/**
 * Passkeys of local accounts: registering several per account (named), renaming and revoking
 * them, and the challenges every passkey ceremony starts with; the assertion check the login
 * steps use (passkey-login.ts). The cryptographic checks are shared/src/webauthn.
 *
 * Guarantees: a challenge is 32 random bytes, lives five minutes, is bound to what the browser
 * holds (its portal session, login step or pre-login cookie, stored as a hash) and is deleted by
 * the request that presents it, so it works once and only for that browser; one source address
 * keeps at most 20 live (its oldest go), so loading the login page in a loop fills nothing. The RP id and origin
 * are the portal's public URL (`http.publicUrl`, or https://localhost:<port>): an assertion from
 * another origin or for another RP id is refused. User verification is required for accounts
 * with a privileged role (admin, OT owner, auditor) and for every passwordless login. A counter
 * that goes backwards is refused, audited as `passkey.clone_detected` (an alert) and counted as
 * a failed login. Registration, renaming, revocation and refused registrations are audited.
 * Not here: sessions (the login steps issue them) and the API (passkeys are a browser ceremony).
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { randomBytesArray } from '../../../shared/src/crypto/random.js';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import {
  assertionOptions,
  parseRegistration,
  registrationOptions,
  verifyPasskeyRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RelyingParty,
} from '../../../shared/src/webauthn/webauthn.js';
import type { ChallengePurpose, PasskeyRow, PasskeyStore, User } from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export const PASSKEY_CHALLENGE_MS = 5 * 60_000;
/** Live challenges at once, all browsers together (a pre-login page makes one per visit). */
const MAX_LIVE_CHALLENGES = 10_000;
/** Live challenges one source address keeps (its oldest go first). */
export const CHALLENGES_PER_SOURCE = 20;
const MAX_PASSKEYS_PER_USER = 10;
/** Roles whose passkeys must verify the user (PIN or biometric), not only their presence. */
const PRIVILEGED_ROLES = new Set(['admin', 'ot-owner', 'auditor']);

export interface PasskeyView {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly userVerified: boolean;
}

export interface PasskeyDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly passkeys: PasskeyStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** The relying party, or why passkeys are off (the portal's URL is an IP address). */
  readonly rp: RelyingParty | { readonly unavailable: string };
}

/** Whether an account's passkeys must verify the user (a privileged role anywhere). */
export function requiresUserVerification(user: User): boolean {
  return user.roles.some((r) => PRIVILEGED_ROLES.has(r.role));
}

/** The WebAuthn user handle of an account: its id's bytes (what a discoverable login returns). */
export function userHandleOf(user: Pick<User, 'id'>): string {
  return Buffer.from(user.id, 'utf8').toString('base64url');
}

/** The challenge a posted client data names (the row to spend), or undefined. */
export function challengeOfClientData(clientDataJSON: string): string | undefined {
  try {
    const c = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as unknown;
    const ch = (c as { challenge?: unknown } | null)?.challenge;
    return typeof ch === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(ch) ? ch : undefined;
  } catch {
    return undefined;
  }
}

const view = (p: PasskeyRow): PasskeyView => ({
  id: p.id,
  name: p.name,
  createdAt: p.createdAt,
  lastUsedAt: p.lastUsedAt,
  userVerified: p.userVerified,
});

export class PasskeyService {
  constructor(private readonly deps: PasskeyDeps) {}

  /** The relying party; throws `unavailable` with the reason when passkeys are off. */
  relyingParty(): RelyingParty {
    const { rp } = this.deps;
    if ('unavailable' in rp)
      throw new AirlockError('unavailable', 'passkey.unavailable', rp.unavailable);
    return rp;
  }

  /** Why passkeys are off, or null when they work. */
  unavailableReason(): string | null {
    return 'unavailable' in this.deps.rp ? this.deps.rp.unavailable : null;
  }

  list(user: User): PasskeyView[] {
    return this.deps.passkeys.ofUser(user.id).map(view);
  }

  count(userId: string): number {
    return this.deps.passkeys.countOf(userId);
  }

  /** A new challenge bound to `binding` (hashed) for one purpose; the binding's earlier one goes. */
  issueChallenge(
    purpose: ChallengePurpose,
    binding: string,
    userId: User['id'] | null,
    source: string,
  ): Uint8Array {
    const { deps } = this;
    const now = deps.clock.now();
    deps.passkeys.pruneChallenges(now);
    if (deps.passkeys.liveChallenges() >= MAX_LIVE_CHALLENGES)
      throw new AirlockError(
        'unavailable',
        'passkey.busy',
        'too many passkey logins are under way; try again in a minute',
      );
    const bytes = randomBytesArray(32);
    deps.passkeys.addChallenge(
      {
        challenge: toBase64Url(bytes),
        purpose,
        bindingHash: bindingHash(purpose, binding),
        userId,
        source,
        createdAt: now,
        expiresAt: now + PASSKEY_CHALLENGE_MS,
      },
      CHALLENGES_PER_SOURCE,
    );
    return bytes;
  }

  /**
   * Spends the challenge a response names, if it was issued for this purpose to this binding
   * and has not expired; undefined otherwise (unknown, used, another browser's, or too old).
   */
  takeChallenge(
    purpose: ChallengePurpose,
    binding: string,
    clientDataJSON: string,
  ): { challenge: string; userId: string | null } | undefined {
    const challenge = challengeOfClientData(clientDataJSON);
    if (challenge === undefined) return undefined;
    const row = this.deps.passkeys.takeChallenge(challenge, bindingHash(purpose, binding), purpose);
    if (row === undefined || row.expiresAt <= this.deps.clock.now()) return undefined;
    return { challenge, userId: row.userId };
  }

  /** Options for adding a passkey to `user`'s account, bound to their portal session. */
  async registrationOptions(
    user: User,
    sessionId: string,
    source: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const rp = this.relyingParty();
    const mine = this.deps.passkeys.ofUser(user.id);
    return registrationOptions({
      rp,
      challenge: this.issueChallenge('register', sessionId, user.id, source),
      userHandle: Buffer.from(user.id, 'utf8'),
      userName: user.name,
      displayName: user.displayName,
      exclude: mine.map((p) => ({ credentialId: p.credentialId, transports: p.transports })),
      requireUserVerification: requiresUserVerification(user),
      timeoutMs: PASSKEY_CHALLENGE_MS,
    });
  }

  /** Options for an assertion: by `user`'s passkeys (second factor) or any (passwordless). */
  async assertionOptions(
    purpose: 'login' | 'second-factor',
    binding: string,
    user: User | null,
    source: string,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const rp = this.relyingParty();
    const allow =
      user === null
        ? []
        : this.deps.passkeys
            .ofUser(user.id)
            .map((p) => ({ credentialId: p.credentialId, transports: p.transports }));
    return assertionOptions({
      rpId: rp.id,
      challenge: this.issueChallenge(purpose, binding, user?.id ?? null, source),
      allow,
      requireUserVerification: user === null || requiresUserVerification(user),
      timeoutMs: PASSKEY_CHALLENGE_MS,
    });
  }

  /** Verifies a registration made with this session's challenge and stores the passkey, audited. */
  async register(
    user: User,
    sessionId: string,
    name: string,
    responseText: string,
  ): Promise<PasskeyView> {
    const { deps } = this;
    const rp = this.relyingParty();
    const parsed = parseRegistration(responseText);
    if (!parsed.ok) this.refuseRegistration(user, 'malformed', parsed.error);
    const taken = this.takeChallenge('register', sessionId, parsed.value.response.clientDataJSON);
    if (taken === undefined || taken.userId !== user.id)
      this.refuseRegistration(
        user,
        'challenge',
        'this passkey registration expired or was already used; start again',
      );
    if (deps.passkeys.countOf(user.id) >= MAX_PASSKEYS_PER_USER)
      this.refuseRegistration(
        user,
        'limit',
        `an account may have at most ${MAX_PASSKEYS_PER_USER} passkeys; revoke one first`,
      );
    const verified = await verifyPasskeyRegistration({
      response: parsed.value,
      expectedChallenge: taken.challenge,
      rp,
      requireUserVerification: requiresUserVerification(user),
    });
    if (!verified.ok)
      this.refuseRegistration(
        user,
        verified.error,
        verified.error === 'user_not_verified'
          ? 'your role needs a passkey that verifies you (PIN or biometric)'
          : `the passkey registration was refused (${verified.error})`,
      );
    const now = deps.clock.now();
    const v = verified.value;
    const id = deps.ids.next('pk');
    return writeTransaction(deps.db, () => {
      if (deps.passkeys.byCredentialId(v.credentialId) !== undefined)
        throw new AirlockError(
          'conflict',
          'passkey.already_registered',
          'this passkey is already registered',
        );
      deps.passkeys.add({
        id,
        userId: user.id,
        credentialId: v.credentialId,
        publicKey: v.publicKey,
        counter: v.counter,
        transports: v.transports,
        name,
        userVerified: v.userVerified,
        createdAt: now,
      });
      deps.audit.append({
        action: 'passkey.register',
        actor: user.name,
        target: user.name,
        outcome: 'success',
        details: { passkeyId: id, name, userVerified: v.userVerified, backedUp: v.backedUp },
      });
      return { id, name, createdAt: now, lastUsedAt: null, userVerified: v.userVerified };
    })();
  }

  rename(user: User, id: string, name: string): void {
    const { deps } = this;
    writeTransaction(deps.db, () => {
      const old = deps.passkeys.get(user.id, id);
      if (old === undefined || !deps.passkeys.rename(user.id, id, name))
        throw new AirlockError('not_found', 'passkey.not_found', 'no such passkey of yours');
      deps.audit.append({
        action: 'passkey.rename',
        actor: user.name,
        target: user.name,
        outcome: 'success',
        details: { passkeyId: id, from: old.name, to: name },
      });
    })();
  }

  /** Revokes one of the user's passkeys: it no longer logs in (audited with its name). */
  revoke(user: User, id: string, by: User = user): void {
    const { deps } = this;
    writeTransaction(deps.db, () => {
      const old = deps.passkeys.get(user.id, id);
      if (old === undefined || !deps.passkeys.remove(user.id, id))
        throw new AirlockError('not_found', 'passkey.not_found', 'no such passkey of yours');
      deps.audit.append({
        action: 'passkey.revoke',
        actor: by.name,
        target: user.name,
        outcome: 'success',
        details: { passkeyId: id, name: old.name },
      });
    })();
  }

  private refuseRegistration(user: User, reason: string, message: string): never {
    this.deps.audit.append({
      action: 'passkey.register',
      actor: user.name,
      target: user.name,
      outcome: 'denied',
      details: { reason },
    });
    throw new AirlockError('bad_request', 'passkey.registration_refused', message);
  }
}

function bindingHash(purpose: ChallengePurpose, binding: string): string {
  return sha256Hex(`airlock:passkey:${purpose}:${binding}`);
}
