/**
 * SSH logins confirmed in the portal (docs/ssh.md, "Confirming in the portal"): when a connection
 * proves a registered key that is not fresh, its code prompt also shows a one-time link
 * (`<portal>/ssh/confirm/<code>`). The key's owner opens it in a portal session, sees which key
 * and which source address, and confirms; that makes the key fresh exactly as a key + code login
 * would (ssh-fresh-logins.ts: the gateway's period, a site's shorter one when a session opens, and
 * every revocation), and the waiting connection logs in when the operator presses Enter.
 *
 * Guarantees: a code is random (about 50 bits), lives `ttlMs` (5 min), is used once, belongs to one
 * key and one waiting connection, and is confirmed only by the key's own user in a portal session
 * (every portal session was issued after a second factor: TOTP, a recovery code, or the identity
 * provider's MFA, auth/login-flows.ts); every confirmation, refusal and expiry is audited
 * (`ssh.confirm`, `ssh.confirm_expire`). Links are kept in memory only: they are bound to a live
 * connection, which a restart ends anyway. Not here: the account state and the access checks,
 * which the connection still runs when it logs in and as each session opens.
 */
import { randomInt } from 'node:crypto';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { SshKeyRecord } from '../store/store.js';
import type { SshFreshLogins } from './ssh-fresh-logins.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

/** Letters and digits a person does not confuse (no 0/o, 1/l/i). */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const CODE_LENGTH = 10;
export const CONFIRM_CODE = /^[a-hj-km-np-z2-9]{10}$/;
/** Open links per user and in all; one more shows no link (the code prompt still works). */
const MAX_PER_USER = 10;
const MAX_OPEN = 10_000;

export interface SshConfirmationDeps {
  readonly clock: Clock;
  readonly audit: AuditLog;
  /** The mark and its audit event commit together. */
  readonly db: Db;
  readonly fresh: Pick<SshFreshLogins, 'mark'>;
  /** How long a link may be used (5 min). */
  readonly ttlMs: number;
}

export interface SshConfirmationRequest {
  readonly user: { readonly id: string; readonly name: string };
  readonly key: Pick<SshKeyRecord, 'id' | 'userId'>;
  readonly keyFingerprint: string;
  /** The SSH client's address (`ip:port`). */
  readonly source: string;
}

/** What the portal page shows the key's owner. */
export interface SshConfirmationView {
  readonly code: string;
  readonly keyFingerprint: string;
  readonly source: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Whoever opens a link in the portal. */
export interface SshConfirmer {
  readonly id: string;
  readonly name: string;
  /** The portal session's address. */
  readonly source: string;
}

interface Entry extends SshConfirmationRequest {
  readonly code: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  state: 'pending' | 'confirmed';
}

export type ConfirmationState = 'pending' | 'confirmed' | 'expired';

export class SshConfirmations {
  private readonly open = new Map<string, Entry>();

  constructor(private readonly deps: SshConfirmationDeps) {}

  get ttlMs(): number {
    return this.deps.ttlMs;
  }

  /** A new link for a waiting connection, or undefined when too many are open. */
  issue(req: SshConfirmationRequest): SshConfirmationView | undefined {
    this.sweep();
    const mine = [...this.open.values()].filter((e) => e.user.id === req.user.id).length;
    if (mine >= MAX_PER_USER || this.open.size >= MAX_OPEN) return undefined;
    let code = newCode();
    while (this.open.has(code)) code = newCode();
    const now = this.deps.clock.now();
    const entry: Entry = {
      ...req,
      code,
      createdAt: now,
      expiresAt: now + this.deps.ttlMs,
      state: 'pending',
    };
    this.open.set(code, entry);
    return viewOf(entry);
  }

  /** The waiting connection asks (on Enter): a confirmed link is used up by this. */
  take(code: string): ConfirmationState {
    const e = this.open.get(code);
    if (e === undefined) return 'expired';
    if (e.state === 'confirmed') {
      this.open.delete(code);
      return 'confirmed';
    }
    if (this.deps.clock.now() < e.expiresAt) return 'pending';
    this.expire(e);
    return 'expired';
  }

