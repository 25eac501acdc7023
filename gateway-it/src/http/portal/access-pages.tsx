/** Pages for engineers, vendors and OT owners: dashboard, request form, request, grant, inbox. */
import type {
  AccessAllow,
  SiteSummary,
  GrantView,
  RequestView,
  MaintenanceWindow,
  VendorSchedule,
} from '../../access/access.js';
import type { ReviewRow } from '../../store/store.js';
import { BreakGlassBadge, Csrf, StateBadge } from './layout.js';
import { siteTime } from './format.js';

type Tz = (site: string) => string;

const shorten = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

export function connectHint(a: AccessAllow, user: string, host: string, port: number): string {
  if (a.protocol === 'ssh') return `ssh -p ${port} ${user}:${a.asset}@${host}`;
  const local = a.protocol === 'modbus' ? 15020 : 14840;
  const remote = a.protocol === 'modbus' ? 502 : 4840;
  return `ssh -p ${port} -N -L ${local}:${a.asset}:${remote} ${user}@${host}`;
}

export function RequestTable(props: {
  requests: readonly RequestView[];
  tz: Tz;
  showRequester?: boolean;
}) {
  if (props.requests.length === 0) return <p class="muted">None.</p>;
  return (
    <table class="stack">
      <thead>
        <tr>
          <th>Request</th>
          {props.showRequester === true && <th>By</th>}
          <th>Site / assets</th>
          <th>When ({'site time'})</th>
          <th>State</th>
        </tr>
      </thead>
      <tbody>
        {props.requests.map((r) => (
          <tr>
            <td data-label="Request">
              <a href={`/requests/${r.id}`} title={`request ${r.id}`}>
                {r.assets.map((a) => a.asset).join(', ')}: {shorten(r.reason, 48)}
              </a>{' '}
              <BreakGlassBadge on={r.breakGlass} />
            </td>
            {props.showRequester === true && <td data-label="By">{r.requester.name}</td>}
            <td data-label="Site / assets">
              {r.site}: {r.assets.map((a) => `${a.asset} (${a.profile})`).join(', ')}
            </td>
            <td data-label="When (site time)">
              {siteTime(r.startsAt, props.tz(r.site))} → {siteTime(r.endsAt, props.tz(r.site))}
            </td>
            <td data-label="State">
              <StateBadge state={r.status} />{' '}
              {r.status === 'pending' && (
                <span class="muted">
                  {r.approvals}/{r.requiredApprovals} approvals
                </span>
              )}{' '}
              {r.quorumWarning !== null && (
                <span class="badge locked" title={r.quorumWarning}>
                  cannot be met
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function GrantTable(props: { grants: readonly GrantView[]; tz: Tz; showUser?: boolean }) {
  if (props.grants.length === 0) return <p class="muted">None.</p>;
  return (
    <table class="stack">
      <thead>
        <tr>
          <th>Grant</th>
          {props.showUser === true && <th>For</th>}
          <th>Site / assets</th>
          <th>Valid (site time)</th>
          <th>State</th>
        </tr>
      </thead>
      <tbody>
        {props.grants.map((g) => (
          <tr class={`grant ${g.state}`} data-grant={g.id}>
            <td data-label="Grant">
              <a href={`/grants/${g.id}`} title={`grant ${g.id}`}>
                {g.assets.map((a) => a.asset).join(', ')}: {shorten(g.reason, 48)}
              </a>{' '}
              <BreakGlassBadge on={g.breakGlass} />
            </td>
            {props.showUser === true && <td data-label="For">{g.user.name}</td>}
            <td data-label="Site / assets">
              {g.site}: {g.assets.map((a) => `${a.asset} (${a.profile})`).join(', ')}
            </td>
            <td data-label="Valid (site time)">
              {siteTime(g.notBefore, props.tz(g.site))} → {siteTime(g.notAfter, props.tz(g.site))}
            </td>
            <td data-label="State">
              <StateBadge state={g.state} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Dashboard(props: {
  user: string;
  requests: readonly RequestView[];
  grants: readonly GrantView[];
  usable: readonly AccessAllow[];
  tz: Tz;
  host: string;
  sshPort: number;
  pending: number;
  /** Command lines held for this OT owner's review (denied by the site when their time runs out). */
  held: readonly ReviewRow[];
  canRequest: boolean;
}) {
  const live = props.grants.filter((g) => g.state === 'active' || g.state === 'scheduled');
  return (
    <>
      {props.held.map((r) => (
        <p class="notice alert" data-held-review={r.id}>
          Command held for your review: {r.requesterName} on {r.site}/{r.asset} — denied
          automatically at {siteTime(r.expiresAt, props.tz(r.site))} unless an OT owner decides.{' '}
          <a href="/reviews">Review it</a>
        </p>
      ))}
      {props.pending > 0 && (
        <p class="notice ok">
          <a href="/inbox">{props.pending} request(s) wait for your decision.</a>
        </p>
      )}
      <h2>Connect now</h2>
      {props.usable.length === 0 ? (
        <p class="muted">No asset is open to you right now.</p>
      ) : (
        <table class="stack">
          <thead>
            <tr>
              <th>Asset</th>
              <th>Profile</th>
              <th>Until</th>
              <th>Connect with</th>
            </tr>
          </thead>
          <tbody>
            {props.usable.map((a) => (
              <tr>
                <td data-label="Asset">
                  {a.grant.site}/{a.asset} ({a.protocol}){' '}
                  <BreakGlassBadge on={a.grant.breakGlass} />
                </td>
                <td data-label="Profile">{a.profile}</td>
                <td data-label="Until">{siteTime(a.grant.notAfter, props.tz(a.grant.site))}</td>
                <td data-label="Connect with">
                  <code>{connectHint(a, props.user, props.host, props.sshPort)}</code>
                  {a.protocol === 'ssh' && (
                    <>
                      {' '}
                      or <a href={`/terminal/${a.grant.site}/${a.asset}`}>the web terminal</a>
                    </>
                  )}
                  {a.protocol === 'modbus' && (
                    <>
                      {' '}
                      or{' '}
                      <a href={`/assets/${a.grant.site}/${a.asset}/points`}>
                        its points in the portal
                      </a>
                    </>
                  )}
                  {a.protocol === 'opcua' && (
                    <>
                      {' '}
                      or{' '}
                      <a href={`/assets/${a.grant.site}/${a.asset}/opcua`}>
                        its points in the portal
                      </a>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.usable.some((a) => a.protocol !== 'ssh') && (
        <p class="muted">
          In <code>-L 15020:…</code> and <code>-L 14840:…</code> the first number is a port on your
          own machine: any free one works. If it is taken there (<code>ss -ltn</code> lists the
          ports in use), pick another and point your Modbus or OPC UA tool at 127.0.0.1 on that
          port.
        </p>
      )}
      <h2>My grants</h2>
      <GrantTable grants={live} tz={props.tz} />
      <p>
        <a href="/grants">Search all grants</a> · <a href="/requests">Search all requests</a>
      </p>
      <h2>My requests</h2>
      {props.canRequest && (
        <p>
          <a class="button" href="/requests/new">
            Request access
          </a>
        </p>
      )}
      <RequestTable requests={props.requests.slice(0, 30)} tz={props.tz} />
    </>
  );
}

export function SitePicker(props: { sites: readonly SiteSummary[]; action: string }) {
  return (
    <form class="card" method="get" action={props.action}>
      <label for="site">Site</label>
      <select id="site" name="site" required>
        {props.sites.map((s) => (
          <option value={s.site.id}>
            {s.site.displayName} ({s.site.id}, {s.site.timezone})
          </option>
        ))}
      </select>
      <div class="actions">
        <button type="submit">Continue</button>
      </div>
    </form>
  );
}

export interface RequestFormValues {
  readonly picks: readonly string[];
  readonly start: string;
  readonly end: string;
  readonly reason: string;
  readonly ticketRef: string;
}

export function AssetPicks(props: { site: SiteSummary; picks: readonly string[] }) {
  return (
    <table class="stack">
      <thead>
        <tr>
          <th>Asset</th>
          <th>Protocol</th>
          <th>Profile</th>
        </tr>
      </thead>
      <tbody>
        {props.site.assets.map((a) => (
          <tr>
            <td data-label="Asset">
              {a.name} <span class="muted">{a.description}</span>
            </td>
            <td data-label="Protocol">{a.protocol}</td>
            <td data-label="Profile">
              <select name="pick" aria-label={`profile for ${a.name}`} data-asset={a.name}>
                <option value="">(not requested)</option>
                {a.profiles.map((p) => (
                  <option
                    value={`${a.name}:${p.name}`}
                    selected={props.picks.includes(`${a.name}:${p.name}`)}
                  >
                    {p.name}
                    {p.description === '' ? '' : ` — ${p.description}`}
                  </option>
                ))}
              </select>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RequestForm(props: {
  site: SiteSummary;
  csrf: string | null;
  values: RequestFormValues;
  windows: readonly MaintenanceWindow[];
  schedules: readonly VendorSchedule[];
  isVendor: boolean;
  /** Set when the site's required approvals cannot be met by people other than the requester. */
  quorumWarning: string | null;
}) {
  const s = props.site;
  return (
    <form class="card" method="post" action="/requests">
      <Csrf token={props.csrf} />
      <input type="hidden" name="site" value={s.site.id} />
      <p>
        Site <strong>{s.site.displayName}</strong> ({s.site.id}). Times are in the site's timezone,{' '}
        <strong>{s.site.timezone}</strong>.
        {s.policy.requiredApprovals > 1 &&
          ` Needs ${s.policy.requiredApprovals} OT-owner approvals.`}
      </p>
      {props.quorumWarning !== null && (
        <p class="notice error quorum-warning">
          A request from you here cannot be approved as things stand: {props.quorumWarning}.
        </p>
      )}
      {s.assets.length === 0 ? (
        <p class="notice error">
          {s.jobScoped
            ? 'None of your job schedules at this site names an asset; ask its OT owners.'
            : 'This site has published no assets yet (its OT gateway has not connected).'}
        </p>
      ) : (
        <AssetPicks site={s} picks={props.values.picks} />
      )}
      <label for="start">Start ({s.site.timezone})</label>
      <input type="datetime-local" id="start" name="start" required value={props.values.start} />
      <label for="end">End ({s.site.timezone})</label>
      <input type="datetime-local" id="end" name="end" required value={props.values.end} />
      <label for="reason">Reason</label>
      <textarea id="reason" name="reason" required maxlength={1000}>
        {props.values.reason}
      </textarea>
      <label for="ticketRef">
        Ticket reference
        {s.policy.ticketPattern !== null && ` (required, format ${s.policy.ticketPattern})`}
      </label>
      <input
        type="text"
        id="ticketRef"
        name="ticketRef"
        maxlength={64}
        value={props.values.ticketRef}
        required={s.policy.ticketPattern !== null}
      />
      <div class="actions">
        <button type="submit">Send request</button>
      </div>
      <h2>Maintenance windows</h2>
      <p class="muted">A request must fall inside a maintenance window of each asset.</p>
      {props.windows.length === 0 ? (
        <p class="muted">No window is defined for this site.</p>
      ) : (
        <ul>
          {props.windows.map((w) => (
            <li>
              {w.asset ?? 'all assets'}: {w.description} — {w.label}
            </li>
          ))}
        </ul>
      )}
      {props.isVendor && (
        <>
          <h2>Your job schedules</h2>
          {props.schedules.length === 0 ? (
            <p class="muted">You have no job schedule at this site.</p>
          ) : (
            <ul>
              {props.schedules.map((x) => (
                <li>
                  {x.asset} ({x.profile}): {x.description} — {x.label}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </form>
  );
}
