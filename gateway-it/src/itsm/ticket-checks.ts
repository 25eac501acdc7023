/**
 * Ticket checks against the site's ITSM connector. `check` asks the connector (bounded by its
 * timeout, never blocking the event loop) and turns the answer into a verdict: `verified`,
 * `refused` (no record, a rule broken, the webhook said no, or a malformed answer: a broken ITSM
 * is never waved through), or `unverified` when the ITSM is down or slow and the site chose
 * allow-and-flag (deny is the default). The caller keeps the verdict with the request (`keep`,
 * inside its transaction, audited as `itsm.check`) or audits a refusal (`auditRefusal`) before
 * refusing; `alertUnverified` tells the site's OT owners through the notifier.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import type { Notifier } from '../notify/notify.js';
import type { ItsmCheckOutcome, ItsmStore, UserStore } from '../store/store.js';
import type { ItsmConnector, TicketQuery, TicketRecord } from './connector.js';
import { ItsmError } from './connector.js';
import { judgeRecord } from './ticket-policy.js';

export interface CheckInput {
  readonly site: string;
  readonly ticket: string;
  readonly requester: string;
  readonly assets: readonly { readonly asset: string; readonly profile: string }[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly stage: 'request' | 'approval';
  readonly requestId: string | null;
}

export interface ItsmVerdict {
  readonly stage: 'request' | 'approval';
  readonly site: string;
  readonly connector: string;
  readonly ticket: string;
  readonly outcome: ItsmCheckOutcome;
  readonly reason: string;
  /** Why the ITSM gave no usable answer (`itsm.timeout`, `itsm.malformed`, ...), when it did not. */
  readonly failure: string | null;
  readonly record: TicketRecord | null;
  readonly checkedAt: number;
  /** Kept for the alert: what was asked. */
  readonly input: CheckInput;
}

/** A check as shown beside the request. */
export interface ItsmCheckView {
  readonly stage: 'request' | 'approval';
  readonly connector: string;
  readonly ticket: string;
  readonly outcome: ItsmCheckOutcome;
  readonly reason: string;
  readonly record: TicketRecord | null;
  readonly checkedAt: number;
}

export interface TicketCheckDeps {
  readonly store: ItsmStore;
  readonly users: Pick<UserStore, 'activeOtOwnerNames'>;
  readonly audit: AuditLog;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly log: Logger;
  readonly connector: (name: string) => ItsmConnector | undefined;
}

export class TicketChecks {
  constructor(private readonly deps: TicketCheckDeps) {}

  /** Whether the site names a connector (its requests then need a ticket that checks out). */
  isRequired(site: string): boolean {
    return this.deps.store.settings(site) !== undefined;
  }

  async check(input: CheckInput): Promise<ItsmVerdict> {
    const { deps } = this;
    const settings = deps.store.settings(input.site);
    const base = {
      stage: input.stage,
      site: input.site,
      ticket: input.ticket,
      input,
      failure: null,
    };
    if (settings === undefined)
      return {
        ...base,
        connector: '',
        outcome: 'verified',
        reason: 'no ITSM check at this site',
        record: null,
        checkedAt: deps.clock.now(),
      };
    const done = (
      outcome: ItsmCheckOutcome,
      reason: string,
      record: TicketRecord | null,
      failure: string | null = null,
    ): ItsmVerdict => ({
      ...base,
      connector: settings.connector,
      outcome,
      reason,
      record,
      failure,
      checkedAt: deps.clock.now(),
    });
    let connector: ItsmConnector | undefined;
    try {
      connector = deps.connector(settings.connector);
    } catch (e) {
      const why = e instanceof Error ? e.message : 'unknown problem';
      return done(
        'refused',
        `the ITSM connector ${settings.connector} cannot be used: ${why}`,
        null,
        'itsm.credentials',
      );
    }
    if (connector === undefined)
      return done(
        'refused',
        `the site's ITSM connector ${settings.connector} is not in the gateway's config`,
        null,
        'itsm.no_connector',
      );
    const q: TicketQuery = {
      ticket: input.ticket,
      site: input.site,
      requester: input.requester,
      assets: input.assets.map((a) => ({
        asset: a.asset,
        ci: settings.assetCis[a.asset] ?? a.asset,
      })),
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      stage: input.stage,
      requestId: input.requestId,
    };
    try {
      const answer = await connector.lookup(q);
      switch (answer.type) {
        case 'missing':
          return done('refused', `${connector.name} has no record ${input.ticket}`, null);
        case 'decision':
          return done(answer.allow ? 'verified' : 'refused', answer.reason, answer.record);
        case 'record': {
          const j = judgeRecord(answer.record, settings, q);
          return done(j.allow ? 'verified' : 'refused', j.reason, answer.record);
        }
        default: {
          const never: never = answer;
          return never;
        }
      }
    } catch (e) {
      if (!(e instanceof ItsmError)) {
        deps.log.error('ITSM check failed unexpectedly', { site: input.site, err: e });
        return done('refused', `the ITSM check failed (${connector.name})`, null, 'itsm.internal');
      }
      deps.log.warn('ITSM gave no usable answer', {
        site: input.site,
        connector: connector.name,
        code: e.code,
        message: e.message,
      });
      if (e.failure === 'itsm.malformed')
        return done(
          'refused',
          `${connector.name} gave a malformed answer: ${e.message}`,
          null,
          e.failure,
        );
      return settings.onUnavailable === 'allow-and-flag'
        ? done(
            'unverified',
            `not verified: ${e.message}; the site allows and flags`,
            null,
            e.failure,
          )
        : done('refused', `${connector.name} cannot be asked now: ${e.message}`, null, e.failure);
    }
  }

