/** The ITSM's answers about a request's ticket, beside the request, for the approver to weigh. */
import type { ItsmCheckView } from '../../itsm/itsm.js';
import { StateBadge } from './layout.js';
import { siteTime } from './format.js';

export function ItsmChecks(props: { checks: readonly ItsmCheckView[]; tz: string }) {
  if (props.checks.length === 0) return <></>;
  return (
    <div class="itsm-checks">
      {props.checks.map((c) => (
        <div>
          <p>
            ITSM check ({c.stage === 'request' ? 'at request' : 'at approval'}, {c.connector},{' '}
            {siteTime(c.checkedAt, props.tz)}): <StateBadge state={c.outcome} /> {c.reason}
          </p>
          {c.outcome === 'unverified' && (
            <p class="muted">
              The ITSM could not be asked; the site lets the request go on, flagged. Check the
              ticket yourself before approving.
            </p>
          )}
          {c.record !== null && (
            <ul>
              <li>
                {c.record.number} ({c.record.kind}): state {c.record.state}
                {c.record.assignedTo === null ? '' : `, assigned to ${c.record.assignedTo}`}
              </li>
              <li>
                Planned:{' '}
                {c.record.plannedStart === null
                  ? 'no start'
                  : siteTime(c.record.plannedStart, props.tz)}{' '}
                to{' '}
                {c.record.plannedEnd === null ? 'no end' : siteTime(c.record.plannedEnd, props.tz)}
              </li>
              <li>CIs: {c.record.cis.length === 0 ? 'none listed' : c.record.cis.join(', ')}</li>
            </ul>
          )}
        </div>
      ))}
    </div>
  );
}
