/**
 * The generic JSON webhook connector: Airlock POSTs the request (`event: "ticket.check"`, the
 * ticket, site, requester, assets with their CIs, window, stage) and the receiver answers
 * `{"allow": bool, "reason": string, "record"?: {...}}`; a work note is POSTed as
 * `event: "ticket.work_note"` with `{ticket, note}` (any 2xx answer). Credentials from the key file
 * go in the Authorization header.
 */
import { z } from 'zod';
import type { ItsmConnector, LookupAnswer, TicketQuery } from './connector.js';
import { callJson } from './itsm-http.js';

export interface WebhookConnectorOptions {
  readonly name: string;
  readonly url: string;
  readonly authorization: string;
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
}

const time = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));
const answerSchema = z.looseObject({
  allow: z.boolean(),
  reason: z.string().min(1).max(500),
  record: z
    .looseObject({
      number: z.string().min(1).max(64),
      kind: z.enum(['change', 'incident', 'other']).default('other'),
      state: z.string().max(64),
      assignedTo: z.string().max(200).nullish(),
      plannedStart: time.nullish(),
      plannedEnd: time.nullish(),
      cis: z.array(z.string().max(200)).max(200).default([]),
    })
    .nullish(),
});

export function createWebhookConnector(o: WebhookConnectorOptions): ItsmConnector {
  const url = new URL(o.url);
  const headers = { authorization: o.authorization };
  const post = <S extends z.ZodType>(body: unknown, s: S) =>
    callJson({ method: 'POST', url, headers, body, timeoutMs: o.timeoutMs, fetch: o.fetch }, s);
  return {
    name: o.name,
    type: 'webhook',
    async lookup(q: TicketQuery): Promise<LookupAnswer> {
      const a = await post(
        {
          event: 'ticket.check',
          ticket: q.ticket,
          site: q.site,
          requester: q.requester,
          assets: q.assets,
          startsAt: new Date(q.startsAt).toISOString(),
          endsAt: new Date(q.endsAt).toISOString(),
          stage: q.stage,
          requestId: q.requestId,
        },
        answerSchema,
      );
      if (a === undefined) throw new Error('unreachable: 404 is not allowed here');
      const r = a.record;
      return {
        type: 'decision',
        allow: a.allow,
        reason: a.reason,
        record:
          r === undefined || r === null
            ? null
            : {
                number: r.number,
                kind: r.kind,
                state: r.state,
                stateValue: null,
                assignedTo: r.assignedTo ?? null,
                plannedStart: r.plannedStart ?? null,
                plannedEnd: r.plannedEnd ?? null,
                cis: r.cis,
              },
      };
    },
    async addWorkNote(ticket: string, note: string): Promise<void> {
      await post({ event: 'ticket.work_note', ticket, note }, z.unknown());
    },
  };
}
