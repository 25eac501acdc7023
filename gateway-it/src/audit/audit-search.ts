/**
 * The auditor's questions, as a service the portal pages call: events of one site filtered by time
 * range, actor, target (asset), action and outcome, over the IT log and the site's ingested OT log;
 * and "who was on asset X between T1 and T2, on whose approval, and what did they do" in one answer.
 *
 * A site's IT events are exactly those whose `site` is the site (the export's rule); its OT events
 * are its own OT log. Each call is audited first (`audit.search`, `audit.view`): if that append
 * fails, no result is returned. Authorisation (auditor@<site>, ot-owner@<site>, admin) is the caller's.
 * Scanning is bounded: a call reads at most `scanLimit` events per log inside the time range and
 * returns a cursor to continue; it does not use per-column indexes (the chain interface is generic).
 */
import { z } from 'zod';
import { AUDIT_OUTCOMES, type AuditEvent } from '../../../shared/src/audit/audit-event.js';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { AUDIT_EVENTS } from '../../../shared/src/audit/catalogue.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { AuditLogName } from '../../../shared/src/export/event-formats.js';
import type { AuditChain, SiteEventSource } from './audit-chain.js';

export const auditSearchQuerySchema = z
  .strictObject({
    site: z.string().min(1).max(128),
    from: z.number().int().nonnegative(),
    to: z.number().int().nonnegative(),
    actor: z.string().min(1).max(256).optional(),
    /** The asset (or other target) acted on. */
    target: z.string().min(1).max(512).optional(),
    /** An exact action (`ssh.command`) or an area prefix ending in a dot (`ssh.`). */
    action: z.string().min(1).max(64).optional(),
    outcome: z.enum(AUDIT_OUTCOMES).optional(),
    logs: z
      .array(z.enum(['it', 'ot']))
      .min(1)
      .max(2)
      .optional(),
    limit: z.number().int().min(1).max(1000).default(200),
    /** Opaque continuation from a previous result. */
    cursor: z.string().max(200).optional(),
  })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

export type AuditSearchQuery = z.input<typeof auditSearchQuerySchema>;

/** The action areas of the catalogue (`ssh` of `ssh.command`), sorted: what a search filters by. */
export const AUDIT_AREAS = [
  ...new Set(Object.keys(AUDIT_EVENTS).map((a) => a.slice(0, a.indexOf('.')))),
].sort() as [string, ...string[]];

/**
 * The action filter of a search from an area and an exact action (both optional): the action if
 * given (it must lie in the area, if one is given too), else the area as a prefix (`ssh.`).
 */
export function actionFilter(
  area: string | undefined,
  action: string | undefined,
): string | undefined {
  if (action !== undefined && area !== undefined && !action.startsWith(`${area}.`))
    throw new AirlockError(
      'bad_request',
      'audit.search_query',
      `action: ${action} is not in the area ${area}`,
    );
  return action ?? (area === undefined ? undefined : `${area}.`);
}

export interface AuditSearchHit {
  readonly log: AuditLogName;
  readonly event: AuditEvent;
}

export interface AuditSearchResult {
  /** Ordered by time, then IT before OT, then seq. */
  readonly hits: readonly AuditSearchHit[];
  /** Present when more may match: pass it as `cursor` to continue. */
  readonly nextCursor?: string;
  readonly scanned: number;
}

export interface SessionSummary {
  readonly sessionId: string;
  readonly actor: string;
  readonly start?: number;
  readonly end?: number;
  readonly grantId?: string;
  /** Everything recorded about the session: commands, writes, denials, recording close. */
  readonly events: readonly AuditSearchHit[];
}

export interface AssetActivity {
  readonly site: string;
  readonly asset: string;
  readonly from: number;
  readonly to: number;
  readonly sessions: readonly SessionSummary[];
  /**
   * Requests, approvals, denials and grants referenced by the asset's events or naming the asset;
   * those of the sessions' grants even when they happened before the range.
   */
  readonly approvals: readonly AuditSearchHit[];
  /** Every event in the range on the asset, its sessions, and their grants and requests, by time. */
  readonly events: readonly AuditSearchHit[];
  /** True when the scan limit was reached: the answer may be incomplete; narrow the range. */
  readonly incomplete: boolean;
}

export interface AuditSearchOptions {
  readonly audit: AuditLog;
  readonly itChain: AuditChain;
  readonly siteEvents: SiteEventSource;
  readonly scanLimit?: number;
}

type Filter = (e: AuditEvent) => boolean;

const cursorSchema = z.strictObject({
  it: z.number().int().nonnegative(),
  ot: z.number().int().nonnegative(),
});

function parseCursor(text: string | undefined): { it: number; ot: number } {
  if (text === undefined) return { it: 0, ot: 0 };
  try {
    const parsed = cursorSchema.safeParse(
      JSON.parse(Buffer.from(text, 'base64url').toString('utf8')),
    );
    if (parsed.success) return parsed.data;
  } catch {
    // reported below
  }
  throw new AirlockError(
    'bad_request',
    'audit.search_cursor',
    'cursor: not a cursor from a previous search',
  );
}