  /** The connection ended or moved on: its link goes (audited if it ran out unconfirmed). */
  drop(code: string): void {
    const e = this.open.get(code);
    if (e === undefined) return;
    if (e.state === 'pending' && this.deps.clock.now() >= e.expiresAt) this.expire(e);
    else this.open.delete(code);
  }

  /** For the portal page: only the key's owner sees it; anything else is refused and audited. */
  describe(code: string, by: SshConfirmer): SshConfirmationView {
    return viewOf(this.usable(code, by, 'view'));
  }

  /** The owner confirms: the key becomes fresh (audited with it), the connection may log in. */
  confirm(code: string, by: SshConfirmer): SshConfirmationView {
    const e = this.usable(code, by, 'confirm');
    // No audit, no action: the key's mark and the event commit together or not at all.
    writeTransaction(this.deps.db, () => {
      const freshUntil = this.deps.fresh.mark(e.key, e.source);
      this.deps.audit.append({
        action: 'ssh.confirm',
        actor: by.name,
        target: e.user.name,
        outcome: 'success',
        details: {
          keyFingerprint: e.keyFingerprint,
          sshSource: e.source,
          source: by.source,
          ...(freshUntil === undefined ? {} : { freshUntil: new Date(freshUntil).toISOString() }),
        },
      });
    })();
    e.state = 'confirmed';
    return viewOf(e);
  }

  private usable(code: string, by: SshConfirmer, step: 'view' | 'confirm'): Entry {
    const e = CONFIRM_CODE.test(code) ? this.open.get(code) : undefined;
    const refuse = (reason: string, err: AirlockError): never => {
      this.deps.audit.append({
        action: 'ssh.confirm',
        actor: by.name,
        target: e?.user.name ?? null,
        outcome: 'denied',
        details: {
          step,
          reason,
          source: by.source,
          ...(e === undefined ? {} : { keyFingerprint: e.keyFingerprint, sshSource: e.source }),
        },
      });
      throw err;
    };
    if (e === undefined)
      return refuse(
        'unknown',
        new AirlockError(
          'not_found',
          'ssh.confirm_unknown',
          'this SSH confirmation link is unknown, already used or expired: connect again for a new one',
        ),
      );
    if (e.user.id !== by.id)
      return refuse(
        'other-user',
        new AirlockError(
          'access_denied',
          'ssh.confirm_other_user',
          'this SSH login is not yours: only its own user can confirm it',
        ),
      );
    if (e.state === 'confirmed')
      return refuse(
        'already-used',
        new AirlockError('conflict', 'ssh.confirm_used', 'this SSH login was already confirmed'),
      );
    if (this.deps.clock.now() >= e.expiresAt) {
      this.expire(e);
      return refuse(
        'expired',
        new AirlockError(
          'not_found',
          'ssh.confirm_expired',
          'this SSH confirmation link has expired: connect again for a new one',
        ),
      );
    }
    return e;
  }

  private expire(e: Entry): void {
    this.open.delete(e.code);
    this.deps.audit.append({
      action: 'ssh.confirm_expire',
      actor: e.user.name,
      target: e.user.name,
      outcome: 'failure',
      details: {
        keyFingerprint: e.keyFingerprint,
        sshSource: e.source,
        expiredAt: new Date(e.expiresAt).toISOString(),
      },
    });
  }

  /** Links past their time whose connection is gone are audited and forgotten. */
  private sweep(): void {
    const now = this.deps.clock.now();
    for (const e of [...this.open.values()])
      if (now >= e.expiresAt + this.deps.ttlMs) this.expire(e);
  }
}

function newCode(): string {
  let s = '';
  for (let i = 0; i < CODE_LENGTH; i++) s += ALPHABET[randomInt(ALPHABET.length)] ?? '';
  return s;
}

function viewOf(e: Entry): SshConfirmationView {
  return {
    code: e.code,
    keyFingerprint: e.keyFingerprint,
    source: e.source,
    createdAt: e.createdAt,
    expiresAt: e.expiresAt,
  };
}
