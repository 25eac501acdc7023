/**
 * Authentication of one SSH connection: a first factor (a registered public key, proven by a
 * signature ssh2 hands us and we verify here, or the account password), then a TOTP code (or a
 * recovery code) as a keyboard-interactive step, announced to the client as "partial success" so
 * OpenSSH asks for it. Identity comes only from a verified signature or a completed password
 * check, and both factors must be for the same user name. The one exception to the code: a key
 * that a key + code login made fresh (ssh-fresh-logins.ts) logs in with its signature alone until
 * its mark runs out; a key + code login sets or renews the mark. A key that is not fresh gets,
 * beside the code prompt, a one-time portal link (ssh-confirmations.ts): once its owner confirms it
 * in the portal, an empty answer (Enter) logs in on the key made fresh by that confirmation. The
 * account state, lock and throttle checks run on every connection either way (again when a
 * confirmation is taken).
 *
 * Throttling, lockout, account state and auditing are the shared LoginService's (via `ssh`), so
 * the portal and SSH count failures together. The login's `auth.login` event names the first
 * factor (`password` or `publickey`, with the key's SHA256 fingerprint). A client offering keys we
 * do not know is not a counted failure (clients try each key they hold), but a connection that
 * ends unauthenticated after keys were refused (unknown, or a signature that did not verify) is
 * audited once, with how many and their fingerprints (`close`); one that proved its first factor
 * but never gave the code (a BatchMode client whose key's mark ran out) is audited once too,
 * saying so. A wrong password or code counts.
 * Not done here: the target in the user name is parsed but checked only after login.
 */