const LINK_KEYS = ['sessionId', 'grantId', 'requestId', 'ticketId'] as const;
/** Events a grant or request has, read from before the range for the asset page (bounded). */
const EARLIER_LIMIT = 200;
const isApprovalAction = (action: string): boolean => /^(request|grant)\./.test(action);

export class AuditSearch {
  constructor(private readonly o: AuditSearchOptions) {}

  /** Events of one site matching the query; audited as `audit.search` by `requestedBy`. */
  search(input: AuditSearchQuery, requestedBy: string): AuditSearchResult {
    const parsed = auditSearchQuerySchema.safeParse(input);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new AirlockError(
        'bad_request',
        'audit.search_query',
        `${i?.path.join('.') || 'query'}: ${i?.message ?? 'invalid'}`,
      );
    }
    const q = parsed.data;
    const after = parseCursor(q.cursor);
    this.o.audit.append({
      action: 'audit.search',
      actor: requestedBy,
      site: q.site,
      outcome: 'success',
      details: {
        from: q.from,
        to: q.to,
        actor: q.actor ?? null,
        target: q.target ?? null,
        action: q.action ?? null,
        outcome: q.outcome ?? null,
      },
    });
    const filter: Filter = (e) =>
      e.time >= q.from &&
      e.time <= q.to &&
      (q.actor === undefined || e.actor === q.actor) &&
      (q.target === undefined || e.target === q.target) &&
      (q.outcome === undefined || e.outcome === q.outcome) &&
      (q.action === undefined ||
        (q.action.endsWith('.') ? e.action.startsWith(q.action) : e.action === q.action));
    const logs = q.logs ?? ['it', 'ot'];
    const per: Record<
      AuditLogName,
      { hits: AuditSearchHit[]; last: number; done: boolean; scanned: number }
    > = {
      it: { hits: [], last: after.it, done: !logs.includes('it'), scanned: 0 },
      ot: { hits: [], last: after.ot, done: !logs.includes('ot'), scanned: 0 },
    };
    for (const log of ['it', 'ot'] as const) {
      if (per[log].done) continue;
      const chain = log === 'it' ? this.o.itChain : this.o.siteEvents.otChain(q.site);
      if (chain === undefined) {
        per[log].done = true;
        continue;
      }
      per[log] = this.scan(log, chain, q.site, q.from, q.to, after[log], filter, q.limit);
    }
    const merged = [...per.it.hits, ...per.ot.hits].sort(byTime).slice(0, q.limit);
    // Continue after the last hit returned from each log (or where its scan stopped, if none was dropped).
    const next = { it: per.it.last, ot: per.ot.last };
    let more = !per.it.done || !per.ot.done;
    for (const log of ['it', 'ot'] as const) {
      const returned = merged.filter((h) => h.log === log);
      if (returned.length < per[log].hits.length) {
        next[log] = returned.at(-1)?.event.seq ?? after[log];
        more = true;
      }
    }
    const result = { hits: merged, scanned: per.it.scanned + per.ot.scanned };
    return more
      ? { ...result, nextCursor: Buffer.from(JSON.stringify(next)).toString('base64url') }
      : result;
  }

  /** Who was on `asset` in the range, on whose approval, and what they did; audited as `audit.view`. */
  assetActivity(
    site: string,
    asset: string,
    from: number,
    to: number,
    requestedBy: string,
  ): AssetActivity {
    if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from <= to))
      throw new AirlockError(
        'bad_request',
        'audit.view_range',
        'from and to must be times with from <= to',
      );
    this.o.audit.append({
      action: 'audit.view',
      actor: requestedBy,
      site,
      target: asset,
      outcome: 'success',
      details: { from, to },
    });
    const limit = this.o.scanLimit ?? 200_000;
    const onAsset: AuditSearchHit[] = [];
    const ids = new Set<string>();
    const all: AuditSearchHit[] = [];
    let incomplete = false;
    for (const log of ['it', 'ot'] as const) {
      const chain = log === 'it' ? this.o.itChain : this.o.siteEvents.otChain(site);
      if (chain === undefined) continue;
      const r = this.scan(log, chain, site, from, to, 0, () => true, limit);
      if (!r.done) incomplete = true;
      all.push(...r.hits);
    }
    for (const h of all) {
      if (h.event.target !== asset) continue;
      onAsset.push(h);
      for (const k of LINK_KEYS) {
        const v = h.event.details[k];
        if (typeof v === 'string') ids.add(v);
      }
    }
    const linked = (h: AuditSearchHit): boolean =>
      (h.event.target !== null && ids.has(h.event.target)) ||
      LINK_KEYS.some((k) => {
        const v = h.event.details[k];
        return typeof v === 'string' && ids.has(v);
      });
    // A grant names its request: follow it so the request and its approvals are on the page too.
    for (const h of all) {
      const r = h.event.details.requestId;
      if (h.event.action === 'grant.issue' && typeof r === 'string' && linked(h)) ids.add(r);
    }
    const onAssetSessions = new Set(
      onAsset
        .map((h) => h.event.details.sessionId)
        .filter((x): x is string => typeof x === 'string'),
    );
    // Only this asset: an event of another session (the same grant on another asset) or on
    // another target is left out; the grant and request themselves (targets in `ids`) stay.
    const onThisAsset = (h: AuditSearchHit): boolean => {
      if (h.event.target === asset) return true;
      const sid = h.event.details.sessionId;
      if (typeof sid === 'string') return onAssetSessions.has(sid);
      return (h.event.target === null || ids.has(h.event.target)) && linked(h);
    };
    const events = all.filter(onThisAsset).sort(byTime);
    const approvals = this.withEarlierApprovals(
      site,
      events.filter((h) => isApprovalAction(h.event.action)),
      events,
    );
    const sessions = new Map<
      string,
      {
        sessionId: string;
        actor: string;
        start?: number;
        end?: number;
        grantId?: string;
        events: AuditSearchHit[];
      }
    >();
    for (const h of events) {
      const sid = h.event.details.sessionId;
      // The same grant may cover other assets: only this asset's sessions are listed.
      if (typeof sid !== 'string' || !onAssetSessions.has(sid)) continue;
      let s = sessions.get(sid);
      if (s === undefined) {
        s = { sessionId: sid, actor: h.event.actor, events: [] };
        sessions.set(sid, s);
      }
      s.events.push(h);
      if (h.event.action === 'session.start') s.start = h.event.time;
      if (h.event.action === 'session.end' || h.event.action === 'session.terminate')
        s.end = h.event.time;
      const g = h.event.details.grantId;
      if (typeof g === 'string') s.grantId = g;
    }
    return {
      site,
      asset,
      from,
      to,
      sessions: [...sessions.values()],
      approvals,
      events,
      incomplete,
    };
  }

  /**
   * The range's request and grant events, plus those of the sessions' grants from before the range
   * (read by target from the IT log, whatever their time): who asked and who approved are shown
   * however the range was chosen. At most `EARLIER_LIMIT` events per grant or request.
   */
  private withEarlierApprovals(
    site: string,
    inRange: readonly AuditSearchHit[],
    events: readonly AuditSearchHit[],
  ): AuditSearchHit[] {
    const seen = new Set(inRange.map((h) => h.event.id));
    const out = [...inRange];
    const add = (target: string): void => {
      for (const e of this.o.itChain.withTarget(target, EARLIER_LIMIT)) {
        if (e.site !== site || !isApprovalAction(e.action) || seen.has(e.id)) continue;
        seen.add(e.id);
        out.push({ log: 'it', event: e });
      }
    };
    const grants = new Set<string>();
    for (const h of events) {
      const g = h.event.details.grantId;
      if (typeof g === 'string' && typeof h.event.details.sessionId === 'string') grants.add(g);
    }
    for (const g of grants) add(g);
    const requests = new Set<string>();
    for (const h of out) {
      const r = h.event.details.requestId;
      if (h.event.action === 'grant.issue' && typeof r === 'string') requests.add(r);
    }
    for (const r of requests) add(r);
    return out.sort(byTime);
  }

  /** Reads a log's events in [from, to] after seq `after`, keeping the site's that pass `filter`, up to `limit` hits. */
  private scan(
    log: AuditLogName,
    chain: AuditChain,
    site: string,
    from: number,
    to: number,
    after: number,
    filter: Filter,
    limit: number,
  ): { hits: AuditSearchHit[]; last: number; done: boolean; scanned: number } {
    const run = chain.seqsInTime(from, to);
    const hits: AuditSearchHit[] = [];
    if (run === undefined) return { hits, last: after, done: true, scanned: 0 };
    const budget = this.o.scanLimit ?? 200_000;
    let pos = Math.max(after, run.first - 1);
    let scanned = 0;
    while (pos < run.last && scanned < budget && hits.length < limit) {
      const page = chain.page(pos, run.last, Math.min(2000, budget - scanned));
      if (page.length === 0) break;
      for (const e of page) {
        pos = e.seq;
        scanned++;
        if ((log === 'ot' || e.site === site) && filter(e)) {
          hits.push({ log, event: e });
          if (hits.length >= limit) break;
        }
      }
    }
    return { hits, last: pos, done: pos >= run.last, scanned };
  }
}

function byTime(a: AuditSearchHit, b: AuditSearchHit): number {
  return (
    a.event.time - b.event.time ||
    (a.log === b.log ? a.event.seq - b.event.seq : a.log === 'it' ? -1 : 1)
  );
}
