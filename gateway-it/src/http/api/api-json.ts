/** JSON shapes of the API's answers: the services' views with times as ISO 8601 strings. */
import type {
  AccessAllow,
  SiteSummary,
  GrantView,
  RequestView,
  MaintenanceWindow,
  VendorSchedule,
  WindowRule,
} from '../../access/access.js';
import type { User } from '../../store/store.js';
import { omitUndefined, ifDefined } from '../../../../shared/src/omit-undefined.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const isoNN = (ms: number): string => new Date(ms).toISOString();

export const ruleJson = (r: WindowRule): unknown =>
  r.kind === 'once' ? { kind: 'once', start: isoNN(r.start), end: isoNN(r.end) } : r;

export function requestJson(r: RequestView): unknown {
  return {
    ...r,
    startsAt: isoNN(r.startsAt),
    endsAt: isoNN(r.endsAt),
    createdAt: isoNN(r.createdAt),
    closedAt: iso(r.closedAt),
    decisions: r.decisions.map((d) => ({ ...d, decidedAt: isoNN(d.decidedAt) })),
    itsm: r.itsm.map((c) => ({
      ...c,
      checkedAt: isoNN(c.checkedAt),
      record:
        c.record === null
          ? null
          : {
              ...c.record,
              plannedStart: iso(c.record.plannedStart),
              plannedEnd: iso(c.record.plannedEnd),
            },
    })),
  };
}

export function grantJson(g: GrantView): unknown {
  return {
    ...g,
    notBefore: isoNN(g.notBefore),
    notAfter: isoNN(g.notAfter),
    issuedAt: isoNN(g.issuedAt),
    endedAt: iso(g.endedAt),
    review: g.review === null ? null : { ...g.review, at: isoNN(g.review.at) },
  };
}

export function siteJson(s: SiteSummary): unknown {
  return {
    id: s.site.id,
    displayName: s.site.displayName,
    timezone: s.site.timezone,
    link: { ...s.link, lastSeen: iso(s.link.lastSeen) },
    lockdown:
      s.lockdown === null
        ? { locked: false }
        : { ...s.lockdown, changedAt: isoNN(s.lockdown.changedAt) },
    policy: {
      requiredApprovals: s.policy.requiredApprovals,
      ticketPattern: s.policy.ticketPattern,
      sshFreshMinutes: s.policy.sshFreshMinutes,
    },
    // A job-scoped vendor gets neither plant addresses nor owners' names (access/scope.ts).
    assets: s.jobScoped ? s.assets.map(({ address: _a, servicePort: _p, ...a }) => a) : s.assets,
    ...(s.jobScoped ? {} : { owners: s.owners }),
    jobScoped: s.jobScoped,
    approvalMode: s.approvalMode,
  };
}

export const windowJson = (w: MaintenanceWindow): unknown => ({
  ...w,
  rule: ruleJson(w.rule),
  createdAt: isoNN(w.createdAt),
});
export const scheduleJson = (s: VendorSchedule): unknown => ({
  ...s,
  rule: ruleJson(s.rule),
  createdAt: isoNN(s.createdAt),
});

export function userJson(u: User, extra: { lockedUntil?: number | null } = {}): unknown {
  return {
    id: u.id,
    name: u.name,
    displayName: u.displayName,
    state: u.state,
    roles: u.roles.map((r) => (r.site === undefined ? r.role : `${r.role}@${r.site}`)),
    company: u.company,
    contractEnd: u.contractEnd,
    canBreakGlass: u.canBreakGlass,
    mfaEnrolled: u.mfaEnrolled,
    createdAt: isoNN(u.createdAt),
    ...omitUndefined({ lockedUntil: ifDefined(extra.lockedUntil, iso) }),
  };
}

export const usableJson = (a: AccessAllow): unknown => ({
  site: a.grant.site,
  asset: a.asset,
  protocol: a.protocol,
  profile: a.profile,
  grantId: a.grant.id,
  notAfter: isoNN(a.grant.notAfter),
  breakGlass: a.grant.breakGlass,
});
