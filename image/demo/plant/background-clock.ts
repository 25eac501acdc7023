/**
 * The clock simulators use unless a test injects a FakeClock: real time, but its timers are
 * unref()'d, so a forgotten simulator never keeps a process alive. Simulators still cancel their
 * timers on close; this is the safety net, not the plan.
 */
import type { Clock } from '../../../shared/src/clock.js';

export const backgroundClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    t.unref();
    return { cancel: () => clearInterval(t) };
  },
};
