/**
 * Refused SSH requests of one channel (env, agent, X11, subsystems) or of one connection (remote
 * and streamlocal forwarding), counted and aggregated so that a client cannot turn requests into
 * audit rows and terminal lines one for one: each `flush` writes at most one `ssh.request_deny`
 * event (the first request's type, how many were refused since the last flush, and the first few
 * with their details), and the operator is told about the first few only, then how many more.
 * Every request is still refused; only what is written about them is bounded.
 */
import { auditRequestDeny, type SshConnectionContext } from './ssh-context.js';

/** Refused requests described one by one, in the event and to the operator. */
export const REFUSALS_DESCRIBED = 5;

export class RequestRefusals {
  private count = 0;
  private readonly samples: Record<string, unknown>[] = [];
  private readonly whys: string[] = [];
  private told = 0;
  private totalTold = 0;

  constructor(private readonly ctx: () => SshConnectionContext | undefined) {}

  /** Records one refused request (already rejected to the client). `why` is for the operator. */
  refuse(request: string, why?: string, details: Record<string, unknown> = {}): void {
    this.count++;
    if (this.samples.length < REFUSALS_DESCRIBED) this.samples.push({ request, ...details });
    if (why !== undefined) {
      this.totalTold++;
      if (this.whys.length < REFUSALS_DESCRIBED) this.whys.push(why);
    }
  }

  /** Lines for the operator not yet given out: the first few reasons, then how many more. */
  takeNotices(): string[] {
    const lines = this.whys.slice(this.told);
    this.told = this.whys.length;
    const more = this.totalTold - this.whys.length;
    if (more > 0 && lines.length > 0)
      lines.push(`${more} more request${more === 1 ? ' was' : 's were'} refused`);
    return lines;
  }

  /** Writes one event for what was refused since the last flush (nothing if nothing was). */
  flush(): void {
    const ctx = this.ctx();
    if (this.count === 0 || ctx === undefined) return;
    const first = this.samples[0];
    auditRequestDeny(ctx, String(first?.['request'] ?? 'unknown'), {
      ...(this.count === 1 ? first : {}),
      count: this.count,
      ...(this.count > 1 ? { requests: [...this.samples] } : {}),
    });
    this.count = 0;
    this.samples.length = 0;
  }
}
