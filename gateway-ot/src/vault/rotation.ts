/**
 * Two-phase password rotation, never locking the plant out. For one rotatable account:
 *  0. an earlier rotation whose outcome is unknown (or that crashed) is settled first, by logging in
 *     with the committed and then the pending password; if neither works nothing new is tried;
 *  1. a new random password is staged in the vault as `pending` (refused if one is already staged:
 *     never two rotations of one account at once, across processes);
 *  2. the target sets it through the rotation account (protocol-specific: a RotationTarget);
 *  3. a fresh login with the new password is verified, and only then it is committed, audited
 *     `vault.rotate` success in the same transaction.
 * Any failure keeps the old password working: when the target surely still has it, the pending one
 * is dropped; when its state is unknown, both are kept and the next check-out tries both. Every
 * failure is audited `vault.rotate` outcome failure, with the reason and `alert: true` (the IT side
 * notifies the site's OT owners), never a secret. Triggers: check-in of a rotate-on-check-in target,
 * the end of any break-glass session (a target without rotation then alerts), a schedule on the
 * injected Clock, and the CLI.
 *
 * Not guaranteed: a password the target took but that no login can confirm (both refused) needs a
 * human; the failure says so. Network timeouts of the target steps are real time (the target's).
 */
import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import { wipe } from '../../../shared/src/crypto/aead.js';
import { AirlockError, describeError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import type { VaultSecret } from './credential-lease.js';
import type { CheckInNotice, Vault } from './credential-vault.js';

/** Setting the password on the target: when it failed, whether the target may have changed it. */
export type SetOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly changed: 'no' | 'unknown';
      readonly code: string;
      readonly message: string;
    };

/** A login attempt: the target accepted or refused the password, or could not be asked. */
export type LoginOutcome =
  | { readonly result: 'accepted' }
  | { readonly result: 'refused' }
  | { readonly result: 'error'; readonly code: string; readonly message: string };

/** One rotatable account on one asset, and how to reach it (a protocol implements it: SSH today). */
export interface RotationTarget {
  /** The account whose password rotates. */
  readonly account: string;
  /** The account that sets it; its own secret is in the vault under the same asset. */
  readonly rotationAccount: string;
  readonly onCheckIn: boolean;
  /** Rotate when the committed password is this old; undefined: no scheduled rotation. */
  readonly intervalMs: number | undefined;
  setPassword(rotationSecret: VaultSecret, newPassword: Buffer): Promise<SetOutcome>;
  verifyLogin(password: Buffer): Promise<LoginOutcome>;
}

export type RotationTrigger = 'check-in' | 'break-glass' | 'schedule' | 'manual';

export type RotationResult =
  | { readonly outcome: 'committed' }
  | {
      readonly outcome: 'failed';
      readonly code: string;
      readonly message: string;
      readonly state: 'kept-old' | 'unknown';
    }
  /** Another rotation of this account is under way (maybe in another process): nothing was done. */
  | { readonly outcome: 'busy'; readonly message: string };

export interface RotationDeps {
  readonly vault: Vault;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly log: Logger;
  readonly site: string;
  /** The rotation settings of an asset's account, or undefined when it is not rotatable. */
  readonly targetOf: (asset: string) => RotationTarget | undefined;
  /** The assets the schedule looks at. */
  readonly assets: () => readonly string[];
  /** How often the schedule checks for due rotations (default 1 minute). */
  readonly tickMs?: number;
  /** After a failed scheduled rotation, the next scheduled try waits this long (default 15 minutes). */
  readonly retryAfterFailureMs?: number;
}

export interface Rotation {
  /** The asset's rotatable account and how it is reached, or undefined. */
  targetOf(asset: string): RotationTarget | undefined;
  /** Rotates now (coalesced: a request during a rotation runs once more after it). */
  rotate(asset: string, trigger: RotationTrigger, actor?: string): Promise<RotationResult>;
  /** The vault's check-in listener: rotates on check-in targets, and after every break-glass session. */
  onCheckIn(n: CheckInNotice): void;
  /** Starts the schedule. */
  start(): void;
  /** Stops the schedule and waits for rotations under way. */
  stop(): Promise<void>;
  /** Resolves when no rotation is under way (tests). */
  idle(): Promise<void>;
}

const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const PASSWORD_LENGTH = 24;

