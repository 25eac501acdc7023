/** The auditor's pages: search, the one-asset page, exports with progress, four-eyes playback. */
import type { AssetPageView, AssetSessionView, ExportJobStatus } from '../../audit/audit.js';
import type { PlaybackGate, PlaybackRequest } from '../../recording/recording.js';
import type { Child } from 'hono/jsx';
import { EventsTable, HitList } from './audit-event-views.js';
import { siteTime, siteTimeSeconds } from './format.js';
import { Csrf, PostButton } from './layout.js';

export interface RangeValues {
  readonly from: string;
  readonly to: string;
}

export interface SearchValues extends RangeValues {
  readonly actor: string;
  readonly asset: string;
  readonly area: string;
  readonly action: string;
  readonly outcome: string;
}

const OUTCOMES = ['', 'success', 'failure', 'denied'] as const;

function HeadRow(props: { cols: readonly string[] }) {
  return (
    <thead>
      <tr>
        {props.cols.map((c) => (
          <th>{c}</th>
        ))}
      </tr>
    </thead>
  );
}

export function AuditHome(props: { sites: readonly string[] }) {
  if (props.sites.length === 0) return <p class="muted">You audit no site.</p>;
  return (
    <table class="stack">
      <tbody>
        {props.sites.map((site) => (
          <tr>
            <td data-label="Site">{site}</td>
            <td>
              <a href={`/sites/${site}/audit`}>Search events</a>
            </td>
            <td>
              <a href={`/sites/${site}/exports`}>Export</a>
            </td>
            <td>
              <a href={`/sites/${site}/recordings`}>Recordings</a>
            </td>
            <td>
              <a href={`/sites/${site}/playback`}>Playback approvals</a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RangeInputs(props: { values: RangeValues; tz: string }) {
  return (
    <>
      <div>
        <label for="from">From ({props.tz})</label>
        <input type="datetime-local" id="from" name="from" required value={props.values.from} />
      </div>
      <div>
        <label for="to">To ({props.tz})</label>
        <input type="datetime-local" id="to" name="to" required value={props.values.to} />
      </div>
    </>
  );
}

/** One labelled field of a filter form (a flex item of `form.filters`). */
function Field(props: { id: string; label: string; children?: Child }) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      {props.children}
    </div>
  );
}

export function SearchForm(props: {
  site: string;
  values: SearchValues;
  tz: string;
  areas: readonly string[];
}) {
  const v = props.values;
  return (
    <form method="get" action={`/sites/${props.site}/audit`} class="search filters">
      <RangeInputs values={v} tz={props.tz} />
      <Field id="actor" label="User">
        <input type="text" id="actor" name="actor" value={v.actor} />
      </Field>
      <Field id="asset" label="Asset">
        <input type="text" id="asset" name="asset" value={v.asset} />
      </Field>
      <Field id="area" label="Area">
        <select id="area" name="area">
          {['', ...props.areas].map((a) => (
            <option value={a} selected={v.area === a}>
              {a === '' ? 'any' : a}
            </option>
          ))}
        </select>
      </Field>
      <Field id="action" label="Exact action (optional)">
        <input type="text" id="action" name="action" value={v.action} placeholder="ssh.command" />
      </Field>
      <Field id="outcome" label="Outcome">
        <select id="outcome" name="outcome">
          {OUTCOMES.map((o) => (
            <option value={o} selected={v.outcome === o}>
              {o === '' ? 'any' : o}
            </option>
          ))}
        </select>
      </Field>
      <div>
        <button type="submit">Search</button>
      </div>
    </form>
  );
}

function SessionSection(props: { s: AssetSessionView; tz: string }) {
  const s = props.s;
  const when = (ms: number | null, none: string) =>
    ms === null ? none : siteTimeSeconds(ms, props.tz);
  return (
    <section class="session" data-session={s.sessionId}>
      <h3>
        {s.user}, session <code>{s.sessionId}</code>
      </h3>
      <p>
        From {when(s.start, 'before the range')} to {when(s.end, 'after the range or still open')}.
      </p>
      <p class="grant">
        Grant {s.grantId === null ? 'unknown' : <code>{s.grantId}</code>}
        {s.requestId !== null && (
          <>
            {' '}
            for request <code>{s.requestId}</code>
            {s.requestedBy !== null && ` by ${s.requestedBy}`}
          </>
        )}
        ; approved by{' '}
        <span class="approvers">
          {s.approvals.length === 0
            ? 'nobody (no approval is recorded for this grant)'
            : s.approvals
                .map((a) => `${a.approver} (${siteTimeSeconds(a.time, props.tz)})`)
                .join(', ')}
        </span>
        .
      </p>
      <h4>Commands</h4>
      <HitList hits={s.commands} tz={props.tz} empty="No command recorded." />
      <h4>Protocol writes</h4>
      <HitList hits={s.writes} tz={props.tz} empty="No protocol write." />
      <p>
        Recording:{' '}
        {s.recording === null ? (
          'none at the IT gateway'
        ) : s.recording.playable ? (
          <a href={`/recordings/${s.sessionId}`}>play</a>
        ) : (
          s.recording.status
        )}
      </p>
    </section>
  );
}

export function AssetPage(props: { view: AssetPageView; tz: string; range: RangeValues }) {
  const v = props.view;
  return (
    <>
      <form
        method="get"
        action={`/sites/${v.site}/audit/assets/${encodeURIComponent(v.asset)}`}
        class="filters"
      >
        <RangeInputs values={props.range} tz={props.tz} />
        <div>
          <button type="submit">Show</button>
        </div>
      </form>
      {v.incomplete && (
        <p class="notice error">The range holds more events than one page reads: narrow it.</p>
      )}
      <h2>Sessions ({v.sessions.length})</h2>
      {v.sessions.length === 0 && (
        <p class="muted">Nobody had a session on {v.asset} in this range.</p>
      )}
      {v.sessions.map((s) => (
        <SessionSection s={s} tz={props.tz} />
      ))}
      <h2>Every event on {v.asset} and its sessions, grants and requests</h2>
      <EventsTable site={v.site} hits={v.events} tz={props.tz} range={props.range} />
    </>
  );
}

export function ExportsPage(props: {
  site: string;
  jobs: readonly ExportJobStatus[];
  tz: string;
  range: RangeValues;
  publicKey: string;
  csrf: string | null;
  /** The four-eyes part (what it means, the form to ask, the requests) when the site requires it. */
  fourEyes: Child;
}) {
  const running = props.jobs.some((j) => j.state === 'running');
  return (
    <>
      <p>
        Bundles are signed with the IT gateway's audit key. Check one anywhere with{' '}
        <code>airlock-it verify-export &lt;bundle&gt; --public-key={props.publicKey}</code>
      </p>
      <p>
        IT audit public key (Ed25519): <code id="audit-public-key">{props.publicKey}</code>
      </p>
      <form method="post" action={`/sites/${props.site}/exports`} class="filters">
        <Csrf token={props.csrf} />
        <RangeInputs values={props.range} tz={props.tz} />
        <div>
          <button type="submit">Export</button>
        </div>
      </form>
      {props.fourEyes}
      {props.jobs.length === 0 ? (
        <p class="muted">No export of this site since the gateway started.</p>
      ) : (
        <table class="stack" {...(running ? { 'data-poll-seconds': '2' } : {})}>
          <HeadRow cols={['Export', 'Range', 'By', 'State', 'Progress', 'Bundle']} />
          <tbody>
            {props.jobs.map((j) => (
              <tr class="export" data-export={j.id} data-state={j.state}>
                <td data-label="Export">
                  <code>{j.id}</code>
                </td>
                <td data-label="Range">
                  {siteTime(j.from, props.tz)} – {siteTime(j.to, props.tz)}
                </td>
                <td data-label="By">{j.requestedBy}</td>
                <td data-label="State">
                  {j.state === 'failed' ? `failed: ${j.error ?? ''}` : j.state}
                </td>
                <td data-label="Progress">
                  <progress max={Math.max(1, j.progress.total)} value={j.progress.done}></progress>{' '}
                  {j.progress.phase} {j.progress.done}/{j.progress.total}
                </td>
                <td data-label="Bundle">
                  {j.bundle !== undefined && (
                    <>
                      <a href={`/exports/${j.id}/bundle`}>Download</a> ({j.bundle.bytes} bytes,
                      SHA-256 <code>{j.bundle.sha256}</code>)
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function PlaybackPage(props: {
  site: string;
  fourEyes: boolean;
  canSet: boolean;
  canDecide: boolean;
  me: string;
  requests: readonly PlaybackRequest[];
  tz: string;
  csrf: string | null;
}) {
  return (
    <>
      <p>
        Four-eyes playback is{' '}
        {props.fourEyes
          ? 'on: a recording plays only after a second auditor or OT owner approves the request'
          : 'off: auditors and OT owners of the site play recordings directly'}
        .
      </p>
      {props.canSet && (
        <form method="post" action={`/sites/${props.site}/playback-policy`}>
          <Csrf token={props.csrf} />
          <input type="hidden" name="fourEyes" value={props.fourEyes ? 'off' : 'on'} />
          <button type="submit">
            {props.fourEyes ? 'Turn four-eyes playback off' : 'Require four-eyes playback'}
          </button>
        </form>
      )}
      {props.requests.length === 0 ? (
        <p class="muted">No playback request.</p>
      ) : (
        <table>
          <HeadRow cols={['Asked', 'By', 'Recording', 'Reason', 'State', 'Decide']} />
          <tbody>
            {props.requests.map((r) => (
              <tr class="play-request" data-request={r.id} data-state={r.state}>
                <td data-label="Asked">{siteTime(r.createdAt, props.tz)}</td>
                <td data-label="By">{r.requester}</td>
                <td data-label="Recording">
                  <code>{r.sessionId}</code>
                </td>
                <td data-label="Reason">{r.reason}</td>
                <td data-label="State">
                  {r.state}
                  {r.decidedBy !== null && ` by ${r.decidedBy}`}
                  {r.expiresAt !== null && `, until ${siteTime(r.expiresAt, props.tz)}`}
                </td>
                <td data-label="Decide">
                  {r.state === 'pending' && props.canDecide && r.requester !== props.me && (
                    <>
                      <PostButton
                        action={`/playback-requests/${r.id}/approve`}
                        csrf={props.csrf}
                        label="Approve"
                      />
                      <PostButton
                        action={`/playback-requests/${r.id}/refuse`}
                        csrf={props.csrf}
                        label="Refuse"
                        kind="danger"
                      />
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const GATE_TEXT: Readonly<Record<Exclude<PlaybackGate, { allowed: true }>['reason'], string>> = {
  four_eyes_required:
    'This site requires a second person to approve before a recording plays. Say why you need it; an auditor or OT owner of the site decides.',
  pending: 'Your request is waiting for a second auditor or OT owner of the site.',
  refused: 'Your last request was refused. You may ask again.',
  expired: 'Your approval has lapsed. You may ask again.',
};

export function FourEyesPage(props: {
  sessionId: string;
  gate: Exclude<PlaybackGate, { allowed: true }>;
  caption: string;
  csrf: string | null;
}) {
  const g = props.gate;
  return (
    <>
      <p>{props.caption}</p>
      <p class="notice" data-gate={g.reason}>
        {GATE_TEXT[g.reason]}
      </p>
      {g.reason !== 'pending' && (
        <form method="post" action={`/recordings/${props.sessionId}/playback-requests`}>
          <Csrf token={props.csrf} />
          <label for="reason">Reason</label>
          <input type="text" id="reason" name="reason" required minlength={3} maxlength={300} />
          <button type="submit">Ask for approval</button>
        </form>
      )}
    </>
  );
}
