/**
 * Site lockdown as the OT gateway enforces it. Two independent switches, both persisted in the
 * gateway's database: the IT-side lockdown (set and lifted by the IT gateway over the link) and the
 * local lockdown (set and lifted only with `airlock-ot lockdown` on the OT side; nothing from the
 * IT side can lift it). The site is locked down while either is on: no session is accepted and
 * live sessions are ended. Every change commits with its audit event (`site.lockdown`,
 * `site.lockdown_lift`). State is read from the database each time, so a change made by the CLI in
 * another process is seen by the running gateway (which also polls it to end live sessions).
 */
import { z } from 'zod';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { GatewayStateStore } from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export type LockdownSource = 'local' | 'it';

const entrySchema = z.strictObject({ reason: z.string(), since: z.number().int(), by: z.string() });
export type LockdownEntry = z.output<typeof entrySchema>;

export interface LockdownStatus {
  readonly locked: boolean;
  readonly local: LockdownEntry | null;
  readonly it: LockdownEntry | null;
}

const keyOf = (source: LockdownSource): string => `lockdown.${source}`;

export function describeLockdown(s: LockdownStatus): string {
  const parts: string[] = [];
  if (s.local !== null) parts.push(`locally by ${s.local.by}: ${s.local.reason}`);
  if (s.it !== null) parts.push(`from the IT gateway: ${s.it.reason}`);
  return parts.length === 0 ? 'not locked down' : `site is locked down ${parts.join('; ')}`;
}

export class Lockdown {
  constructor(
    private readonly deps: {
      db: Db;
      state: GatewayStateStore;
      audit: AuditLog;
      clock: Clock;
      site: string;
    },
  ) {}

  status(): LockdownStatus {
    const local = this.deps.state.get(keyOf('local'), entrySchema) ?? null;
    const it = this.deps.state.get(keyOf('it'), entrySchema) ?? null;
    return { locked: local !== null || it !== null, local, it };
  }

  /**
   * Turns one switch on or off; returns whether it changed. Turning on a switch that is on keeps
   * the first reason; turning off one that is off changes nothing. Neither is audited as a change.
   */
  set(source: LockdownSource, on: boolean, reason: string, actor: string): boolean {
    const { deps } = this;
    const key = keyOf(source);
    return writeTransaction(deps.db, () => {
      const current = deps.state.get(key, entrySchema);
      if ((current !== undefined) === on) return false;
      const now = deps.clock.now();
      if (on) deps.state.put(key, { reason, since: now, by: actor }, now);
      else deps.state.remove(key);
      deps.audit.append({
        action: on ? 'site.lockdown' : 'site.lockdown_lift',
        actor,
        site: deps.site,
        target: deps.site,
        outcome: 'success',
        details: {
          source,
          reason,
          ...(current === undefined
            ? {}
            : { lockedSince: current.since, lockedBy: current.by, lockedReason: current.reason }),
        },
      });
      return true;
    })();
  }
}
