/**
 * One request and one grant, as a person reads them: what (assets), where, for whom and why in the
 * title and the first line; the state with who decided it ("approved by" names the approvers,
 * never the requester); a warning when the site's required approvals cannot be reached; the
 * decision form with Approve only while the viewer can still add an approval.
 */
import type { GrantView, RequestView } from '../../access/access.js';
import { BreakGlassBadge, Csrf, StateBadge } from './layout.js';
import { EvidencePackForm } from './evidence-pages.js';
import { duration, siteTime } from './format.js';
import { ItsmChecks } from './itsm-pages.js';
import {
  ApprovalModeNote,
  SignedApproveForm,
  type ApprovalModeView,
} from './owner-approve-pages.js';

const shorten = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** `hmi-1, plc-1 at plant-1 for alice: replace the panel…`: a title and link text naming the request. */
export function requestTitle(
  r: Pick<RequestView, 'assets' | 'site' | 'reason'> & { requester: { name: string } },
): string {
  const assets = r.assets.map((a) => a.asset).join(', ');
  return `${assets} at ${r.site} for ${r.requester.name}: ${shorten(r.reason, 60)}`;
}

export function grantTitle(g: GrantView): string {
  return `${g.breakGlass ? 'Break-glass grant' : 'Grant'}: ${g.assets.map((a) => a.asset).join(', ')} at ${g.site} for ${g.user.name}`;
}

export function Decisions(props: { r: RequestView; tz: string }) {
  if (props.r.decisions.length === 0) return <p class="muted">No decision yet.</p>;
  return (
    <ul class="decisions">
      {props.r.decisions.map((d) => (
        <li>
          <strong>{d.approver}</strong> {d.decision === 'approve' ? 'approved' : 'denied'} at{' '}
          {siteTime(d.decidedAt, props.tz)}: “{d.comment}”
        </li>
      ))}
    </ul>
  );
}

/** `approved by olga, oscar`, `denied by olga`, `1 of 2 approvals (olga)`: who decided, by name. */
export function decidedBy(r: RequestView): string {
  const by = (kind: 'approve' | 'deny'): string =>
    r.decisions
      .filter((d) => d.decision === kind)
      .map((d) => d.approver)
      .join(', ');
  switch (r.status) {
    case 'approved':
      return r.breakGlass ? 'taken without approval (break-glass)' : `approved by ${by('approve')}`;
    case 'denied':
      return `denied by ${by('deny')}`;
    case 'pending':
      return `${r.approvals} of ${r.requiredApprovals} approvals${r.approvals > 0 ? ` (${by('approve')})` : ''}`;
    case 'cancelled':
      return 'withdrawn by the requester';
    case 'expired':
      return 'ended without enough approvals';
    default: {
      const never: never = r.status;
      return never;
    }
  }
}

export function RequestDetail(props: {
  r: RequestView;
  tz: string;
  csrf: string | null;
  canCancel: boolean;
  /** Null: no decision form; `canApprove` false hides Approve (already approved, or not pending). */
  decide: { can: boolean; canApprove: boolean; why: string | null } | null;
  /** The site's approval mode; at an owner-signed site, the passkey options when the viewer may sign. */
  approvals: ApprovalModeView;
  signOptions: string | null;
}) {
  const r = props.r;
  // At an owner-signed site Approve is its own form (the passkey signs); Deny stays below.
  const signed = props.approvals.mode === 'owner-signed';
  const canApprove = props.decide?.canApprove === true && !signed;
  return (
    <>
      <section class="card">
        <p>
          Requested by <strong>{r.requester.name}</strong> for <strong>{r.site}</strong>{' '}
          <span class="muted">(request {r.id})</span>
        </p>
        <p class="request-state">
          <StateBadge state={r.status} /> <BreakGlassBadge on={r.breakGlass} />{' '}
          <span class="decided-by">{decidedBy(r)}</span>
          {r.grantId !== null && (
            <>
              {' '}
              — <a href={`/grants/${r.grantId}`}>its grant</a>
            </>
          )}
        </p>
        {r.quorumWarning !== null && (
          <p class="notice error quorum-warning">
            Cannot be approved as things stand: {r.quorumWarning}.
          </p>
        )}
        <p>Assets: {r.assets.map((a) => `${a.asset} (${a.protocol}, ${a.profile})`).join(', ')}</p>
        <p>
          From {siteTime(r.startsAt, props.tz)} to {siteTime(r.endsAt, props.tz)} (
          {duration(r.endsAt - r.startsAt)})
        </p>
        <p>Reason: {r.reason}</p>
        <p>Ticket: {r.ticketRef ?? <span class="muted">none</span>}</p>
        <ItsmChecks checks={r.itsm} tz={props.tz} />
        <Decisions r={r} tz={props.tz} />
        <ApprovalModeNote m={props.approvals} />
      </section>
      {props.canCancel && (
        <form
          class="card"
          method="post"
          action={`/requests/${r.id}/cancel`}
          data-confirm="Withdraw this request?"
        >
          <Csrf token={props.csrf} />
          <button type="submit" class="secondary">
            Withdraw request
          </button>
        </form>
      )}
      {signed && props.decide?.canApprove === true && props.signOptions !== null && (
        <SignedApproveForm requestId={r.id} csrf={props.csrf} options={props.signOptions} />
      )}
      {props.decide !== null &&
        (props.decide.can ? (
          <form class="card" method="post" action={`/requests/${r.id}/decide`}>
            <Csrf token={props.csrf} />
            {props.decide.why !== null && <p class="muted">{props.decide.why}</p>}
            <label for="comment">Comment (required, recorded in the audit log)</label>
            <textarea id="comment" name="comment" required maxlength={1000}></textarea>
            <div class="actions">
              {canApprove && (
                <button type="submit" name="decision" value="approve">
                  Approve
                </button>
              )}
              <button type="submit" name="decision" value="deny" class="danger">
                {r.status === 'approved' ? 'Deny (revokes the grant)' : 'Deny'}
              </button>
            </div>
          </form>
        ) : (
          <p class="muted">{props.decide.why}</p>
        ))}
    </>
  );
}

