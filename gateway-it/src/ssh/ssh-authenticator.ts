/**
 * Authentication of one SSH connection: a first factor (a registered public key, proven by a
 * signature ssh2 hands us and we verify here, or the account password), then ALWAYS a TOTP code
 * (or a recovery code) as a keyboard-interactive step, announced to the client as "partial success"
 * so OpenSSH asks for it. Identity comes only from a verified signature or a completed password
 * check, and both factors must be for the same user name.
 *
 * Throttling, lockout, account state and auditing are the shared LoginService's (via `ssh`), so
 * the portal and SSH count failures together. A client offering keys we do not know is not a
 * failure (clients try each key they hold); a bad signature, password or code is.
 * Not done here: the target in the user name is parsed but checked only after login.
 */
import ssh2 from 'ssh2';
import type {
  AuthContext,
  KeyboardAuthContext,
  PublicKeyAuthContext,
  PasswordAuthContext,
} from 'ssh2';
import { isAirlockError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import type {
  LoginService,
  SecondFactor,
  SecondFactorMethod,
  SshKeyService,
} from '../auth/auth.js';
import type { User, UserStore } from '../store/store.js';
import { parseLoginName, type LoginName } from './ssh-login-name.js';

export interface SshAuthDeps {
  readonly login: LoginService;
  readonly users: UserStore;
  readonly keys: SshKeyService;
  readonly log: Logger;
}

export interface SshIdentity {
  readonly user: User;
  readonly name: LoginName;
  readonly firstFactor: 'publickey' | 'password';
  readonly secondFactor: SecondFactorMethod;
}

const FIRST_FACTORS: ('publickey' | 'password')[] = ['publickey', 'password'];
/** Codes a connection may get wrong before it is closed (the account lockout counts them too). */
const MAX_CODE_ATTEMPTS = 3;
export const TOTP_PROMPT = 'Airlock verification code: ';

export class SshAuthenticator {
  private first:
    { user: User; name: LoginName; username: string; method: 'publickey' | 'password' } | undefined;
  private codeFailures = 0;
  private lastProblem = '';
  private identity: SshIdentity | undefined;

  constructor(
    private readonly deps: SshAuthDeps,
    /** The client's address (throttling counts per address). */
    private readonly source: string,
    /** Called when the connection must be dropped (too many wrong codes). */
    private readonly drop: (reason: string) => void,
  ) {}

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
    if (name === undefined || user === undefined || key === undefined)
      return ctx.reject(FIRST_FACTORS);
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
      return ctx.reject(FIRST_FACTORS);
    }
    try {
      this.deps.login.admitKeyHolder(user, this.source, 'ssh');
    } catch (e) {
      this.note(e);
      return ctx.reject(FIRST_FACTORS);
    }
    this.deps.keys.markUsed(key);
    this.first = { user, name, username: ctx.username, method: 'publickey' };
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
          this.first = { user, name, username: ctx.username, method: 'password' };
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
    const instructions =
      this.lastProblem === ''
        ? `Enter the current code from your authenticator app for ${first.user.name} (or a recovery code).`
        : this.lastProblem;
    ctx.prompt(
      [{ prompt: TOTP_PROMPT, echo: false }],
      'Airlock second factor',
      instructions,
      (answers) => {
        const answer = (answers[0] ?? '').trim();
        const factor: SecondFactor = /^\d{6,8}$/.test(answer)
          ? { code: answer }
          : { recoveryCode: answer };
        try {
          const method = this.deps.login.checkSecondFactor(first.user, factor, this.source, 'ssh');
          this.deps.login.succeed(first.user, this.source, 'ssh', method);
          this.identity = {
            user: first.user,
            name: first.name,
            firstFactor: first.method,
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

  /** Keeps the reason for the operator's next prompt (the message names no secret). */
  private note(e: unknown): void {
    if (isAirlockError(e) && e.kind !== 'internal') this.lastProblem = e.message;
    else this.deps.log.error('SSH login check failed', { err: e, source: this.source });
  }
}
