/**
 * Four-eyes exports in the portal: on the Exports page, the form to ask for approval and the
 * requester's "Export this range" once approved; on the playback approvals page, every export
 * request of the site with Approve and Refuse for a second auditor or OT owner. The rules are
 * ExportApprovals'; the pages only offer what it allows (no Approve on one's own request).
 */
import type { ExportApprovalRequest } from '../../audit/audit.js';
import { formatLocalInput } from '../../access/access.js';
import { siteTime } from './format.js';
import { Csrf, PostButton } from './layout.js';

function RequestRow(props: {
  r: ExportApprovalRequest;
  tz: string;
  me: string;
  canDecide: boolean;
  csrf: string | null;
}) {
  const { r, tz } = props;
  const usable = r.state === 'approved' && r.requester === props.me;
  return (
    <tr class="export-request" data-request={r.id} data-state={r.state}>
      <td data-label="Asked">{siteTime(r.createdAt, tz)}</td>
      <td data-label="By">{r.requester}</td>
      <td data-label="Range">
        {siteTime(r.from, tz)} – {siteTime(r.to, tz)}
      </td>
      <td data-label="Reason">{r.reason}</td>
      <td data-label="State">
        {r.state}
        {r.decidedBy !== null && ` by ${r.decidedBy}`}
        {r.state === 'approved' && r.expiresAt !== null && `, until ${siteTime(r.expiresAt, tz)}`}
        {r.exportId !== null && (
          <>
            {' '}
            (<code>{r.exportId}</code>)
          </>
        )}
      </td>
      <td data-label="">
        {r.state === 'pending' && props.canDecide && r.requester !== props.me && (
          <>
            <PostButton
              action={`/export-requests/${r.id}/approve`}
              csrf={props.csrf}
              label="Approve"
            />
            <PostButton
              action={`/export-requests/${r.id}/refuse`}
              csrf={props.csrf}
              label="Refuse"
              kind="danger"
            />
          </>
        )}
        {usable && (
          <form method="post" action={`/sites/${r.site}/exports`}>
            <Csrf token={props.csrf} />
            <input type="hidden" name="from" value={formatLocalInput(r.from, tz)} />
            <input type="hidden" name="to" value={formatLocalInput(r.to, tz)} />
            <button type="submit">Export this range</button>
          </form>
        )}
      </td>
    </tr>
  );
}

export function ExportRequestsTable(props: {
  requests: readonly ExportApprovalRequest[];
  tz: string;
  me: string;
  canDecide: boolean;
  csrf: string | null;
}) {
  if (props.requests.length === 0) return <p class="muted">No export request.</p>;
  return (
    <table class="stack export-requests">
      <thead>
        <tr>
          <th>Asked</th>
          <th>By</th>
          <th>Range</th>
          <th>Reason</th>
          <th>State</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        {props.requests.map((r) => (
          <RequestRow
            r={r}
            tz={props.tz}
            me={props.me}
            canDecide={props.canDecide}
            csrf={props.csrf}
          />
        ))}
      </tbody>
    </table>
  );
}

/** The Exports page's part when the site requires four eyes: what it means, and the form to ask. */
export function ExportFourEyes(props: {
  site: string;
  range: { readonly from: string; readonly to: string };
  tz: string;
  csrf: string | null;
}) {
  return (
    <section class="card four-eyes-export">
      <p class="notice" data-gate="four_eyes_export">
        {props.site} requires four-eyes playback, so an export whose range carries recordings needs
        a second auditor or OT owner of the site to approve it first. An export of a range with no
        recording starts at once.
      </p>
      <form method="post" action={`/sites/${props.site}/export-requests`} class="filters">
        <Csrf token={props.csrf} />
        <div>
          <label for="xfrom">From ({props.tz})</label>
          <input type="datetime-local" id="xfrom" name="from" required value={props.range.from} />
        </div>
        <div>
          <label for="xto">To ({props.tz})</label>
          <input type="datetime-local" id="xto" name="to" required value={props.range.to} />
        </div>
        <div>
          <label for="reason">Reason</label>
          <input type="text" id="reason" name="reason" required minlength={3} maxlength={300} />
        </div>
        <div>
          <button type="submit">Ask for approval</button>
        </div>
      </form>
    </section>
  );
}
