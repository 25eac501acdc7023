/**
 * The policy in force in a running OT gateway, and its reload without a restart (docs/policy.md,
 * "Reloading the running gateway"). `current()` is the one policy object a check uses: a consumer
 * reads it once per check (a ticket verification, a Modbus request), so a reload between two
 * checks changes the second one and never half of one.
 *
 * Guarantees: a file is taken only whole, parsed by the same loader the gateway starts with and
 * passed by every `check` (the host firewall's); `policy.reload` is audited (old and new SHA-256)
 * before the new policy is swapped in (no audit, no change); a file that fails is refused, audited
 * as denied with the problems and flagged as an alert, and the running policy stays; the same
 * refused file is audited once, not at every event the watch sees. Reloads run one at a time, and a
 * request that arrives while one runs is carried out after it (nothing is lost, nothing overlaps).
 * Not here: what the consumers do with a new policy (each listener's business), and the signal
 * (main.ts turns SIGHUP into `reload`).
 */
import { readFileSync, watch as watchDir, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { describeError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import { formatProblems, type Problem, type Result } from '../../../shared/src/result.js';
import type { LocalPolicy } from './local-policy.js';

/** What asked for a reload: the signal (systemd's `reload`), the file watch, or a direct call. */
export type ReloadTrigger = 'signal' | 'watch' | 'call';

export type ReloadOutcome =
  | { readonly status: 'unchanged'; readonly policySha256: string }
  | {
      readonly status: 'reloaded';
      readonly previousPolicySha256: string;
      readonly policySha256: string;
    }
  | { readonly status: 'refused'; readonly policySha256: string; readonly reason: string };

/** Told after a new policy is in force (the previous one is gone for every new check). */
export type PolicyListener = (next: LocalPolicy, previous: LocalPolicy) => void | Promise<void>;

export interface LivePolicyDeps {
  readonly initial: LocalPolicy;
  readonly policyFile: string;
  /** The gateway's own loader (policies.load). */
  readonly load: (path: string) => Result<LocalPolicy, Problem[]>;
  /** A check a new policy must pass (the host firewall renders its ruleset); a rejection refuses it. */
  readonly check?: (next: LocalPolicy) => Promise<unknown> | undefined;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly log: Logger;
  readonly site: string;
  /** How long the watch waits for a burst of file events to settle (default 200 ms). */
  readonly settleMs?: number;
}

export interface LivePolicy {
  current(): LocalPolicy;
  /** Reads the file again; a file with the hash in force changes nothing and audits nothing. */
  reload(trigger: ReloadTrigger): Promise<ReloadOutcome>;
  /** Listeners run in registration order after each swap; a throwing listener is logged. */
  onChange(listener: PolicyListener): void;
  /**
   * Watches the file's folder (an atomic replace is a rename onto the name, so the file itself
   * cannot be watched) and reloads when the name changes. Returns the watch to close.
   */
  watch(): { close(): void };
}

function refusedHash(path: string): string {
  try {
    return sha256Hex(readFileSync(path, 'utf8'));
  } catch {
    return '';
  }
}

export function createLivePolicy(deps: LivePolicyDeps): LivePolicy {
  const { audit, log, site } = deps;
  const actor = `system:ot:${site}`;
  let policy = deps.initial;
  let lastRefused = '';
  const listeners: PolicyListener[] = [];
  let running: Promise<ReloadOutcome> = Promise.resolve({
    status: 'unchanged',
    policySha256: policy.hash,
  });

  const refuse = (trigger: ReloadTrigger, hash: string, reason: string): ReloadOutcome => {
    log.error('the policy file was refused; the running policy stays', { reason, trigger });
    if (hash !== lastRefused || hash === '') {
      lastRefused = hash;
      audit.append({
        action: 'policy.reload',
        actor,
        site,
        target: deps.policyFile,
        outcome: 'denied',
        details: {
          trigger,
          policyFile: deps.policyFile,
          policySha256: policy.hash,
          refusedPolicySha256: hash,
          reason: reason.slice(0, 2000),
          message: 'the changed OT policy file was refused; the running policy stays in force',
          alert: true,
        },
      });
    }
    return { status: 'refused', policySha256: policy.hash, reason };
  };

  const reloadOnce = async (trigger: ReloadTrigger): Promise<ReloadOutcome> => {
    const loaded = deps.load(deps.policyFile);
    if (!loaded.ok)
      return refuse(trigger, refusedHash(deps.policyFile), formatProblems(loaded.error));
    const next = loaded.value;
    if (next.hash === policy.hash) return { status: 'unchanged', policySha256: policy.hash };
    try {
      await deps.check?.(next);
    } catch (e) {
      return refuse(trigger, next.hash, describeError(e));
    }
    const previous = policy;
    // No audit, no change: the event is in the chain before any check uses the new policy.
    audit.append({
      action: 'policy.reload',
      actor,
      site,
      target: deps.policyFile,
      outcome: 'success',
      details: {
        trigger,
        policyFile: deps.policyFile,
        previousPolicySha256: previous.hash,
        policySha256: next.hash,
        assets: Object.keys(next.assets).sort(),
      },
    });
    policy = next;
    lastRefused = '';
    log.info('policy reloaded', { previous: previous.hash, policySha256: next.hash, trigger });
    for (const l of listeners) {
      try {
        await l(next, previous);
      } catch (e) {
        log.error('a policy listener failed', { err: describeError(e) });
      }
    }
    return { status: 'reloaded', previousPolicySha256: previous.hash, policySha256: next.hash };
  };

  const reload = (trigger: ReloadTrigger): Promise<ReloadOutcome> => {
    const next = running.then(
      () => reloadOnce(trigger),
      () => reloadOnce(trigger),
    );
    running = next.catch((e: unknown) => {
      // The audit could not be written: nothing changed.
      log.error('policy reload failed; the running policy stays', { err: describeError(e) });
      return { status: 'unchanged' as const, policySha256: policy.hash };
    });
    return running;
  };

  return {
    current: () => policy,
    reload,
    onChange: (l) => void listeners.push(l),
    watch() {
      const name = basename(deps.policyFile);
      let settle: TimerHandle | undefined;
      let watcher: FSWatcher | undefined;
      try {
        watcher = watchDir(dirname(deps.policyFile), (_event, file) => {
          if (file !== null && file !== name) return;
          settle?.cancel();
          settle = deps.clock.setTimeout(() => void reload('watch'), deps.settleMs ?? 200);
        });
        watcher.on('error', (e) =>
          log.error('policy file watch failed', { err: describeError(e) }),
        );
      } catch (e) {
        log.warn('the policy file cannot be watched; reload with SIGHUP', {
          err: describeError(e),
        });
      }
      return {
        close() {
          settle?.cancel();
          watcher?.close();
        },
      };
    },
  };
}
