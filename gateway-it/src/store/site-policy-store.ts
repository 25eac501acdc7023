/** Per-site access policy (approvals needed, ticket pattern) and the IT-side lockdown state. */
import type { Db } from '../../../shared/src/store/open-database.js';

export interface SitePolicy {
  readonly site: string;
  readonly requiredApprovals: number;
  /** A regular expression a ticket reference must match in full, or null for "no ticket needed". */
  readonly ticketPattern: string | null;
  /**
   * How long a key made fresh by an SSH key + code login may open sessions at this site without
   * a new code, in minutes (0: a code for every connection); null: the gateway's period. It can
   * only shorten that period (docs/ssh.md).
   */
  readonly sshFreshMinutes: number | null;
  readonly updatedAt: number | null;
}

export interface SiteLockdown {
  readonly site: string;
  readonly locked: boolean;
  readonly reason: string;
  readonly changedBy: string;
  readonly changedAt: number;
}

export const DEFAULT_REQUIRED_APPROVALS = 1;

export class SitePolicyStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      getPolicy: db.prepare<
        [string],
        {
          required_approvals: number;
          ticket_pattern: string | null;
          ssh_fresh_minutes: number | null;
          updated_at: number;
        }
      >(
        'SELECT required_approvals, ticket_pattern, ssh_fresh_minutes, updated_at FROM site_policies WHERE site = ?',
      ),
      putPolicy: db.prepare(
        `INSERT INTO site_policies (site, required_approvals, ticket_pattern, ssh_fresh_minutes, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (site) DO UPDATE SET required_approvals = excluded.required_approvals, ticket_pattern = excluded.ticket_pattern, ssh_fresh_minutes = excluded.ssh_fresh_minutes, updated_at = excluded.updated_at`,
      ),
      getLockdown: db.prepare<
        [string],
        { locked: number; reason: string; changed_by: string; changed_at: number }
      >('SELECT locked, reason, changed_by, changed_at FROM site_lockdowns WHERE site = ?'),
      putLockdown: db.prepare(
        `INSERT INTO site_lockdowns (site, locked, reason, changed_by, changed_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (site) DO UPDATE SET locked = excluded.locked, reason = excluded.reason, changed_by = excluded.changed_by, changed_at = excluded.changed_at`,
      ),
    };
  }

  policy(site: string): SitePolicy {
    const r = this.stmts.getPolicy.get(site);
    return r === undefined
      ? {
          site,
          requiredApprovals: DEFAULT_REQUIRED_APPROVALS,
          ticketPattern: null,
          sshFreshMinutes: null,
          updatedAt: null,
        }
      : {
          site,
          requiredApprovals: r.required_approvals,
          ticketPattern: r.ticket_pattern,
          sshFreshMinutes: r.ssh_fresh_minutes,
          updatedAt: r.updated_at,
        };
  }

  putPolicy(p: SitePolicy & { readonly updatedAt: number }): void {
    this.stmts.putPolicy.run(
      p.site,
      p.requiredApprovals,
      p.ticketPattern,
      p.sshFreshMinutes,
      p.updatedAt,
    );
  }

  lockdown(site: string): SiteLockdown | undefined {
    const r = this.stmts.getLockdown.get(site);
    return r === undefined
      ? undefined
      : {
          site,
          locked: r.locked === 1,
          reason: r.reason,
          changedBy: r.changed_by,
          changedAt: r.changed_at,
        };
  }

  putLockdown(l: SiteLockdown): void {
    this.stmts.putLockdown.run(l.site, l.locked ? 1 : 0, l.reason, l.changedBy, l.changedAt);
  }
}
