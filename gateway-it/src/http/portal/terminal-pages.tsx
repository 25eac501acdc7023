/** Pages of the web terminal, live supervision and recording playback (all driven by /static/terminal.js). */
import type { LiveSession } from '../../sessions/sessions.js';
import { Csrf } from './layout.js';
import { siteTime } from './format.js';

/** The xterm files and the terminal script; in the body so the layout stays the same for every page. */
function TerminalScripts() {
  return (
    <>
      <link rel="stylesheet" href="/static/xterm.css" />
      <link rel="stylesheet" href="/static/terminal.css" />
      <script src="/static/xterm.js" defer></script>
      <script src="/static/addon-fit.js" defer></script>
      <script src="/static/terminal.js" defer></script>
    </>
  );
}

export function TerminalPage(props: { site: string; asset: string; csrf: string | null }) {
  const ws = `/terminal/v1/open?site=${encodeURIComponent(props.site)}&asset=${encodeURIComponent(props.asset)}`;
  return (
    <>
      <p>
        <span id="term-status" role="status" data-state="connecting">
          loading…
        </span>
      </p>
      <div id="terminal" data-mode="open" data-ws={ws} data-csrf={props.csrf ?? ''}></div>
      <p class="muted">
        Everything you type and see is recorded by the site's OT gateway. The session ends when your
        grant ends.
      </p>
      <TerminalScripts />
    </>
  );
}

/** Owners get a Watch link (the end form is on the watch page); admins, who do not watch, an end form per row. */
export function LiveSessionsTable(props: {
  sessions: readonly LiveSession[];
  tz: string;
  csrf: string | null;
  canWatch: boolean;
}) {
  if (props.sessions.length === 0) return <p class="muted">No live session at this site.</p>;
  return (
    <table class="stack">
      <thead>
        <tr>
          <th>User</th>
          <th>Asset</th>
          <th>Profile</th>
          <th>Via</th>
          <th>Since</th>
          <th>Grant ends</th>
          <th>Watchers</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        {props.sessions.map((s) => (
          <tr class="live-session" data-session={s.id}>
            <td data-label="User">{s.info.userName}</td>
            <td data-label="Asset">
              {s.info.asset} ({s.info.protocol})
              {s.info.breakGlass && <span class="badge break-glass">BREAK-GLASS</span>}
            </td>
            <td data-label="Profile">{s.info.profile}</td>
            <td data-label="Via">{s.info.via}</td>
            <td data-label="Since">{siteTime(s.info.startedAt, props.tz)}</td>
            <td data-label="Grant ends">{siteTime(s.info.notAfter, props.tz)}</td>
            <td data-label="Watchers">{s.watcherCount}</td>
            <td>
              {props.canWatch ? (
                s.info.protocol === 'ssh' &&
                s.info.channel === 'ssh-session' && <a href={`/sessions/${s.id}/watch`}>Watch</a>
              ) : (
                <form
                  method="post"
                  action={`/sessions/${s.id}/end`}
                  data-confirm="End this session now?"
                >
                  <Csrf token={props.csrf} />
                  <input
                    type="text"
                    name="reason"
                    required
                    maxlength={300}
                    placeholder="reason"
                    aria-label="reason for ending the session"
                  />
                  <button type="submit" class="danger">
                    End
                  </button>
                </form>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function EndSessionForm(props: { sessionId: string; csrf: string | null }) {
  return (
    <form
      class="card"
      method="post"
      action={`/sessions/${props.sessionId}/end`}
      data-confirm="End this session now?"
    >
      <Csrf token={props.csrf} />
      <label for="reason">Reason for ending the session</label>
      <input type="text" id="reason" name="reason" required maxlength={300} />
      <div class="actions">
        <button type="submit" class="danger">
          End session
        </button>
      </div>
    </form>
  );
}

export function WatchPage(props: { session: LiveSession; csrf: string | null; tz: string }) {
  const s = props.session.info;
  return (
    <>
      <p>
        {s.userName} on {s.site}/{s.asset} ({s.profile}, via {s.via}) since{' '}
        {siteTime(s.startedAt, props.tz)}.{' '}
        <span id="term-status" role="status" data-state="connecting">
          loading…
        </span>
      </p>
      <div
        id="terminal"
        data-mode="watch"
        data-ws={`/terminal/v1/watch?session=${encodeURIComponent(s.id)}`}
        data-csrf={props.csrf ?? ''}
      ></div>
      <p class="muted">
        Read-only: you see the operator's output from the moment you opened this page. Your watching
        is audited.
      </p>
      <EndSessionForm sessionId={s.id} csrf={props.csrf} />
      <TerminalScripts />
    </>
  );
}

export function ReplayPage(props: { src: string; caption: string }) {
  return (
    <>
      <p>{props.caption}</p>
      <div class="player">
        <button type="button" id="pause">
          Pause
        </button>
        <label for="speed">Speed</label>
        <select id="speed">
          <option value="0.5">0.5×</option>
          <option value="1" selected>
            1×
          </option>
          <option value="2">2×</option>
          <option value="4">4×</option>
          <option value="16">16×</option>
        </select>
        <span id="term-status" role="status" data-state="connecting">
          loading…
        </span>
      </div>
      <div id="terminal" data-mode="replay" data-src={props.src}></div>
      <TerminalScripts />
    </>
  );
}