/** 24 characters over a 64-symbol alphabet (144 bits), from the CSPRNG; no ':' or newline (chpasswd's separators). */
export function generatePassword(): Buffer {
  const raw = randomBytes(PASSWORD_LENGTH);
  const out = Buffer.alloc(PASSWORD_LENGTH);
  for (let i = 0; i < PASSWORD_LENGTH; i++)
    out[i] = PASSWORD_ALPHABET.charCodeAt((raw[i] ?? 0) & 63);
  wipe(raw);
  return out;
}

export function createRotation(deps: RotationDeps): Rotation {
  const { vault, audit, clock, site, log } = deps;
  const gateway = `system:ot:${site}`;
  const running = new Map<string, Promise<RotationResult>>();
  const queued = new Map<string, Promise<RotationResult>>();
  const lastFailure = new Map<string, number>();
  let timer: TimerHandle | undefined;

  const fail = (
    asset: string,
    account: string,
    trigger: RotationTrigger,
    actor: string,
    code: string,
    message: string,
    state: 'kept-old' | 'unknown',
  ): RotationResult => {
    lastFailure.set(asset, clock.now());
    log.warn('credential rotation failed', { asset, account, trigger, code, state });
    audit.append({
      action: 'vault.rotate',
      actor,
      site,
      target: asset,
      outcome: 'failure',
      details: {
        account,
        trigger,
        reason: code,
        message: message.slice(0, 300),
        state,
        alert: true,
      },
    });
    return { outcome: 'failed', code, message, state };
  };

  async function once(
    asset: string,
    trigger: RotationTrigger,
    actor: string,
  ): Promise<RotationResult> {
    const target = deps.targetOf(asset);
    if (target === undefined)
      return fail(
        asset,
        '-',
        trigger,
        actor,
        'vault.not_rotatable',
        `${asset} has no rotation settings in the local policy; its credential was not rotated`,
        'kept-old',
      );
    const { account } = target;
    for (const a of [account, target.rotationAccount]) {
      if (!vault.has(asset, a))
        return fail(
          asset,
          account,
          trigger,
          actor,
          'vault.no_secret',
          `the vault holds no credential for ${a} on ${asset}`,
          'kept-old',
        );
    }
    if (vault.list().find((e) => e.asset === asset && e.account === account)?.kind !== 'password') {
      return fail(
        asset,
        account,
        trigger,
        actor,
        'vault.not_password',
        `the credential of ${account} on ${asset} is not a password`,
        'kept-old',
      );
    }
    // 0. Settle an earlier rotation first: staging over an unconfirmed pending password could lose the one the target has.
    const view = vault.readForRotation(asset, account, 'rotation');
    try {
      const p = view.pending;
      if (p !== undefined) {
        if (p.state === 'rotating' && !p.stale)
          return {
            outcome: 'busy',
            message: `a rotation of ${account} on ${asset} is already under way`,
          };
        if ((await target.verifyLogin(view.committed.bytes)).result === 'accepted')
          vault.dropPending(asset, account);
        else if ((await target.verifyLogin(p.secret.bytes)).result === 'accepted')
          vault.commitPending(asset, account, gateway, { trigger, confirmedBy: 'rotation-check' });
        else
          return fail(
            asset,
            account,
            trigger,
            actor,
            'vault.rotate_unsettled',
            'an earlier rotation is unsettled and the target accepts neither the committed nor the pending password; both are kept',
            'unknown',
          );
      }
    } finally {
      wipe(view.committed.bytes);
      if (view.pending !== undefined) wipe(view.pending.secret.bytes);
    }
    // 1. Stage.
    const password = generatePassword();
    try {
      try {
        vault.stagePending(asset, account, password);
      } catch (e) {
        if (e instanceof AirlockError && e.code === 'vault.rotation_in_progress')
          return { outcome: 'busy', message: e.message };
        throw e;
      }
      // 2. Set on the target through the rotation account.
      const rotationSecret = vault.checkOutForRotation(asset, target.rotationAccount, 'rotation');
      let set: SetOutcome;
      try {
        set = await target.setPassword(rotationSecret, password);
      } catch (e) {
        set = {
          ok: false,
          changed: 'unknown',
          code: 'vault.rotate_error',
          message: describeError(e),
        };
      } finally {
        wipe(rotationSecret.bytes);
      }
      if (!set.ok) {
        if (set.changed === 'no') vault.dropPending(asset, account);
        else vault.markPendingUnknown(asset, account);
        return fail(
          asset,
          account,
          trigger,
          actor,
          set.code,
          set.message,
          set.changed === 'no' ? 'kept-old' : 'unknown',
        );
      }
      // 3. Verify with a fresh login, then commit.
      const login = await target.verifyLogin(password);
      if (login.result === 'accepted') {
        vault.commitPending(asset, account, actor, {
          trigger,
          rotationAccount: target.rotationAccount,
        });
        lastFailure.delete(asset);
        log.info('credential rotated', { asset, account, trigger });
        return { outcome: 'committed' };
      }
      if (login.result === 'refused') {
        const old = vault.checkOutForRotation(asset, account, 'rotation-check');
        try {
          if ((await target.verifyLogin(old.bytes)).result === 'accepted') {
            vault.dropPending(asset, account);
            return fail(
              asset,
              account,
              trigger,
              actor,
              'vault.rotate_verify_failed',
              'the target refused a login with the new password; it still accepts the old one, which is kept',
              'kept-old',
            );
          }
        } finally {
          wipe(old.bytes);
        }
      }
      vault.markPendingUnknown(asset, account);
      const why =
        login.result === 'error'
          ? `${login.code}: ${login.message}`
          : 'the target refused both the new and the old password';
      return fail(
        asset,
        account,
        trigger,
        actor,
        'vault.rotate_verify_failed',
        `the new password could not be verified (${why}); both are kept and the next login tries both`,
        'unknown',
      );
    } finally {
      wipe(password);
    }
  }

  const guarded = async (
    asset: string,
    trigger: RotationTrigger,
    actor: string,
  ): Promise<RotationResult> => {
    try {
      return await once(asset, trigger, actor);
    } catch (e) {
      // An unexpected error (the audit or the database): leave any staged password to be settled by the next login.
      const account = deps.targetOf(asset)?.account ?? '-';
      try {
        if (account !== '-') vault.markPendingUnknown(asset, account);
        return fail(
          asset,
          account,
          trigger,
          actor,
          'vault.rotate_error',
          describeError(e),
          'unknown',
        );
      } catch (again) {
        log.error('credential rotation failed and could not be audited', {
          asset,
          error: describeError(again),
        });
        return {
          outcome: 'failed',
          code: 'vault.rotate_error',
          message: describeError(e),
          state: 'unknown',
        };
      }
    }
  };

  const rotation: Rotation = {
    targetOf: (asset) => deps.targetOf(asset),
    rotate(asset, trigger, actor = gateway) {
      const current = running.get(asset);
      if (current !== undefined) {
        // One follow-up at most: a request during a rotation (a break-glass check-in) runs once more after it.
        const next =
          queued.get(asset) ??
          current.then(() => {
            queued.delete(asset);
            return rotation.rotate(asset, trigger, actor);
          });
        queued.set(asset, next);
        return next;
      }
      const p = guarded(asset, trigger, actor).finally(() => running.delete(asset));
      running.set(asset, p);
      return p;
    },
    onCheckIn(n) {
      const target = deps.targetOf(n.asset);
      const run = (trigger: RotationTrigger): void => {
        void rotation.rotate(n.asset, trigger).then((r) => {
          if (r.outcome === 'busy')
            log.info('rotation skipped: another one is under way', { asset: n.asset });
        });
      };
      if (n.breakGlass) {
        if (target !== undefined && target.account === n.account) run('break-glass');
        else
          fail(
            n.asset,
            n.account,
            'break-glass',
            gateway,
            'vault.not_rotatable',
            `a break-glass session used ${n.account} on ${n.asset}, which is not rotatable; change its password by hand`,
            'kept-old',
          );
      } else if (target?.onCheckIn === true && target.account === n.account) run('check-in');
    },
    start() {
      timer ??= clock.setInterval(() => {
        const now = clock.now();
        const entries = vault.list();
        for (const asset of deps.assets()) {
          const target = deps.targetOf(asset);
          if (target?.intervalMs === undefined || running.has(asset)) continue;
          const entry = entries.find((e) => e.asset === asset && e.account === target.account);
          if (entry === undefined) continue;
          const failedAt = lastFailure.get(asset);
          if (failedAt !== undefined && now - failedAt < (deps.retryAfterFailureMs ?? 15 * 60_000))
            continue;
          if (now - (entry.rotatedAt ?? entry.updatedAt) >= target.intervalMs)
            void rotation.rotate(asset, 'schedule');
        }
      }, deps.tickMs ?? 60_000);
    },
    async stop() {
      timer?.cancel();
      timer = undefined;
      await rotation.idle();
    },
    async idle() {
      while (running.size > 0 || queued.size > 0)
        await Promise.allSettled([...running.values(), ...queued.values()]);
    },
  };
  return rotation;
}