export function GrantDetail(props: {
  g: GrantView;
  tz: string;
  csrf: string | null;
  canRevoke: boolean;
  canReview: boolean;
  /** Auditors and OT owners of the site, admins: the evidence pack button. */
  canPack?: boolean;
}) {
  const g = props.g;
  return (
    <>
      <section class="card">
        <p>
          <StateBadge state={g.state} /> <BreakGlassBadge on={g.breakGlass} /> for{' '}
          <strong>{g.user.name}</strong> at <strong>{g.site}</strong> (
          <a href={`/requests/${g.requestId}`}>its request</a>){' '}
          <span class="muted">(grant {g.id})</span>
        </p>
        <p>Assets: {g.assets.map((a) => `${a.asset} (${a.protocol}, ${a.profile})`).join(', ')}</p>
        <p>
          Valid from {siteTime(g.notBefore, props.tz)} to {siteTime(g.notAfter, props.tz)}
        </p>
        <p>{g.breakGlass ? `Justification: ${g.reason}` : `Reason: ${g.reason}`}</p>
        <p>
          Approved by:{' '}
          {g.approvers.length === 0 ? (
            <span class="muted">nobody (break-glass)</span>
          ) : (
            g.approvers.join(', ')
          )}
        </p>
        {g.endedAt !== null && (
          <p>
            Ended {siteTime(g.endedAt, props.tz)} by {g.endedBy}: {g.endReason}
          </p>
        )}
        {g.breakGlass &&
          (g.review === null ? (
            <p class="notice error">Not reviewed by an OT owner yet.</p>
          ) : (
            <p>
              Reviewed by {g.review.by} at {siteTime(g.review.at, props.tz)}: “{g.review.comment}”
            </p>
          ))}
      </section>
      {props.canPack === true && (
        <section class="card">
          <EvidencePackForm
            action={`/grants/${g.id}/evidence-pack`}
            csrf={props.csrf}
            label="Download evidence pack"
          />
        </section>
      )}
      {props.canReview && (
        <form class="card" method="post" action={`/grants/${g.id}/review`}>
          <Csrf token={props.csrf} />
          <label for="review-comment">Review of this break-glass access (required)</label>
          <textarea id="review-comment" name="comment" required maxlength={1000}></textarea>
          <div class="actions">
            <button type="submit">Record review</button>
          </div>
        </form>
      )}
      {props.canRevoke && (
        <form
          class="card"
          method="post"
          action={`/grants/${g.id}/revoke`}
          data-confirm="Revoke this grant and end its live sessions?"
        >
          <Csrf token={props.csrf} />
          <label for="revoke-reason">Reason for revoking</label>
          <input type="text" id="revoke-reason" name="reason" required maxlength={1000} />
          <div class="actions">
            <button type="submit" class="danger">
              Revoke grant
            </button>
          </div>
        </form>
      )}
    </>
  );
}
