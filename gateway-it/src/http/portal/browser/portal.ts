/**
 * The portal's one script, served as /static/portal.js (a classic script, CSP script-src 'self').
 * It only adds conveniences, and every page works without it:
 *  - a confirm dialog before a form is sent when its submit button (or, failing that, the form)
 *    carries `data-confirm`;
 *  - a `select[data-kind-switch]` shows only the `[data-kind]` fields of its form that match the
 *    chosen kind;
 *  - a page with a `[data-poll-seconds]` element (work in progress, e.g. an export) reloads itself
 *    after that many seconds;
 *  - the header's live count of what waits (server-sent events), which also refreshes the
 *    dashboard, inbox and review pages in place (below).
 */
document.addEventListener('submit', (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement)) return;
  const button = e.submitter ?? form.querySelector('[data-confirm]');
  // An empty attribute on the button defers to the form's, as an absent one does.
  const text = button?.getAttribute('data-confirm') || form.getAttribute('data-confirm');
  if (text && !window.confirm(text)) e.preventDefault();
});

function syncKinds(): void {
  document.querySelectorAll<HTMLSelectElement>('select[data-kind-switch]').forEach((s) => {
    s.form?.querySelectorAll<HTMLElement>('[data-kind]').forEach((f) => {
      f.hidden = f.getAttribute('data-kind') !== s.value;
    });
  });
}
document.addEventListener('change', (e) => {
  if (e.target instanceof Element && e.target.matches('select[data-kind-switch]')) syncKinds();
});
document.addEventListener('DOMContentLoaded', syncKinds);

document.addEventListener('DOMContentLoaded', () => {
  const poll = document.querySelector('[data-poll-seconds]');
  if (poll !== null)
    setTimeout(() => location.reload(), 1000 * Number(poll.getAttribute('data-poll-seconds')));
});

/*
 * What waits, live: the header's `a[data-pending-stream]` (OT owners and auditors) listens to the
 * server-sent counts and shows their total; when they change, the dashboard, inbox, review and
 * playback pages fetch themselves again and swap their main part, so new items appear without a
 * reload (not while the person is typing in a field of that page).
 */
interface PendingCounts {
  readonly requests: number;
  readonly reviews: number;
  readonly playbacks: number;
}

function parseCounts(text: string): PendingCounts | undefined {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const n = (k: string): number => (typeof v[k] === 'number' ? (v[k] as number) : 0);
    return { requests: n('requests'), reviews: n('reviews'), playbacks: n('playbacks') };
  } catch {
    return undefined;
  }
}

/** Pages that list what waits: the dashboard, inbox, reviews and a site's playback requests. */
const LIVE_PAGE = /^\/(inbox|reviews)?$|^\/sites\/[^/]+\/playback$/;

async function refreshMain(): Promise<void> {
  if (!LIVE_PAGE.test(location.pathname)) return;
  const typing = document.activeElement;
  if (
    (typing instanceof HTMLInputElement || typing instanceof HTMLTextAreaElement) &&
    typing.value !== ''
  )
    return;
  const res = await fetch(location.pathname, { credentials: 'same-origin' });
  if (!res.ok) return;
  const fresh = new DOMParser()
    .parseFromString(await res.text(), 'text/html')
    .querySelector('main');
  const main = document.querySelector('main');
  if (fresh !== null && main !== null) main.replaceWith(document.adoptNode(fresh));
}

document.addEventListener('DOMContentLoaded', () => {
  const badge = document.querySelector<HTMLAnchorElement>('a[data-pending-stream]');
  const url = badge?.getAttribute('data-pending-stream');
  if (badge === null || !url || typeof EventSource === 'undefined') return;
  const source = new EventSource(url);
  let seen: string | null = null;
  source.addEventListener('pending', (e) => {
    const data = (e as MessageEvent<string>).data;
    const c = parseCounts(data);
    if (c === undefined) return;
    const total = c.requests + c.reviews + c.playbacks;
    badge.textContent = `${total} waiting`;
    badge.title = `${c.requests} request(s) to decide, ${c.reviews} command line(s) to review, ${c.playbacks} playback(s) to approve`;
    badge.setAttribute('data-total', String(total));
    badge.hidden = total === 0;
    if (seen !== null && seen !== data) void refreshMain();
    seen = data;
  });
});