import ssh2 from 'ssh2';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type {
  AuthContext,
  KeyboardAuthContext,
  PublicKeyAuthContext,
  PasswordAuthContext,
} from 'ssh2';
import { isAirlockError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import {
  sshFingerprint,
  type FirstFactor,
  type LoginService,
  type SecondFactor,
  type SecondFactorMethod,
  type SshKeyService,
} from '../auth/auth.js';
import type { SshKeyRecord, User, UserStore } from '../store/store.js';
import {
  durationText,
  expiredLoginText,
  type FreshKeyLogin,
  type SshFreshLogins,
} from './ssh-fresh-logins.js';
import type { SshConfirmations } from './ssh-confirmations.js';
import { SshConfirmPrompt } from './ssh-confirm-prompt.js';
import { parseLoginName, type LoginName } from './ssh-login-name.js';

export interface SshAuthDeps {
  readonly login: LoginService;
  readonly users: UserStore;
  readonly keys: SshKeyService;
  /** Keys a key + code login made fresh (they log in without a code for a while). */
  readonly fresh: SshFreshLogins;
  /** One-time portal links that confirm a login instead of a code. */
  readonly confirmations: SshConfirmations;
  /** The portal's base URL (`https://host:port`), for those links. */
  readonly portalUrl: () => string;
  readonly audit: AuditLog;
  readonly log: Logger;
}

export interface SshIdentity {
  readonly user: User;
  readonly name: LoginName;
  readonly firstFactor: 'publickey' | 'password';
  /** `fresh-key`: no code on this connection, the key's earlier key + code login stands for it. */
  readonly secondFactor: SecondFactorMethod | 'fresh-key';
  /** With `fresh-key`: which key and when its code login was (a site may want a newer one). */
  readonly freshKey?: FreshKeyLogin;
}

const FIRST_FACTORS: ('publickey' | 'password')[] = ['publickey', 'password'];
/** Codes a connection may get wrong before it is closed (the account lockout counts them too). */
const MAX_CODE_ATTEMPTS = 3;
/** Fingerprints of refused keys named in the connection's one audit event... */
const MAX_FINGERPRINTS_AUDITED = 8;
/** ...and distinct ones counted (a client may offer keys without end until the login timeout). */
const MAX_REFUSED_KEYS_COUNTED = 1000;
export const TOTP_PROMPT = 'Airlock verification code: ';

export class SshAuthenticator {
  private first:
    | {
        user: User;
        name: LoginName;
        username: string;
        factor: FirstFactor;
        /** The registered key that proved the first factor (a password login has none). */
        key?: SshKeyRecord;
        /** When that key's fresh login ran out, if it had one (said in the prompt and the audit). */
        expiredAt?: number;
      }
    | undefined;
  /** Public keys refused on this connection (audited once, at close, if it never logs in). */
  private readonly refusedKeys = new Set<string>();
  private badSignatures = 0;
  private offeredName = '';
  private closed = false;
  private codeFailures = 0;
  private lastProblem = '';
  private identity: SshIdentity | undefined;
  /** The one-time portal link this connection shows instead of asking for the code. */
  private readonly portal: SshConfirmPrompt;

  constructor(
    private readonly deps: SshAuthDeps,
    /** The client's address (throttling counts per address). */
    private readonly source: string,
    /** Called when the connection must be dropped (too many wrong codes). */
    private readonly drop: (reason: string) => void,
  ) {
    this.portal = new SshConfirmPrompt(deps, source);
  }

  /** The connection ended: audits the public keys it had refused, if it never logged in. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.portal.drop();
    // Wrong codes were audited as they came; a code never tried is audited here.
    if (this.identity === undefined && this.first !== undefined && this.codeFailures === 0)
      this.auditCodeNotGiven(this.first);
    if (this.identity !== undefined || (this.refusedKeys.size === 0 && this.badSignatures === 0))
      return;
    try {
      this.deps.login.auditRejectedKeys(
        {
          name: this.offeredName,
          keys: this.refusedKeys.size,
          badSignatures: this.badSignatures,
          fingerprints: [...this.refusedKeys].slice(0, MAX_FINGERPRINTS_AUDITED),
        },
        this.source,
        'ssh',
      );
    } catch (e) {
      this.deps.log.error('could not audit refused SSH keys', { err: e, source: this.source });
    }
  }

  /** Who authenticated, once both factors passed. */
  get authenticated(): SshIdentity | undefined {
    return this.identity;
  }

  handle(ctx: AuthContext): void {
    if (this.identity !== undefined) return ctx.reject();
    if (this.first !== undefined && ctx.username !== this.first.username) {
      // Both factors must name the same user: start over is not offered on one connection.
      this.drop('the user name changed during authentication');
      return ctx.reject();
    }
    switch (ctx.method) {
      case 'publickey':
        return this.publicKey(ctx);
      case 'password':
        return this.password(ctx);
      case 'keyboard-interactive':
        return this.secondFactor(ctx);
      case 'none':
      case 'hostbased':
        return ctx.reject(
          this.first === undefined ? FIRST_FACTORS : ['keyboard-interactive'],
          this.first !== undefined,
        );
      default: {
        const never: never = ctx;
        return (never as AuthContext).reject();
      }
    }
  }

  private nameOf(ctx: AuthContext): LoginName | undefined {
    const parsed = parseLoginName(ctx.username);
    return parsed.ok ? parsed.value : undefined;
  }

  private publicKey(ctx: PublicKeyAuthContext): void {
    if (this.first !== undefined) return ctx.reject(['keyboard-interactive'], true);
    const name = this.nameOf(ctx);
    const user = name === undefined ? undefined : this.deps.users.getByName(name.user);
    const key = user === undefined ? undefined : this.deps.keys.findForLogin(user, ctx.key.data);
    const fingerprint = sshFingerprint(ctx.key.data);
    this.offeredName = name?.user ?? ctx.username.slice(0, 64);
    if (name === undefined || user === undefined || key === undefined) {
      this.refuseKey(fingerprint);
      return ctx.reject(FIRST_FACTORS);
    }
    // Without a signature the client only asks whether we would take this key.
    if (ctx.signature === undefined || ctx.blob === undefined) return ctx.accept();
    const parsed = ssh2.utils.parseKey(ctx.key.data);
    const pub = Array.isArray(parsed) ? parsed[0] : parsed;
    if (
      pub === undefined ||
      pub instanceof Error ||
      pub.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true
    ) {
      this.deps.log.warn('SSH public key signature did not verify', {
        user: user.name,
        source: this.source,
      });
      this.badSignatures++;
      this.refuseKey(fingerprint);
      return ctx.reject(FIRST_FACTORS);
    }
    try {
      this.deps.login.admitKeyHolder(user, this.source, 'ssh');
    } catch (e) {
      this.note(e);
      return ctx.reject(FIRST_FACTORS);
    }
    this.deps.keys.markUsed(key);
    const fresh = this.deps.fresh.freshness(key);
    if (fresh.kind === 'fresh')
      return this.loginOnFreshKey(user, name, key, fingerprint, fresh)
        ? ctx.accept()
        : ctx.reject(FIRST_FACTORS);
    if (fresh.kind === 'expired')
      this.lastProblem = `${expiredLoginText(fresh.verifiedAt, fresh.freshUntil, this.deps.fresh.now())} Enter the current code from your authenticator app for ${user.name}; this key then logs in without a code for ${durationText(this.deps.fresh.periodMs)}.`;
    this.first = {
      user,
      name,
      username: ctx.username,
      factor: { method: 'publickey', keyFingerprint: fingerprint },
      key,
      ...(fresh.kind === 'expired' ? { expiredAt: fresh.freshUntil } : {}),
    };
    ctx.reject(['keyboard-interactive'], true);
  }

  private password(ctx: PasswordAuthContext): void {
    if (this.first !== undefined) return ctx.reject(['keyboard-interactive'], true);
    const name = this.nameOf(ctx);
    if (name === undefined) return ctx.reject(FIRST_FACTORS);
    // The argon2id check runs on the password threads; ssh2 holds this connection's next
    // authentication request until we answer this one.
    this.deps.login
      .checkPassword(name.user, ctx.password, this.source, 'ssh')
      .then(
        (user) => {
          this.first = { user, name, username: ctx.username, factor: { method: 'password' } };
          ctx.reject(['keyboard-interactive'], true);
        },
        (e: unknown) => {
          this.note(e);
          ctx.reject(FIRST_FACTORS);
        },
      )
      // The client may have gone while the check ran: answering a closed connection must not crash us.
      .catch((e: unknown) =>
        this.deps.log.warn('SSH password answer not delivered', { err: e, source: this.source }),
      );
  }

  private secondFactor(ctx: KeyboardAuthContext): void {
    const first = this.first;
    if (first === undefined) return ctx.reject(FIRST_FACTORS);
    const link = this.portalLink(first);
    const instructions = [
      this.lastProblem === ''
        ? `Enter the current code from your authenticator app for ${first.user.name} (or a recovery code).`
        : this.lastProblem,
      ...(link === undefined ? [] : [link]),
    ].join('\n');
    ctx.prompt(
      [{ prompt: TOTP_PROMPT, echo: false }],
      'Airlock second factor',
      instructions,
      (answers) => {
        const answer = (answers[0] ?? '').trim();
        if (answer === '' && this.portal.isOpen) return this.afterEnter(ctx, first);
        this.portal.drop();
        const factor: SecondFactor = /^\d{6,8}$/.test(answer)
          ? { code: answer }
          : { recoveryCode: answer };
        try {
          const method = this.deps.login.checkSecondFactor(first.user, factor, this.source, 'ssh');
          this.deps.login.succeed(first.user, this.source, 'ssh', method, [], first.factor);
          if (first.key !== undefined) this.markFresh(first.key);
          this.identity = {
            user: first.user,
            name: first.name,
            firstFactor: first.factor.method,
            secondFactor: method,
          };
          ctx.accept();
        } catch (e) {
          this.note(e);
          this.codeFailures++;
          if (this.codeFailures >= MAX_CODE_ATTEMPTS) {
            ctx.reject([]);
            this.drop('too many wrong codes');
            return;
          }
          ctx.reject(['keyboard-interactive'], true);
        }
      },
    );
  }

  /** For a registered key that is not fresh: the prompt's line with the one-time portal link. */
  private portalLink(first: NonNullable<SshAuthenticator['first']>): string | undefined {
    const { key, factor } = first;
    if (key === undefined || factor.method !== 'publickey' || this.deps.fresh.periodMs === 0)
      return undefined;
    return this.portal.line({
      user: first.user,
      key,
      keyFingerprint: factor.keyFingerprint,
      source: this.source,
    });
  }

  /** Enter with a link shown: logs in if the link was confirmed, else says why not. */
  private afterEnter(
    ctx: KeyboardAuthContext,
    first: NonNullable<SshAuthenticator['first']>,
  ): void {
    const outcome = this.portal.enter();
    switch (outcome.kind) {
      case 'confirmed':
        if (this.loginOnConfirmedKey(first)) return ctx.accept();
        break;
      case 'wait':
        this.lastProblem = outcome.message;
        break;
      case 'give-up':
        ctx.reject([]);
        this.drop('portal confirmation not given');
        return;
      default: {
        const never: never = outcome;
        return never;
      }
    }
    ctx.reject(['keyboard-interactive'], true);
  }

  /**
   * The confirmation made the key fresh: the account checks run again (it may have changed while
   * the link was open) and the login is the fresh key's. False (with the reason kept) otherwise.
   */
  private loginOnConfirmedKey(first: NonNullable<SshAuthenticator['first']>): boolean {
    const { key, factor } = first;
    const user = this.deps.users.getByName(first.user.name);
    if (key === undefined || factor.method !== 'publickey' || user?.id !== first.user.id)
      return false;
    try {
      this.deps.login.admitKeyHolder(user, this.source, 'ssh');
    } catch (e) {
      this.note(e);
      return false;
    }
    const fresh = this.deps.fresh.freshness(key);
    if (fresh.kind === 'fresh')
      return this.loginOnFreshKey(user, first.name, key, factor.keyFingerprint, fresh);
    this.lastProblem =
      'The confirmation no longer holds (the key was removed or its mark ended). Enter the code.';
    return false;
  }

  /** Logs in on a fresh key (audited); false with the reason kept if that fails. */
  private loginOnFreshKey(
    user: User,
    name: LoginName,
    key: SshKeyRecord,
    keyFingerprint: string,
    fresh: { readonly verifiedAt: number; readonly freshUntil: number },
  ): boolean {
    try {
      this.deps.login.succeedOnFreshKey(user, this.source, 'ssh', {
        keyFingerprint,
        verifiedAt: fresh.verifiedAt,
        freshUntil: fresh.freshUntil,
      });
    } catch (e) {
      this.note(e);
      return false;
    }
    this.identity = {
      user,
      name,
      firstFactor: 'publickey',
      secondFactor: 'fresh-key',
      freshKey: { keyId: key.id, verifiedAt: fresh.verifiedAt },
    };
    return true;
  }

  /** A key + code login: the key logs in without a code for the period (a failure only costs that). */
  private markFresh(key: SshKeyRecord): void {
    try {
      this.deps.fresh.mark(key, this.source);
    } catch (e) {
      this.deps.log.error('could not mark the SSH key fresh', { err: e, source: this.source });
    }
  }

  /** The first factor passed but the code never came (the client gave up, e.g. in BatchMode). */
  private auditCodeNotGiven(first: NonNullable<SshAuthenticator['first']>): void {
    try {
      this.deps.audit.append({
        action: 'auth.login',
        actor: first.user.name,
        target: first.user.name,
        outcome: 'denied',
        details: {
          via: 'ssh',
          source: this.source,
          firstFactor: first.factor.method,
          ...(first.factor.method === 'publickey'
            ? { keyFingerprint: first.factor.keyFingerprint }
            : {}),
          reason:
            this.portal.reason ??
            (first.expiredAt === undefined ? 'code-not-given' : 'fresh-login-expired'),
          ...(first.expiredAt === undefined
            ? {}
            : { freshUntil: new Date(first.expiredAt).toISOString() }),
        },
      });
    } catch (e) {
      this.deps.log.error('could not audit an SSH login without its code', {
        err: e,
        source: this.source,
      });
    }
  }

  private refuseKey(fingerprint: string): void {
    if (this.refusedKeys.size < MAX_REFUSED_KEYS_COUNTED) this.refusedKeys.add(fingerprint);
  }

  /** Keeps the reason for the operator's next prompt (the message names no secret). */
  private note(e: unknown): void {
    if (isAirlockError(e) && e.kind !== 'internal') this.lastProblem = e.message;
    else this.deps.log.error('SSH login check failed', { err: e, source: this.source });
  }
}
