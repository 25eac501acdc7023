/**
 * The recordings list of a site: a search box (user, asset or session id) and a status filter,
 * applied by the server (the query is zod-parsed: recordingFilterSchema), and the table, which
 * stacks into cards on a phone. Who may see the list is RecordingLibrary's rule.
 */
import {
  RECORDING_STATUSES,
  type RecordingFilter,
  type RecordingView,
} from '../../recording/recording.js';
import { siteTime } from './format.js';

export function RecordingsFilterForm(props: { site: string; filter: RecordingFilter }) {
  const status = props.filter.status ?? '';
  return (
    <form method="get" action={`/sites/${props.site}/recordings`} class="filters" role="search">
      <div>
        <label for="q">User, asset or session</label>
        <input type="text" id="q" name="q" value={props.filter.q ?? ''} maxlength={100} />
      </div>
      <div>
        <label for="status">State</label>
        <select id="status" name="status">
          {['', ...RECORDING_STATUSES].map((s) => (
            <option value={s} selected={status === s}>
              {s === '' ? 'any' : s}
            </option>
          ))}
        </select>
      </div>
      <div>
        <button type="submit">Search</button>
      </div>
    </form>
  );
}

export function RecordingsTable(props: {
  recordings: readonly RecordingView[];
  tz: string;
  filtered: boolean;
}) {
  if (props.recordings.length === 0)
    return (
      <p class="muted">
        {props.filtered
          ? 'No recording matches.'
          : 'No recording has reached the IT gateway for this site yet.'}
      </p>
    );
  return (
    <table class="stack recordings">
      <thead>
        <tr>
          <th>Session</th>
          <th>User</th>
          <th>Asset</th>
          <th>Started ({props.tz})</th>
          <th>Size</th>
          <th>State</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        {props.recordings.map((r) => (
          <tr class="recording" data-session={r.sessionId}>
            <td data-label="Session">
              <code>{r.sessionId}</code>
            </td>
            <td data-label="User">{r.userName}</td>
            <td data-label="Asset">{r.asset}</td>
            <td data-label="Started">{siteTime(r.startedAt, props.tz)}</td>
            <td data-label="Size">{r.size ?? r.heldBytes} bytes</td>
            <td data-label="State">
              <span
                class={`badge ${r.status === 'verified' ? 'active' : r.status === 'rejected' ? 'denied' : 'pending'}`}
              >
                {r.status}
              </span>
              {r.problem !== null && <span class="muted"> {r.problem}</span>}
            </td>
            <td data-label="">{r.playable && <a href={`/recordings/${r.sessionId}`}>Play</a>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
