/**
 * How an audit event reads on the auditor's pages: a table row with time (to the second, in the
 * site's zone, the zone named in the header), user, action, outcome and target, and a details view
 * per event (a <details> with a definition list of every field, nested values as nested lists), so
 * no cell holds a raw JSON blob and no table is wider than the page. The table stacks into one card
 * per event on a narrow screen (CSS `table.stack`, each cell labelled by `data-label`).
 *
 * Guarantees: every field of the event is shown, escaped by JSX; nothing is dropped or abbreviated
 * except that a value nested deeper than `MAX_DEPTH` is shown as its compact text. Not here: which
 * events a user may see (the routes and AuditSearch decide).
 */
import type { AuditSearchHit } from '../../audit/audit.js';
import { secondsTime } from './format.js';

const MAX_DEPTH = 3;

/**
 * Actions whose target is an asset (a session, a command, a protocol write): their target links to
 * the asset page. Other targets (a request, a grant, a user, a site) are shown as text.
 */
const ASSET_AREAS = new Set(['session', 'ssh', 'modbus', 'opcua']);
const targetsAsset = (action: string): boolean =>
  ASSET_AREAS.has(action.slice(0, action.indexOf('.'))) ||
  action === 'recording.play' ||
  action === 'recording.play_request';

/** `10:15:07` style times need a header naming the zone once: `Time (Europe/Berlin)`. */
export function timeHeader(tz: string): string {
  return `Time (${tz})`;
}

/** Detail keys that hold an instant in epoch milliseconds (`from`, `expiresAt`...): shown as site time. */
const isTimeKey = (key: string): boolean =>
  key === 'from' || key === 'to' || key === 'time' || key.endsWith('At') || key === 'notAfter';
/** Epoch ms between 2001 and 2286: a plausible instant, not a count. */
const isInstant = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 1e12 && v < 1e13;

function Value(props: { v: unknown; depth: number; name?: string; tz: string }) {
  const v = props.v;
  if (v === null || v === undefined) return <span class="muted">none</span>;
  if (props.name !== undefined && isTimeKey(props.name) && isInstant(v))
    return (
      <time datetime={new Date(v).toISOString()}>
        {secondsTime(v, props.tz)} {props.tz}
      </time>
    );
  if (typeof v === 'string') return <>{v}</>;
  if (typeof v === 'number' || typeof v === 'boolean') return <code>{String(v)}</code>;
  if (props.depth >= MAX_DEPTH) return <code>{JSON.stringify(v)}</code>;
  if (Array.isArray(v)) {
    if (v.length === 0) return <span class="muted">none</span>;
    if (v.every((x) => typeof x === 'string' || typeof x === 'number'))
      return <>{v.map(String).join(', ')}</>;
    return (
      <ol>
        {v.map((x) => (
          <li>
            <Value v={x} depth={props.depth + 1} tz={props.tz} />
          </li>
        ))}
      </ol>
    );
  }
  if (typeof v === 'object')
    return <Fields fields={v as Record<string, unknown>} depth={props.depth + 1} tz={props.tz} />;
  return <code>{String(v)}</code>;
}

function Fields(props: { fields: Readonly<Record<string, unknown>>; depth: number; tz: string }) {
  const keys = Object.keys(props.fields);
  if (keys.length === 0) return <span class="muted">none</span>;
  return (
    <dl class="fields">
      {keys.map((k) => (
        <>
          <dt>{k}</dt>
          <dd>
            <Value v={props.fields[k]} depth={props.depth} name={k} tz={props.tz} />
          </dd>
        </>
      ))}
    </dl>
  );
}

/** Every field of one event: where it is in which log, its id and hash, and its details. */
export function EventDetails(props: { hit: AuditSearchHit; tz: string }) {
  const e = props.hit.event;
  return (
    <details class="event-details">
      <summary>Details</summary>
      <dl class="fields">
        <dt>log</dt>
        <dd>
          {props.hit.log.toUpperCase()} #{e.seq}
        </dd>
        <dt>time</dt>
        <dd>
          {secondsTime(e.time, props.tz)} {props.tz} ({new Date(e.time).toISOString()})
        </dd>
        <dt>id</dt>
        <dd>
          <code>{e.id}</code>
        </dd>
        <dt>site</dt>
        <dd>{e.site ?? <span class="muted">none</span>}</dd>
        {Object.keys(e.details).map((k) => (
          <>
            <dt>{k}</dt>
            <dd>
              <Value v={e.details[k]} depth={1} name={k} tz={props.tz} />
            </dd>
          </>
        ))}
        <dt>hash</dt>
        <dd>
          <code class="hash">{e.hash}</code>
        </dd>
      </dl>
    </details>
  );
}

export function EventsTable(props: {
  site: string;
  hits: readonly AuditSearchHit[];
  tz: string;
  range: { readonly from: string; readonly to: string };
}) {
  if (props.hits.length === 0) return <p class="muted">No event matches.</p>;
  const assetLink = (asset: string) =>
    `/sites/${props.site}/audit/assets/${encodeURIComponent(asset)}?from=${encodeURIComponent(props.range.from)}&to=${encodeURIComponent(props.range.to)}`;
  const time = timeHeader(props.tz);
  return (
    <table class="events stack">
      <thead>
        <tr>
          <th>{time}</th>
          <th>User</th>
          <th>Action</th>
          <th>Outcome</th>
          <th>Target</th>
          <th>Details</th>
        </tr>
      </thead>
      <tbody>
        {props.hits.map((h) => (
          <tr class="event" data-action={h.event.action} data-log={h.log}>
            <td data-label={time}>
              <time datetime={new Date(h.event.time).toISOString()}>
                {secondsTime(h.event.time, props.tz)}
              </time>
            </td>
            <td data-label="User">{h.event.actor}</td>
            <td data-label="Action">
              <code>{h.event.action}</code>
            </td>
            <td data-label="Outcome">
              <span class={`badge ${h.event.outcome}`}>{h.event.outcome}</span>
            </td>
            <td data-label="Target">
              {h.event.target === null ? (
                ''
              ) : targetsAsset(h.event.action) ? (
                <a href={assetLink(h.event.target)}>{h.event.target}</a>
              ) : (
                h.event.target
              )}
            </td>
            <td data-label="Details">
              <EventDetails hit={h} tz={props.tz} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A session's commands or writes: time, action, outcome, the command (or a details view). */
export function HitList(props: { hits: readonly AuditSearchHit[]; tz: string; empty: string }) {
  if (props.hits.length === 0) return <p class="muted">{props.empty}</p>;
  return (
    <ul class="hits">
      {props.hits.map((h) => {
        const command = h.event.details.command;
        return (
          <li data-action={h.event.action}>
            {secondsTime(h.event.time, props.tz)} <code>{h.event.action}</code> {h.event.outcome}
            {typeof command === 'string' && (
              <>
                : <code>{command}</code>
              </>
            )}
            <EventDetails hit={h} tz={props.tz} />
          </li>
        );
      })}
    </ul>
  );
}
