/** Sites: list with link state and lockdown; one site with assets, windows, schedules, lockdown. */
import {
  type SiteSummary,
  type GrantView,
  type RequestView,
  type MaintenanceWindow,
  type VendorSchedule,
  WEEKDAYS_MONDAY_FIRST,
} from '../../access/access.js';
import { Csrf, PostButton, StateBadge } from './layout.js';
import { EvidencePackForm } from './evidence-pages.js';
import { GrantTable, RequestTable } from './access-pages.js';
import { siteTime } from './format.js';
import { ApprovalModeNote, type ApprovalModeView } from './owner-approve-pages.js';

function LinkBadge(props: { s: SiteSummary }) {
  return <StateBadge state={props.s.link.state} />;
}

export function SitesList(props: { sites: readonly SiteSummary[] }) {
  if (props.sites.length === 0) return <p class="muted">No site is visible to you.</p>;
  return (
    <table class="stack">
      <thead>
        <tr>
          <th>Site</th>
          <th>Timezone</th>
          <th>OT gateway link</th>
          <th>Lockdown</th>
          <th>Assets</th>
          {props.sites.some((s) => !s.jobScoped) && <th>OT owners</th>}
        </tr>
      </thead>
      <tbody>
        {props.sites.map((s) => (
          <tr data-site={s.site.id}>
            <td data-label="Site">
              <a href={`/sites/${s.site.id}`}>{s.site.displayName}</a>{' '}
              <span class="muted">({s.site.id})</span>
            </td>
            <td data-label="Timezone">{s.site.timezone}</td>
            <td data-label="OT gateway link">
              <LinkBadge s={s} />{' '}
              {s.link.lastSeen !== null && (
                <span class="muted">last seen {siteTime(s.link.lastSeen, s.site.timezone)}</span>
              )}
            </td>
            <td data-label="Lockdown">
              {s.lockdown?.locked === true ? (
                <span class="badge locked">LOCKED DOWN</span>
              ) : (
                <span class="muted">no</span>
              )}
            </td>
            <td data-label="Assets">{s.assets.length}</td>
            {props.sites.some((x) => !x.jobScoped) && (
              <td data-label="OT owners">{s.owners.join(', ')}</td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function WindowForm(props: {
  site: SiteSummary;
  csrf: string | null;
  action: string;
  vendor: boolean;
}) {
  const s = props.site;
  return (
    <form class="card" method="post" action={props.action}>
      <Csrf token={props.csrf} />
      {props.vendor ? (
        <>
          <label for="vendor">Vendor account</label>
          <input type="text" id="vendor" name="vendor" required maxlength={32} />
          <label for="sched-asset">Asset and profile</label>
          <select id="sched-asset" name="pick" required>
            {s.assets.flatMap((a) =>
              a.profiles.map((p) => (
                <option value={`${a.name}:${p.name}`}>{`${a.name} (${p.name})`}</option>
              )),
            )}
          </select>
        </>
      ) : (
        <>
          <label for="win-asset">Applies to</label>
          <select id="win-asset" name="asset">
            <option value="">every asset of the site</option>
            {s.assets.map((a) => (
              <option value={a.name}>{a.name}</option>
            ))}
          </select>
        </>
      )}
      <label for={`${props.vendor ? 's' : 'w'}-label`}>Label</label>
      <input
        type="text"
        id={`${props.vendor ? 's' : 'w'}-label`}
        name="label"
        required
        maxlength={100}
      />
      <label for={`${props.vendor ? 's' : 'w'}-kind`}>Kind</label>
      <select id={`${props.vendor ? 's' : 'w'}-kind`} name="kind" data-kind-switch="1">
        <option value="weekly">weekly (wall-clock times in {s.site.timezone})</option>
        <option value="once">one-off</option>
      </select>
      <div data-kind="weekly">
        <div class="inline">
          {WEEKDAYS_MONDAY_FIRST.map((d) => (
            <label>
              <input type="checkbox" name="days" value={d} /> {d}
            </label>
          ))}
        </div>
        <label>From (HH:MM)</label>
        <input type="time" name="startTime" />
        <label>To (HH:MM; at or before the start means the next day)</label>
        <input type="time" name="endTime" />
      </div>
      <div data-kind="once">
        <label>Start ({s.site.timezone})</label>
        <input type="datetime-local" name="start" />
        <label>End ({s.site.timezone})</label>
        <input type="datetime-local" name="end" />
      </div>
      <div class="actions">
        <button type="submit">
          {props.vendor ? 'Add vendor schedule' : 'Add maintenance window'}
        </button>
      </div>
    </form>
  );
}

export interface SitePageProps {
  readonly s: SiteSummary;
  readonly csrf: string | null;
  readonly isOwner: boolean;
  /** Auditors and OT owners of the site, admins: an evidence pack button per window. */
  readonly canPack?: boolean;
  /** The site's approval mode as its OT gateway published it, for this viewer. */
  readonly approvals: ApprovalModeView;
  readonly windows: readonly MaintenanceWindow[];
  readonly schedules: readonly VendorSchedule[];
  readonly requests: readonly RequestView[] | null;
  readonly grants: readonly GrantView[] | null;
  /** An auditor of the site (sees its policy learning, read-only). */
  readonly isAuditor: boolean;
}

export function SitePage(props: SitePageProps) {
  const s = props.s;
  const tz = (): string => s.site.timezone;
  return (
    <>
      <section class="card">
        <p>
          Timezone <strong>{s.site.timezone}</strong>. OT gateway link: <LinkBadge s={s} />
          {s.link.gatewayVersion !== null && ` version ${s.link.gatewayVersion}`}
          {s.link.lastSeen !== null && `, last seen ${siteTime(s.link.lastSeen, s.site.timezone)}`}
          {s.link.clockOffsetMs !== null && `, clock offset ${s.link.clockOffsetMs} ms`}. Approvals
          required: {s.policy.requiredApprovals}.
          {s.policy.ticketPattern !== null && ` Ticket format: ${s.policy.ticketPattern}.`}
          {!s.jobScoped && ` OT owners: ${s.owners.join(', ') || 'none'}.`}
        </p>
        {s.jobScoped && (
          <p class="muted">
            You see the assets and profiles your job schedules here name; ask the site's OT owners
            for more.
          </p>
        )}
        {props.grants !== null && (
          <p>
            {props.isOwner && <a href={`/sites/${s.site.id}/sessions`}>Live sessions</a>}{' '}
            <a href={`/sites/${s.site.id}/recordings`}>Recordings</a>{' '}
            {props.isOwner && <a href={`/sites/${s.site.id}/notifications`}>Chat webhooks</a>}
          </p>
        )}
        {!s.jobScoped && <ApprovalModeNote m={props.approvals} enrollHint={false} />}
        {props.isOwner && (
          <p id="owner-signed-enroll">
            {props.approvals.enrolled
              ? 'Your passkey is enrolled at this site for owner-signed approvals. To enroll another, have '
              : 'Owner-signed approvals (set in the site’s OT local policy): the OT gateway accepts only approvals signed by owners’ passkeys enrolled there. To enroll yours, have '}
            <code>airlock-ot owner enroll-start {props.approvals.me}</code> run at the site, then{' '}
            <a href={`/sites/${s.site.id}/owner-enroll`}>enroll your passkey with its code</a>.
          </p>
        )}
        {s.lockdown?.locked === true && (
          <p class="notice alert">
            LOCKED DOWN by {s.lockdown.changedBy} at{' '}
            {siteTime(s.lockdown.changedAt, s.site.timezone)}: {s.lockdown.reason}
          </p>
        )}
        {(props.isOwner || props.isAuditor) && (
          <p id="site-ot-views">
            {props.isOwner && <a href={`/sites/${s.site.id}/discovery`}>Discovery</a>}{' '}
            <a href={`/sites/${s.site.id}/learning`}>Policy learning</a>
          </p>
        )}
      </section>
      {props.isOwner && <h2>Lockdown</h2>}
      {props.isOwner && (
        <form
          class="card"
          method="post"
          action={`/sites/${s.site.id}/lockdown`}
          data-confirm={
            s.lockdown?.locked === true
              ? 'Lift the lockdown?'
              : 'Lock the site down? Every live session ends.'
          }
        >
          <Csrf token={props.csrf} />
          <input
            type="hidden"
            name="action"
            value={s.lockdown?.locked === true ? 'lift' : 'lock'}
          />
          <label for="lock-reason">Reason</label>
          <input type="text" id="lock-reason" name="reason" required maxlength={500} />
          <div class="actions">
            <button type="submit" class={s.lockdown?.locked === true ? 'secondary' : 'danger'}>
              {s.lockdown?.locked === true ? 'Lift lockdown' : 'Lock site down'}
            </button>
          </div>
        </form>
      )}
      <h2>Assets (published by the site's OT gateway)</h2>
      {s.assets.length === 0 ? (
        <p class="muted">No catalogue yet.</p>
      ) : (
        <table class="stack">
          <thead>
            <tr>
              <th>Asset</th>
              <th>Protocol</th>
              {!s.jobScoped && <th>Address</th>}
              <th>Profiles</th>
            </tr>
          </thead>
          <tbody>
            {s.assets.map((a) => (
              <tr>
                <td data-label="Asset">
                  {a.name} <span class="muted">{a.description}</span>
                </td>
                <td data-label="Protocol">{a.protocol}</td>
                {!s.jobScoped && (
                  <td data-label="Address">
                    {a.address}:{a.servicePort}
                  </td>
                )}
                <td data-label="Profiles">{a.profiles.map((p) => p.name).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Maintenance windows</h2>
      {props.windows.length === 0 ? (
        <p class="muted">None: nobody can request access here until an OT owner defines one.</p>
      ) : (
        <table class="stack">
          <tbody>
            {props.windows.map((w) => (
              <tr>
                <td data-label="Applies to">{w.asset ?? 'all assets'}</td>
                <td data-label="When">{w.description}</td>
                <td data-label="Label">{w.label}</td>
                <td>
                  {props.canPack === true && (
                    <EvidencePackForm
                      action={`/windows/${w.id}/evidence-pack`}
                      csrf={props.csrf}
                      label="Evidence pack (last occurrence)"
                    />
                  )}
                  {props.isOwner && (
                    <PostButton
                      action={`/windows/${w.id}/delete`}
                      csrf={props.csrf}
                      label="Remove"
                      confirm="Remove this window?"
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.isOwner && (
        <WindowForm
          site={s}
          csrf={props.csrf}
          action={`/sites/${s.site.id}/windows`}
          vendor={false}
        />
      )}
      <h2>Vendor job schedules</h2>
      {props.schedules.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <table class="stack">
          <tbody>
            {props.schedules.map((x) => (
              <tr>
                <td data-label="Vendor">{x.vendor.name}</td>
                <td data-label="Asset (profile)">
                  {x.asset} ({x.profile})
                </td>
                <td data-label="When">{x.description}</td>
                <td data-label="Label">{x.label}</td>
                <td>
                  {props.isOwner && (
                    <PostButton
                      action={`/schedules/${x.id}/delete`}
                      csrf={props.csrf}
                      label="Remove"
                      confirm="Remove this schedule?"
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.isOwner && s.assets.length > 0 && (
        <WindowForm
          site={s}
          csrf={props.csrf}
          action={`/sites/${s.site.id}/schedules`}
          vendor={true}
        />
      )}
      {props.grants !== null && (
        <>
          <h2>Grants</h2>
          <p>
            <a href={`/grants?site=${s.site.id}`}>Search and filter the grants</a>
          </p>
          <GrantTable grants={props.grants} tz={tz} showUser={true} />
        </>
      )}
      {props.requests !== null && (
        <>
          <h2>Requests</h2>
          <p>
            <a href={`/requests?site=${s.site.id}`}>Search and filter the requests</a>
          </p>
          <RequestTable requests={props.requests} tz={tz} showRequester={true} />
        </>
      )}
    </>
  );
}
