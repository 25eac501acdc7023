/**
 * Limits on SSH connections that have not authenticated yet, taken at TCP accept (before ssh2 sees
 * a byte), after OpenSSH's LoginGraceTime and MaxStartups:
 * - a deadline: a connection that has not finished logging in (identification string, key
 *   exchange, both factors) `loginTimeoutMs` after it was accepted is closed;
 * - caps: at most `maxPerSource` unauthenticated connections from one address and `maxTotal` in
 *   all; a connection over a cap is closed at once.
 * A cap that refuses connections is audited once per episode (`ssh.preauth_limit`): the episode
 * starts with the first refusal and ends when the number of unauthenticated connections is below
 * the cap again (at the latest when the oldest one reaches its deadline) or the endpoint closes;
 * its one event carries how many were refused, so a flood writes one row, not one per connection.
 * Deadline closes are logged, not audited (each is one connection the caps already bound).
 */
import type { Socket } from 'node:net';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';

export interface PreauthLimits {
  readonly loginTimeoutMs: number;
  readonly maxPerSource: number;
  readonly maxTotal: number;
}

export interface PreauthDeps {
  readonly limits: PreauthLimits;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly log: Logger;
}

/** One admitted connection until it authenticates or closes. */
export interface PreauthSlot {
  /** Logged in: the deadline is off and the connection no longer counts against the caps. */
  authenticated(): void;
}

type Limit = 'per_source' | 'total';

interface Episode {
  readonly limit: Limit;
  readonly source: string | null;
  readonly cap: number;
  readonly since: number;
  refused: number;
}

export class PreauthGate {
  private total = 0;
  private readonly perSource = new Map<string, number>();
  private readonly episodes = new Map<string, Episode>();

  constructor(private readonly deps: PreauthDeps) {}

  /** Admits the socket (returns its slot) or closes it at once (returns undefined). */
  admit(socket: Socket): PreauthSlot | undefined {
    const { limits, clock, log } = this.deps;
    const ip = socket.remoteAddress ?? 'unknown';
    const fromSource = this.perSource.get(ip) ?? 0;
    const over: [Limit, number] | undefined =
      fromSource >= limits.maxPerSource
        ? ['per_source', limits.maxPerSource]
        : this.total >= limits.maxTotal
          ? ['total', limits.maxTotal]
          : undefined;
    if (over !== undefined) {
      this.refused(over[0], ip, over[1]);
      socket.destroy();
      return undefined;
    }
    this.total++;
    this.perSource.set(ip, fromSource + 1);
    let counted = true;
    const release = (): void => {
      if (!counted) return;
      counted = false;
      timer.cancel();
      this.total--;
      const left = (this.perSource.get(ip) ?? 1) - 1;
      if (left === 0) this.perSource.delete(ip);
      else this.perSource.set(ip, left);
      this.settle(ip);
    };
    const timer: TimerHandle = clock.setTimeout(() => {
      log.info('SSH connection closed: not logged in before the deadline', {
        source: `${ip}:${socket.remotePort ?? 0}`,
        loginTimeoutMs: limits.loginTimeoutMs,
      });
      release();
      socket.destroy();
    }, limits.loginTimeoutMs);
    socket.once('close', release);
    return { authenticated: release };
  }

  /** Unauthenticated connections open now (all sources). */
  get pending(): number {
    return this.total;
  }

  /** Ends every open episode (the endpoint is closing). */
  close(): void {
    for (const key of [...this.episodes.keys()]) this.end(key);
  }

  private refused(limit: Limit, ip: string, cap: number): void {
    const key = limit === 'total' ? 'total' : `source:${ip}`;
    let e = this.episodes.get(key);
    if (e === undefined) {
      e = {
        limit,
        source: limit === 'total' ? null : ip,
        cap,
        since: this.deps.clock.now(),
        refused: 0,
      };
      this.episodes.set(key, e);
      this.deps.log.warn('SSH pre-authentication cap reached: refusing connections', {
        limit,
        source: ip,
        cap,
      });
    }
    e.refused++;
  }

  /** Ends the episodes whose cap has room again. */
  private settle(ip: string): void {
    const { limits } = this.deps;
    if ((this.perSource.get(ip) ?? 0) < limits.maxPerSource) this.end(`source:${ip}`);
    if (this.total < limits.maxTotal) this.end('total');
  }

  private end(key: string): void {
    const e = this.episodes.get(key);
    if (e === undefined) return;
    this.episodes.delete(key);
    try {
      this.deps.audit.append({
        action: 'ssh.preauth_limit',
        actor: 'system:it',
        target: e.source,
        outcome: 'denied',
        details: {
          limit: e.limit,
          cap: e.cap,
          refused: e.refused,
          since: e.since,
          until: this.deps.clock.now(),
          ...(e.source === null ? {} : { source: e.source }),
        },
      });
    } catch (err) {
      this.deps.log.error('could not audit an SSH pre-authentication limit', { err });
    }
  }
}
