/**
 * The ITSM's say on a request's ticket, at request time and again at approval time (itsm/ asks,
 * access decides). At request time a site with a connector needs a ticket reference; a refusal is
 * audited, then refused naming the reason. At approval time the answer is kept with the request
 * (audited) whatever it is, and a refusal stops the approval. An unverified answer (the ITSM down
 * and the site allowing and flagging) goes on, and the site's OT owners are alerted.
 */
import { AirlockError } from '../../../shared/src/errors.js';
import type { ItsmVerdict } from '../itsm/itsm.js';
import type { RequestAssetRow, RequestRow } from '../store/store.js';
import type { AccessDeps } from './access-deps.js';
import type { Actor } from './visibility.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface TicketAtRequest {
  readonly site: string;
  readonly ticketRef: string | null;
  readonly assets: readonly RequestAssetRow[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly requestId: string | null;
}

/** Undefined when the site checks no tickets; otherwise a verified or unverified verdict to keep. */
export async function checkTicketAtRequest(
  deps: AccessDeps,
  actor: Actor,
  q: TicketAtRequest,
): Promise<ItsmVerdict | undefined> {
  if (!deps.itsm.isRequired(q.site)) return undefined;
  if (q.ticketRef === null)
    throw new AirlockError(
      'bad_request',
      'request.ticket_required',
      `ticketRef: site ${q.site} checks tickets with its ITSM; give the change or incident number`,
      { details: { field: 'ticketRef' } },
    );
  const v = await deps.itsm.check({
    site: q.site,
    ticket: q.ticketRef,
    requester: actor.name,
    assets: q.assets,
    startsAt: q.startsAt,
    endsAt: q.endsAt,
    stage: 'request',
    requestId: q.requestId,
  });
  if (v.outcome === 'refused') {
    deps.itsm.auditRefusal(v, actor.name);
    throw new AirlockError('access_denied', 'request.itsm_refused', `ticketRef: ${v.reason}`, {
      details: { field: 'ticketRef', connector: v.connector },
    });
  }
  return v;
}

export async function recheckTicketAtApproval(
  deps: AccessDeps,
  actor: Actor,
  r: RequestRow,
): Promise<void> {
  if (r.status !== 'pending' || !deps.itsm.isRequired(r.site)) return;
  const v = await deps.itsm.check({
    site: r.site,
    ticket: r.ticketRef ?? '',
    requester: deps.views.person(r.requesterId).name,
    assets: deps.requests.assets(r.id),
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    stage: 'approval',
    requestId: r.id,
  });
  writeTransaction(deps.db, () => deps.itsm.keep(r.id, v, actor.name))();
  if (v.outcome === 'unverified') deps.itsm.alertUnverified(v, r.id);
  if (v.outcome === 'refused')
    throw new AirlockError(
      'access_denied',
      'approval.itsm_refused',
      `the ticket no longer checks out: ${v.reason}`,
      { details: { ticketRef: r.ticketRef, connector: v.connector } },
    );
}
