/**
 * Runs probes at a bounded rate: at most `concurrency` in flight, and starts spaced at least
 * 1/`perSecond` apart by the injected clock (a token bucket of size one: no burst), so a plant
 * network never sees more than the owner allowed, whatever the answers' timing. Each start is
 * stamped with the clock's time, which tests read instead of timing the run.
 */
import type { Clock } from '../../../shared/src/clock.js';

export interface RateBound {
  readonly perSecond: number;
  readonly concurrency: number;
}

export async function runBounded<T, R>(
  items: readonly T[],
  bound: RateBound,
  clock: Clock,
  fn: (item: T, startedAt: number) => Promise<R>,
): Promise<R[]> {
  const spacing = 1000 / bound.perSecond;
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let nextStartAt = -Infinity;
  const slot = async (): Promise<number> => {
    const now = clock.now();
    const at = Math.max(now, nextStartAt);
    nextStartAt = at + spacing;
    if (at > now) await new Promise<void>((resolve) => clock.setTimeout(resolve, at - now));
    return at;
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      const startedAt = await slot();
      results[i] = await fn(items[i] as T, startedAt);
    }
  };
  await Promise.all(Array.from({ length: Math.min(bound.concurrency, items.length) }, worker));
  return results;
}
