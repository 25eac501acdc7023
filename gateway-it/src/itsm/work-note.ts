/**
 * Closing the loop: when a grant ends, a work note on its ticket says who connected to what, when,
 * how many sessions, commands, writes and refusals the site recorded (counted from the OT audit
 * events ingested so far: a site that has not shipped them yet shows fewer), and links the
 * portal's record. Counts and names only: never a command's text, a secret or a recording. Written
 * once per grant (claimed in the store), its outcome audited as `itsm.work_note`; a failure is
 * logged and audited, never retried in a loop.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import type {
  AccessRequestStore,
  GrantActivity,
  GrantStore,
  ItsmStore,
  OtAuditStore,
  UserStore,
} from '../store/store.js';
import type { ItsmConnector } from './connector.js';

export interface WorkNoteFacts {
  readonly ticket: string;
  readonly site: string;
  readonly grantId: string;
  readonly user: string;
  readonly assets: readonly {
    readonly asset: string;
    readonly protocol: string;
    readonly profile: string;
  }[];
  readonly notBefore: number;
  readonly notAfter: number;
  readonly endedAt: number;
  readonly ending: string;
  readonly activity: readonly GrantActivity[];
  readonly link: string;
}

const iso = (t: number): string => new Date(t).toISOString();
const COMMANDS = new Set(['ssh.command']);
const WRITES = new Set(['modbus.write', 'opcua.write', 'opcua.call']);

/** The note's text (plain, one fact a line). */
export function composeWorkNote(f: WorkNoteFacts): string {
  const count = (pick: (a: GrantActivity) => boolean): number =>
    f.activity.filter(pick).reduce((n, a) => n + a.n, 0);
  const sessions = f.activity.filter(
    (a) => a.action === 'session.start' && a.outcome === 'success',
  );
  const first = Math.min(...sessions.map((a) => a.first));
  const last = Math.max(...f.activity.map((a) => a.last));
  const lines = [
    `Airlock: access under ${f.ticket} has ended (grant ${f.grantId}, site ${f.site}).`,
    `Who: ${f.user}`,
    `What: ${f.assets.map((a) => `${a.asset} (${a.protocol}, profile ${a.profile})`).join(', ')}`,
    `Granted: ${iso(f.notBefore)} to ${iso(f.notAfter)}; ended ${iso(f.endedAt)} (${f.ending})`,
    sessions.length === 0
      ? 'Sessions: none recorded by the site'
      : `Sessions: ${count((a) => a.action === 'session.start' && a.outcome === 'success')}, from ${iso(first)} to ${iso(last)}`,
    `Commands: ${count((a) => COMMANDS.has(a.action))}; writes: ${count((a) => WRITES.has(a.action) && a.outcome === 'success')}; refusals: ${count((a) => a.outcome === 'denied')}`,
    `Record: ${f.link}`,
  ];
  return lines.join('\n');
}

export interface WorkNoteDeps {
  readonly store: ItsmStore;
  readonly grants: Pick<GrantStore, 'get'>;
  readonly requests: Pick<AccessRequestStore, 'get' | 'assets'>;
  readonly users: Pick<UserStore, 'getById'>;
  readonly otAudit: Pick<OtAuditStore, 'grantActivity'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly log: Logger;
  readonly connector: (name: string) => ItsmConnector | undefined;
  /** The portal's base URL (links in notes). */
  readonly portalUrl: string;
}

export class WorkNotes {
  constructor(private readonly deps: WorkNoteDeps) {}

  /** Writes the grant's work note if its site wants them and its request names a ticket. */
  async grantEnded(grantId: string): Promise<'sent' | 'failed' | 'skipped'> {
    const { deps } = this;
    const g = deps.grants.get(grantId);
    if (g === undefined || g.status === 'active') return 'skipped';
    const r = deps.requests.get(g.requestId);
    const settings = deps.store.settings(g.site);
    if (r === undefined || r.ticketRef === null || settings === undefined || !settings.workNotes)
      return 'skipped';
    let connector: ItsmConnector | undefined;
    try {
      connector = deps.connector(settings.connector);
    } catch (e) {
      deps.log.warn('ITSM connector unusable for a work note', { grantId, err: e });
      return 'skipped';
    }
    const now = deps.clock.now();
    if (connector === undefined || !deps.store.claimWorkNote(grantId, r.ticketRef, now))
      return 'skipped';
    const note = composeWorkNote({
      ticket: r.ticketRef,
      site: g.site,
      grantId,
      user: deps.users.getById(g.userId)?.name ?? g.userId,
      assets: deps.requests.assets(r.id),
      notBefore: g.notBefore,
      notAfter: g.notAfter,
      endedAt: g.endedAt ?? now,
      ending: g.status === 'revoked' ? `revoked by ${g.endedBy ?? 'unknown'}` : 'expired',
      activity: deps.otAudit.grantActivity(g.site, grantId),
      link: `${deps.portalUrl.replace(/\/+$/, '')}/requests/${encodeURIComponent(r.id)}`,
    });
    let error: string | null = null;
    try {
      await connector.addWorkNote(r.ticketRef, note);
    } catch (e) {
      error = e instanceof Error ? e.message : 'unknown failure';
      deps.log.warn('ITSM work note failed', {
        grantId,
        connector: connector.name,
        message: error,
      });
    }
    const at = deps.clock.now();
    deps.store.finishWorkNote(grantId, error === null, error, at);
    deps.audit.append({
      action: 'itsm.work_note',
      actor: 'system:itsm',
      site: g.site,
      target: grantId,
      outcome: error === null ? 'success' : 'failure',
      details: {
        connector: connector.name,
        ticket: r.ticketRef,
        ...(error === null ? {} : { error }),
      },
    });
    return error === null ? 'sent' : 'failed';
  }
}
