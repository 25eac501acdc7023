/**
 * Ends live sessions once the site is locked down, whoever locked it: the IT side's lockdown ends
 * them at once (it-commands.ts), but the local one is set by the CLI in another process, so the
 * running gateway re-reads the switches every LOCKDOWN_POLL_MS of its clock.
 */
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import { describeLockdown, type Lockdown } from '../grants/grants.js';
import type { SessionManager } from './session-manager.js';

/** How often the running gateway re-reads the lockdown switches (the CLI may change them). */
export const LOCKDOWN_POLL_MS = 1_000;

export function watchLockdown(deps: {
  readonly clock: Clock;
  readonly lockdown: Lockdown;
  readonly sessions: SessionManager;
}): TimerHandle {
  const { lockdown, sessions } = deps;
  return deps.clock.setInterval(() => {
    const status = lockdown.status();
    if (status.locked && sessions.liveCount > 0) sessions.endAll(describeLockdown(status));
  }, LOCKDOWN_POLL_MS);
}
