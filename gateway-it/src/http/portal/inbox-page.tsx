/** The OT owner's inbox: break-glass grants to review, pending requests, grants at their sites. */
import type { GrantView, RequestView } from '../../access/access.js';
import { GrantTable } from './access-pages.js';
import { siteTime } from './format.js';

export function Inbox(props: {
  items: readonly { request: RequestView; canDecide: boolean; why: string | null }[];
  reviews: readonly GrantView[];
  active: readonly GrantView[];
  tz: (site: string) => string;
}) {
  return (
    <>
      <h2>Break-glass grants to review</h2>
      <GrantTable grants={props.reviews} tz={props.tz} showUser={true} />
      <h2>Pending requests</h2>
      {props.items.length === 0 ? (
        <p class="muted">Nothing waits for a decision.</p>
      ) : (
        <table class="stack">
          <thead>
            <tr>
              <th>Request</th>
              <th>By</th>
              <th>Site / assets</th>
              <th>When (site time)</th>
              <th>Approvals</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {props.items.map((i) => (
              <tr data-request={i.request.id}>
                <td data-label="Request">
                  <a href={`/requests/${i.request.id}`} title={`request ${i.request.id}`}>
                    {i.request.reason.length > 48
                      ? `${i.request.reason.slice(0, 47)}…`
                      : i.request.reason}
                  </a>
                </td>
                <td data-label="By">{i.request.requester.name}</td>
                <td data-label="Site / assets">
                  {i.request.site}:{' '}
                  {i.request.assets.map((a) => `${a.asset} (${a.profile})`).join(', ')}
                </td>
                <td data-label="When (site time)">
                  {siteTime(i.request.startsAt, props.tz(i.request.site))} →{' '}
                  {siteTime(i.request.endsAt, props.tz(i.request.site))}
                </td>
                <td data-label="Approvals">
                  {i.request.approvals}/{i.request.requiredApprovals}
                  {!i.request.quorum.canBeMet && (
                    <span class="badge locked" title={i.request.quorumWarning ?? ''}>
                      cannot be met
                    </span>
                  )}
                </td>
                <td>
                  {i.canDecide ? (
                    <a href={`/requests/${i.request.id}`}>Decide</a>
                  ) : (
                    <span class="muted">{i.why}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Grants at my sites</h2>
      <GrantTable grants={props.active} tz={props.tz} showUser={true} />
    </>
  );
}
