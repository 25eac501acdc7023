/**
 * A session's end by the OT gateway's own clock: warnings a few minutes before the grant ends, then
 * the end itself. Works with the link up or down, since only the injected Clock is consulted.
 * Warnings already in the past when the session starts are skipped (a session that starts with 3
 * minutes left gets only the 1-minute warning); a deadline already passed ends the session at once.
 */
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';

export const DEFAULT_WARNING_MINUTES: readonly number[] = [5, 1];

export interface DeadlineHandlers {
  warn(minutesLeft: number): void;
  end(): void;
}

export function scheduleDeadline(
  clock: Clock,
  notAfter: number,
  handlers: DeadlineHandlers,
  warningMinutes: readonly number[] = DEFAULT_WARNING_MINUTES,
): TimerHandle {
  const timers: TimerHandle[] = [];
  const now = clock.now();
  for (const m of warningMinutes) {
    const at = notAfter - m * 60_000;
    if (at > now) timers.push(clock.setTimeout(() => handlers.warn(m), at - now));
  }
  timers.push(clock.setTimeout(() => handlers.end(), Math.max(0, notAfter - now)));
  return { cancel: () => timers.forEach((t) => t.cancel()) };
}
