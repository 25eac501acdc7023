/**
 * Shared by the latency benchmarks (test/bench/*-latency.bench.ts): a stand-in for the test
 * context's `after` outside node:test, sequential round trips on several paths interleaved so that
 * load drift on the shared machine hits every path alike, and the rows they print (median, p99, and
 * what a path adds to the direct baseline of the same run, in milliseconds and as a ratio).
 *
 * Not guaranteed: the paths are measured one request at a time and never concurrently; quantiles
 * are nearest-rank on the samples, without interpolation.
 */
import type { TestContext } from 'node:test';

export interface BenchContext {
  /** What the fixtures register their cleanup with, as they would with a test's context. */
  readonly t: Pick<TestContext, 'after'>;
  /** Runs every registered cleanup, last registered first. */
  cleanup(): Promise<void>;
}

export function benchContext(): BenchContext {
  const cleanups: (() => unknown)[] = [];
  return {
    t: { after: (fn: () => unknown) => void cleanups.push(fn) },
    async cleanup() {
      for (const c of cleanups.reverse()) await c();
    },
  };
}

/** Nearest-rank quantile, `q` in [0, 1]. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

/** One round trip on one path, in milliseconds; `i` numbers the request (e.g. a transaction id). */
export type Sampler = (i: number) => Promise<number>;

/**
 * `warmup` round trips on each path (not kept), then `count` on each, taken `block` at a time on
 * one path before moving to the next (`block: 1` is strictly one for one). Returns one sample
 * array per path, in the order given.
 */
export async function interleave(
  paths: readonly Sampler[],
  o: { readonly warmup: number; readonly count: number; readonly block: number },
): Promise<number[][]> {
  for (let i = 0; i < o.warmup; i++) for (const p of paths) await p(i);
  const out = paths.map(() => [] as number[]);
  for (let done = 0; done < o.count; done += o.block) {
    const n = Math.min(o.block, o.count - done);
    for (const [k, p] of paths.entries())
      for (let i = 0; i < n; i++) out[k]?.push(await p(done + i));
  }
  return out;
}

const ms = (x: number): string => `${x.toFixed(3)} ms`;

/** `label  median …  p99 …`, and with a baseline what this path adds to it (ms and ratio). */
export function latencyRow(
  label: string,
  xs: readonly number[],
  baseline?: readonly number[],
): string {
  const med = quantile(xs, 0.5);
  const p99 = quantile(xs, 0.99);
  const head = `  ${label.padEnd(24)} median ${ms(med)}  p99 ${ms(p99)}`;
  if (baseline === undefined) return head;
  const bMed = quantile(baseline, 0.5);
  const bP99 = quantile(baseline, 0.99);
  return `${head}   added median ${ms(med - bMed)} (${(med / bMed).toFixed(2)}x)  added p99 ${ms(p99 - bP99)} (${(p99 / bP99).toFixed(2)}x)`;
}
