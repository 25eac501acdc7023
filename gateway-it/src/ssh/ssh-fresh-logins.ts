/**
 * One strong login per shift (docs/ssh.md): a login with a registered public key and a code makes
 * that key "fresh" for the configured period (`ssh.mfaFreshSeconds`, 8 h by default); a later
 * connection that proves the same key (a signature verified by the authenticator) logs in without
 * a code until the mark runs out, so `ssh`, `scp`, `sftp` and `-L` work in BatchMode all shift.
 *
 * Why a per-key mark and not short-lived OpenSSH certificates: the mark keeps the login bound to
 * the key the person registered (a stolen certificate would work from any machine until it ran
 * out; here only the holder of the registered private key benefits), needs no helper program or
 * CA key on the operator's side, and revocation stays a row delete. Certificates remain the
 * better fit once logins come from SSO without a registered key (docs/ssh.md, limits).
 *
 * Guarantees: only a key + code login sets a mark (a password login never does, and never
 * benefits from one); a mark belongs to one key and never outlives the period counted from the
 * code login (a new code login renews it); it ends with its key, and whenever the account stops
 * being active or its password or second factor changes (store triggers); a site's policy may
 * shorten the period for sessions and forwards at that site (`requireForSite`, checked as each
 * opens), never lengthen it; the user can end all their marks at once (`endShift`, audited
 * `auth.logout`); with the period set to 0 marks are ignored. Not here: the account
 * state, lock and throttle checks, which still run on every connection (auth/), and the access
 * check (grant, window, lockdown), which still runs when each session or forward opens.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { formatLocal } from '../access/access.js';
import type {
  SitePolicyStore,
  SiteStore,
  SshFreshLoginStore,
  SshKeyRecord,
} from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

/** How long a mark that ran out is kept (to say so at the next login) before it is forgotten. */
const KEEP_EXPIRED_MS = 24 * 3_600_000;

export type Freshness =
  | {
      readonly kind: 'fresh';
      readonly verifiedAt: number;
      readonly freshUntil: number;
    }
  /** The key was fresh once; the operator is told when it ran out. */
  | { readonly kind: 'expired'; readonly verifiedAt: number; readonly freshUntil: number }
  | { readonly kind: 'none' };

export interface SshFreshLoginDeps {
  readonly store: SshFreshLoginStore;
  readonly clock: Clock;
  /** 0: no key is ever fresh (a code on every connection). */
  readonly periodMs: number;
  /** Each site's own, shorter period, if it has one. */
  readonly sitePolicies: Pick<SitePolicyStore, 'policy'>;
  /** Each site's zone: a refusal at a site speaks its time. */
  readonly sites: Pick<SiteStore, 'get'>;
  readonly db: Db;
  readonly audit: AuditLog;
}

/** What the portal and the API show and do about a user's fresh keys. */
export interface FreshKeysOfUser {
  /** Until when each of the user's keys logs in without a code (keys fresh now only). */
  freshUntilByKey(userId: string): ReadonlyMap<string, number>;
  /** The user ends their shift: every key of theirs needs a code again. Returns how many were fresh. */
  endShift(user: { readonly id: string; readonly name: string }, via: 'portal' | 'api'): number;
}

/** How a connection that logged in by a fresh key did so (on its identity). */
export interface FreshKeyLogin {
  readonly keyId: string;
  /** When the key + code login that made the key fresh happened. */
  readonly verifiedAt: number;
}

export class SshFreshLogins implements FreshKeysOfUser {
  constructor(private readonly deps: SshFreshLoginDeps) {}

  /** The clock the marks are judged by (for messages that say how long ago). */
  now(): number {
    return this.deps.clock.now();
  }

  get periodMs(): number {
    return this.deps.periodMs;
  }

  /** Whether this key of this user logs in without a code now. */
  freshness(key: Pick<SshKeyRecord, 'id' | 'userId'>): Freshness {
    const { deps } = this;
    if (deps.periodMs === 0) return { kind: 'none' };
    const mark = deps.store.get(key.id);
    if (mark === undefined || mark.userId !== key.userId) return { kind: 'none' };
    // A mark set under a longer period than today's configuration counts only as long as today's.
    const freshUntil = Math.min(mark.freshUntil, mark.verifiedAt + deps.periodMs);
    return deps.clock.now() < freshUntil
      ? { kind: 'fresh', verifiedAt: mark.verifiedAt, freshUntil }
      : { kind: 'expired', verifiedAt: mark.verifiedAt, freshUntil };
  }

  /**
   * Before a session or forward at `site` opens on a connection that logged in by a fresh key:
   * refused when the site's own, shorter period has run out since the code login. The key's mark
   * ends with the refusal, so the next connection asks for the code (and the period starts again).
   */
  requireForSite(login: FreshKeyLogin, site: string): void {
    const { deps } = this;
    const minutes = deps.sitePolicies.policy(site).sshFreshMinutes;
    if (minutes === null || deps.clock.now() < login.verifiedAt + minutes * 60_000) return;
    deps.store.endKey(login.keyId);
    const zone = deps.sites.get(site)?.timezone ?? 'UTC';
    const siteMinute = (ms: number): string => `${formatLocal(ms, zone)} ${zone}`;
    throw new AirlockError(
      'access_denied',
      'ssh.code_login_required',
      `site ${site} asks for ${minutes === 0 ? 'a code on every SSH connection' : `a code login at least every ${durationText(minutes * 60_000)}`}; your last was at ${siteMinute(login.verifiedAt)}: connect again and enter your code (not in BatchMode)`,
    );
  }

  freshUntilByKey(userId: string): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (const m of this.deps.store.listByUser(userId)) {
      const f = this.freshness({ id: m.keyId, userId });
      if (f.kind === 'fresh') out.set(m.keyId, f.freshUntil);
    }
    return out;
  }

  endShift(user: { readonly id: string; readonly name: string }, via: 'portal' | 'api'): number {
    const { deps } = this;
    return writeTransaction(deps.db, () => {
      const fresh = this.freshUntilByKey(user.id).size;
      deps.store.endForUser(user.id);
      deps.audit.append({
        action: 'auth.logout',
        actor: user.name,
        target: user.name,
        outcome: 'success',
        details: { via, what: 'ssh-fresh-keys', keys: fresh },
      });
      return fresh;
    })();
  }

  /** After a key + code login: the key is fresh for the period from now. Returns until when. */
  mark(key: Pick<SshKeyRecord, 'id' | 'userId'>, source: string): number | undefined {
    const { deps } = this;
    if (deps.periodMs === 0) return undefined;
    const now = deps.clock.now();
    const freshUntil = now + deps.periodMs;
    // Run-out marks are kept a day, so the operator is told when theirs ran out.
    deps.store.prune(now - KEEP_EXPIRED_MS);
    deps.store.put({ keyId: key.id, userId: key.userId, verifiedAt: now, source, freshUntil });
    return freshUntil;
  }
}

/**
 * Why a key that was fresh asks for a code again, for the operator: relative times (the login is
 * not tied to one site, so there is no site zone to speak; a UTC clock time is what people misread).
 */
export function expiredLoginText(verifiedAt: number, freshUntil: number, now: number): string {
  return `Your SSH login with a code ${durationText(now - verifiedAt)} ago ran out ${durationText(Math.max(0, now - freshUntil))} ago.`;
}

/** `8 h`, `90 min`, `2 s`, for the operator. */
export function durationText(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.round(ms / 60_000);
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
}