  /** Stores the verdict with the request and audits it; call inside the request's transaction. */
  keep(requestId: string, v: ItsmVerdict, actor: string): void {
    this.deps.store.putCheck({
      requestId,
      stage: v.stage,
      connector: v.connector,
      ticket: v.ticket,
      outcome: v.outcome,
      reason: v.reason,
      record: v.record === null ? null : JSON.stringify(v.record),
      checkedAt: v.checkedAt,
    });
    this.appendAudit(v, actor, requestId);
  }

  /** Audits a refused check that leaves nothing to keep it with (a request that was not made). */
  auditRefusal(v: ItsmVerdict, actor: string): void {
    this.appendAudit(v, actor, v.input.requestId);
  }

  /** Tells the site's OT owners that a request goes on unverified. */
  alertUnverified(v: ItsmVerdict, requestId: string): void {
    this.deps.notifier.notify({
      event: 'itsm.unverified',
      site: v.site,
      requestId,
      grantId: null,
      user: v.input.requester,
      actor: 'system:itsm',
      assets: v.input.assets,
      startsAt: v.input.startsAt,
      endsAt: v.input.endsAt,
      breakGlass: false,
      comment: `${v.ticket} (${v.stage}): ${v.reason}`,
      recipients: this.deps.users.activeOtOwnerNames(v.site),
    });
  }

  views(requestId: string): ItsmCheckView[] {
    return this.deps.store.checks(requestId).map((c) => ({
      stage: c.stage,
      connector: c.connector,
      ticket: c.ticket,
      outcome: c.outcome,
      reason: c.reason,
      record: c.record === null ? null : (JSON.parse(c.record) as TicketRecord),
      checkedAt: c.checkedAt,
    }));
  }

  private appendAudit(v: ItsmVerdict, actor: string, requestId: string | null): void {
    this.deps.audit.append({
      action: 'itsm.check',
      actor,
      site: v.site,
      target: requestId ?? v.ticket,
      outcome:
        v.outcome === 'verified' ? 'success' : v.outcome === 'unverified' ? 'failure' : 'denied',
      details: {
        stage: v.stage,
        connector: v.connector,
        ticket: v.ticket,
        verdict: v.outcome,
        reason: v.reason,
        ...(v.failure === null ? {} : { failure: v.failure }),
        ...(v.record === null
          ? {}
          : {
              record: {
                number: v.record.number,
                state: v.record.state,
                assignedTo: v.record.assignedTo,
                plannedStart:
                  v.record.plannedStart === null
                    ? null
                    : new Date(v.record.plannedStart).toISOString(),
                plannedEnd:
                  v.record.plannedEnd === null ? null : new Date(v.record.plannedEnd).toISOString(),
                cis: v.record.cis,
              },
            }),
      },
    });
  }
}
