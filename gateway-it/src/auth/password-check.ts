/**
 * Step one by password: the gate, then one argon2id verification on the worker pool (an unknown
 * name is checked against a dummy hash, so it costs and takes the same as a known one), then the
 * account's state as it is after the check. A source may have only a few checks in flight, and a
 * full pool refuses new checks with `busy` before any work (audited, not counted as a guess).
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { PasswordPool } from '../../../shared/src/crypto/password-pool.js';
import type { User, UserStore } from '../store/store.js';
import type { LoginGate } from './login-gate.js';
import type { LoginVia } from './login-service.js';
import { USER_NAME_PATTERN } from './user-admin.js';

export interface PasswordCheckDeps {
  readonly audit: AuditLog;
  readonly users: UserStore;
  /** argon2id off the event loop. */
  readonly passwords: PasswordPool;
  /** Password checks one source address may have in flight at once (pre-authentication work). */
  readonly checksPerSource: number;
}

/**
 * What an unknown name's password is checked against, so it costs one argon2id verification like
 * a known one: the hash of 24 random bytes nobody kept, with the interactive limits new hashes get
 * (a test fails if those limits change and this is not replaced).
 */
export const UNKNOWN_ACCOUNT_HASH =
  '$argon2id$v=19$m=65536,t=2,p=1$bD06H/K7wX/BWM5cx0Icpg$DkYt4j5YeHYfew1KLoaQdJHF3dwjcDp7/xxjOUJ+I5Q';

export class PasswordCheck {
  /** Password checks in flight per source address. */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly deps: PasswordCheckDeps,
    private readonly gate: LoginGate,
  ) {}

  /** Step one on every path. Returns the user whose password this is; throws otherwise. */
  async check(name: string, password: string, source: string, via: LoginVia): Promise<User> {
    const { deps } = this;
    this.gate.check(name, source, via);
    const user = USER_NAME_PATTERN.test(name) ? deps.users.getByName(name) : undefined;
    const hash =
      user === undefined ? undefined : (deps.users.credentials(user.id)?.passwordHash ?? undefined);
    const ok = await this.verifyOffLoop(name, user, hash, password, source, via);
    if (user === undefined || !ok) this.gate.fail(name, user, source, via, 'bad-password');
    // The account may have changed while the worker ran: judge its state as it is now.
    const fresh = deps.users.getById(user.id) ?? user;
    this.gate.refuseInactive(fresh, source, via, {});
    return fresh;
  }

  /**
   * One argon2id verification on the pool, counted against the source's in-flight cap. An unknown
   * name is checked against a dummy hash, so its cost and timing match a known one's.
   */
  private async verifyOffLoop(
    name: string,
    user: User | undefined,
    hash: string | undefined,
    password: string,
    source: string,
    via: LoginVia,
  ): Promise<boolean> {
    const { deps } = this;
    const running = this.inFlight.get(source) ?? 0;
    if (running >= deps.checksPerSource)
      this.refuseBusy(
        name,
        user,
        source,
        via,
        'source_busy',
        new AirlockError(
          'limit_exceeded',
          'auth.source_busy',
          'another login from this address is still being checked; wait for it to finish',
        ),
      );
    if (deps.passwords.isFull())
      this.refuseBusy(
        name,
        user,
        source,
        via,
        'busy',
        new AirlockError(
          'unavailable',
          'auth.busy',
          'the gateway is busy checking other logins; try again in a few seconds',
        ),
      );
    this.inFlight.set(source, running + 1);
    try {
      const encoded = hash ?? UNKNOWN_ACCOUNT_HASH;
      return (await deps.passwords.verify(encoded, password)) && hash !== undefined;
    } catch (e) {
      if (e instanceof AirlockError && e.code === 'auth.busy')
        this.refuseBusy(name, user, source, via, 'busy', e);
      throw e;
    } finally {
      const left = (this.inFlight.get(source) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(source);
      else this.inFlight.set(source, left);
    }
  }

  /** Audits a check refused before any argon2id ran (not a failed guess: nothing is counted). */
  private refuseBusy(
    name: string,
    user: User | undefined,
    source: string,
    via: LoginVia,
    reason: 'busy' | 'source_busy',
    error: AirlockError,
  ): never {
    this.deps.audit.append({
      action: 'auth.login',
      actor: user?.name ?? 'anonymous',
      target: user?.name ?? null,
      outcome: 'denied',
      details: { via, source, reason },
    });
    throw error;
  }
}
