/** The page frame: navigation by role, the break-glass alert banner for OT owners, notices. */
import type { Child } from 'hono/jsx';
import type { User } from '../../store/store.js';
import type { GrantView } from '../../access/access.js';
import { omitUndefined } from '../../../../shared/src/omit-undefined.js';

export interface PageFrame {
  readonly user?: User | undefined;
  readonly csrf?: string | null | undefined;
  /** Break-glass grants at sites the user owns that still need a review. */
  readonly alerts?: readonly GrantView[] | undefined;
  readonly notice?: string | undefined;
  readonly error?: string | undefined;
}

const has = (u: User | undefined, role: string): boolean =>
  u?.roles.some((r) => r.role === role) === true;

export function Csrf(props: { token: string | null | undefined }) {
  return <input type="hidden" name="_csrf" value={props.token ?? ''} />;
}

export function Layout(props: PageFrame & { title: string; children?: Child }) {
  const u = props.user;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} · Airlock</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/static/portal.css" />
        <script src="/static/portal.js" defer></script>
      </head>
      <body>
        <header>
          <span class="brand">Airlock</span>
          {u !== undefined && (
            <>
              <a href="/">Dashboard</a>
              {(has(u, 'engineer') || has(u, 'vendor')) && (
                <a href="/requests/new">Request access</a>
              )}
              {u.canBreakGlass && <a href="/break-glass">Break-glass</a>}
              {has(u, 'ot-owner') && <a href="/inbox">Inbox</a>}
              {has(u, 'ot-owner') && <a href="/reviews">Reviews</a>}
              {(has(u, 'ot-owner') || has(u, 'auditor')) && (
                // Filled and shown by portal.js from the live count (GET /events/pending).
                <a
                  href={has(u, 'ot-owner') ? '/inbox' : '/sites'}
                  class="pending-count"
                  data-pending-stream="/events/pending"
                  hidden
                ></a>
              )}
              <a href="/sites">Sites</a>
              {(has(u, 'auditor') || has(u, 'admin')) && <a href="/audit">Audit</a>}
              {has(u, 'admin') && <a href="/admin/users">Users</a>}
              {has(u, 'admin') && <a href="/admin/sites">Site admin</a>}
              <span class="who">
                <a href="/account">
                  {u.displayName} ({u.name})
                </a>
                <form method="post" action="/logout">
                  <Csrf token={props.csrf} />
                  <button type="submit">Log out</button>
                </form>
              </span>
            </>
          )}
        </header>
        <main>
          {(props.alerts ?? []).map((g) => (
            <p class="notice alert" role="alert">
              BREAK-GLASS at {g.site}: {g.user.name} took emergency access to{' '}
              {g.assets.map((a) => a.asset).join(', ')} — <a href={`/grants/${g.id}`}>review it</a>
            </p>
          ))}
          {props.notice !== undefined && (
            <p class="notice ok" role="status">
              {props.notice}
            </p>
          )}
          {props.error !== undefined && (
            <p class="notice error" role="alert">
              {props.error}
            </p>
          )}
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A one-button form that posts to `action` with the CSRF token (remove, unlock, reset...). */
export function PostButton(props: {
  action: string;
  csrf: string | null | undefined;
  label: string;
  confirm?: string;
  kind?: 'secondary' | 'danger';
}) {
  return (
    <form method="post" action={props.action} {...omitUndefined({ 'data-confirm': props.confirm })}>
      <Csrf token={props.csrf} />
      <button type="submit" class={props.kind ?? 'secondary'}>
        {props.label}
      </button>
    </form>
  );
}

export function StateBadge(props: { state: string }) {
  return <span class={`badge ${props.state}`}>{props.state}</span>;
}

export function BreakGlassBadge(props: { on: boolean }) {
  return props.on ? <span class="badge break-glass">BREAK-GLASS</span> : <></>;
}
