/**
 * What live sessions do when the link to the IT gateway is lost, by the site's rule in its local
 * policy (`limits.sessionsWithoutLink`, `limits.linkLossGraceSeconds`):
 *  - `end` (default): once the link has been down for the grace, every live session ends, with
 *    the reason in its `session.end`; a link back within the grace keeps them;
 *  - `keep`: sessions go on until their own end (grant end or the local session limit, by this
 *    gateway's clock), whatever the link does.
 * "Down" starts when the link client declares it: the connection closed or reset, or nothing was
 * heard from the IT side for its offlineAfterMs (a frozen IT gateway or a blackholing firewall
 * closes nothing). Why `end` is the default: docs/link.md, "Sessions without the link".
 */
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import type { LocalPolicy } from '../policy/policy.js';
import type { SessionManager } from './session-manager.js';

/** The link tells the sessions when it is up and when it is gone. */
export interface LinkState {
  connected(): void;
  disconnected(reason: string): void;
}

export function createLinkLossRule(deps: {
  readonly clock: Clock;
  readonly log: Logger;
  /** The limits of the policy in force (read at each loss: a reload applies to the next one). */
  readonly limits: () => LocalPolicy['limits'];
  readonly sessions: SessionManager;
}): LinkState & { stop(): void } {
  const { clock, sessions, log } = deps;
  let timer: TimerHandle | undefined;
  return {
    connected() {
      timer?.cancel();
      timer = undefined;
    },
    disconnected(reason) {
      const limits = deps.limits();
      if (limits.sessionsWithoutLink === 'keep') {
        if (sessions.liveCount > 0)
          log.warn('link lost; live sessions are kept until their end (sessionsWithoutLink keep)', {
            reason,
            sessions: sessions.liveCount,
          });
        return;
      }
      if (timer !== undefined) return;
      const graceSeconds = limits.linkLossGraceSeconds;
      timer = clock.setTimeout(() => {
        timer = undefined;
        const n = sessions.endAll(
          `the link to the IT gateway has been down for ${graceSeconds} s (${reason}); this site ends sessions without the link`,
        );
        if (n > 0) log.warn('link lost; live sessions ended', { sessions: n, reason });
      }, graceSeconds * 1000);
    },
    stop() {
      timer?.cancel();
      timer = undefined;
    },
  };
}
