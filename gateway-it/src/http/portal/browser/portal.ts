/**
 * The portal's one script, served as /static/portal.js (a classic script, CSP script-src 'self').
 * It only adds conveniences, and every page works without it:
 *  - a confirm dialog before a form is sent when its submit button (or, failing that, the form)
 *    carries `data-confirm`;
 *  - a `select[data-kind-switch]` shows only the `[data-kind]` fields of its form that match the
 *    chosen kind;
 *  - a page with a `[data-poll-seconds]` element (work in progress, e.g. an export) reloads itself
 *    after that many seconds.
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
