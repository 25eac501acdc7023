/**
 * CPU used by processes, for benchmarks that report work per operation beside latency (a shared
 * machine's load disturbs CPU counts far less than wall-clock figures): another process's from
 * /proc (10 ms ticks: count enough operations), this process's from `process.cpuUsage`.
 */
import { readFileSync } from 'node:fs';

/** [user, system] CPU milliseconds. */
export type CpuMs = [number, number];

/** CPU milliseconds another process has used, from /proc/<pid>/stat; NaN when there is no pid. */
export function cpuMsOf(pid: number | undefined): CpuMs {
  if (pid === undefined) return [Number.NaN, Number.NaN];
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]) * 10, Number(f[12]) * 10];
}

/** CPU milliseconds this process has used. */
export function ownCpuMs(): CpuMs {
  const u = process.cpuUsage();
  return [u.user / 1000, u.system / 1000];
}

/** `total us (user + system)` per operation between two readings, over `n` operations. */
export function cpuPerOperation(a: CpuMs, b: CpuMs, n: number): string {
  const us = (i: 0 | 1): number => ((b[i] - a[i]) / n) * 1000;
  return `${(us(0) + us(1)).toFixed(1)} us (${us(0).toFixed(1)} user + ${us(1).toFixed(1)} sys)`;
}
