/**
 * Portal sessions, API bearer tokens and login steps. A session is a 256-bit random secret held by
 * the client (cookie or bearer header); the database keeps only its BLAKE2b hash. Web sessions end
 * after an idle period and after an absolute lifetime; tokens after their TTL; login steps after
 * five minutes. Expired sessions are ended (and web ones audited) when next presented.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { IdGenerator, UserId } from '../../../shared/src/ids.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { blake2bHex } from '../../../shared/src/crypto/hash.js';
import { randomToken } from '../../../shared/src/crypto/random.js';
import type { AuthSession, AuthSessionKind, AuthSessionStore, UserStore } from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface SessionLimits {
  readonly idleMs: number;
  readonly absoluteMs: number;
  readonly tokenTtlMs: number;
}

export const LOGIN_STEP_MS = 5 * 60_000;

export interface IssuedSession {
  readonly id: string;
  readonly kind: AuthSessionKind;
  /** The bearer secret: goes to the client once, never stored. */
  readonly secret: string;
  readonly csrfToken: string | null;
  readonly expiresAt: number;
}

export interface SessionServiceDeps {
  readonly db: Db;
  readonly sessions: AuthSessionStore;
  readonly users: UserStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly limits: SessionLimits;
}

export function hashSessionSecret(secret: string): string {
  return blake2bHex(`airlock:session:${secret}`);
}

/** Touching last-seen on every request would write on every request; this is precise enough. */
const TOUCH_EVERY_MS = 10_000;

export class SessionService {
  constructor(private readonly deps: SessionServiceDeps) {}

  issue(
    userId: UserId,
    kind: AuthSessionKind,
    source: string,
    options: { enrollSecretSealed?: Uint8Array; firstFactor?: string } = {},
  ): IssuedSession {
    const { deps } = this;
    const now = deps.clock.now();
    const secret = randomToken(32);
    const id = deps.ids.next(kind === 'api' ? 'tok' : 'ses');
    const expiresAt =
      now +
      (kind === 'web'
        ? deps.limits.absoluteMs
        : kind === 'api'
          ? deps.limits.tokenTtlMs
          : LOGIN_STEP_MS);
    const csrfToken = kind === 'web' ? randomToken(24) : null;
    deps.sessions.insert({
      id,
      secretHash: hashSessionSecret(secret),
      userId,
      kind,
      csrfToken,
      source: source.slice(0, 64),
      createdAt: now,
      idleTimeoutMs: kind === 'web' ? deps.limits.idleMs : null,
      expiresAt,
      enrollSecretSealed: options.enrollSecretSealed ?? null,
      firstFactor: options.firstFactor ?? null,
    });
    return { id, kind, secret, csrfToken, expiresAt };
  }

  /** The live session for a presented secret, if it is of one of `kinds`; ends it when it has run out. */
  resolve(secret: string, kinds: readonly AuthSessionKind[]): AuthSession | undefined {
    const { deps } = this;
    if (secret.length < 16 || secret.length > 128) return undefined;
    const s = deps.sessions.getBySecretHash(hashSessionSecret(secret));
    if (s === undefined || s.endedAt !== null || !kinds.includes(s.kind)) return undefined;
    const now = deps.clock.now();
    const idleOut = s.idleTimeoutMs !== null && now - s.lastSeenAt >= s.idleTimeoutMs;
    if (now >= s.expiresAt || idleOut) {
      this.expire(s, idleOut && now < s.expiresAt ? 'idle' : 'absolute');
      return undefined;
    }
    if (now - s.lastSeenAt >= TOUCH_EVERY_MS) deps.sessions.touch(s.id, now);
    return s;
  }

  /** Ends a session (logout, a failed login step); false if it had already ended. */
  end(id: string, reason: string): boolean {
    return this.deps.sessions.end(id, this.deps.clock.now(), reason);
  }

  /** Live sessions and tokens of a user (login steps included). */
  liveOf(userId: string): AuthSession[] {
    return this.deps.sessions.liveOfUser(userId, this.deps.clock.now());
  }

  endAllOfUser(userId: string, reason: string): number {
    return this.deps.sessions.endAllOfUser(userId, this.deps.clock.now(), reason);
  }

  private expire(s: AuthSession, why: 'idle' | 'absolute'): void {
    const { deps } = this;
    const now = deps.clock.now();
    if (s.kind !== 'web' && s.kind !== 'api') {
      deps.sessions.end(s.id, now, 'expired');
      return;
    }
    const user = deps.users.getById(s.userId);
    writeTransaction(deps.db, () => {
      if (!deps.sessions.end(s.id, now, why === 'idle' ? 'idle timeout' : 'absolute timeout'))
        return;
      deps.audit.append({
        action: 'auth.session_expire',
        actor: 'system:it',
        target: user?.name ?? s.userId,
        outcome: 'success',
        details: { sessionId: s.id, kind: s.kind, timeout: why },
      });
    })();
  }
}
