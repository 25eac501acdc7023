/**
 * The passkey forms' script, served as /static/passkeys.js after /static/webauthn.js (the bundled
 * @simplewebauthn/browser; both classic scripts, CSP script-src 'self'). A form with
 * `data-passkey="register"` or `"authenticate"` carries its ceremony's options as JSON in
 * `data-passkey-options`; on submit this runs the ceremony, writes the result (JSON) into the
 * form's hidden `response` field and sends the form. A failure (cancelled, no passkey, timeout)
 * is shown in the form's `[data-passkey-status]` and nothing is sent. A page opened at another
 * host than the passkeys' RP id (e.g. the IP address instead of the name) says where passkeys
 * work instead of offering a ceremony the browser would refuse. The gateway checks everything:
 * this script only carries the browser's answer.
 */

/** The RP id a form's options name (`rpId` for an assertion, `rp.id` for a registration). */
function rpIdOf(form: HTMLFormElement): string | undefined {
  try {
    const o = JSON.parse(form.getAttribute('data-passkey-options') ?? 'null') as {
      rpId?: unknown;
      rp?: { id?: unknown };
    } | null;
    const id = o?.rpId ?? o?.rp?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll<HTMLFormElement>('form[data-passkey]').forEach((form) => {
    const rpId = rpIdOf(form);
    const host = location.hostname;
    if (rpId === undefined || host === rpId || host.endsWith(`.${rpId}`)) return;
    form.querySelectorAll('button').forEach((b) => (b.disabled = true));
    const status = form.querySelector('[data-passkey-status]');
    if (status !== null) {
      const port = location.port === '' ? '' : `:${location.port}`;
      status.textContent = `Passkeys work only at https://${rpId}${port}/ (this page is ${host}).`;
      status.setAttribute('data-state', 'elsewhere');
    }
  });
});
document.addEventListener('submit', (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement)) return;
  const kind = form.getAttribute('data-passkey');
  if (kind !== 'register' && kind !== 'authenticate') return;
  const field = form.querySelector<HTMLInputElement>('input[name=response]');
  if (field === null || field.value !== '') return;
  e.preventDefault();
  void runCeremony(form, kind, field);
});

async function runCeremony(
  form: HTMLFormElement,
  kind: 'register' | 'authenticate',
  field: HTMLInputElement,
): Promise<void> {
  const status = form.querySelector<HTMLElement>('[data-passkey-status]');
  const show = (state: string, text: string): void => {
    if (status === null) return;
    status.textContent = text;
    status.setAttribute('data-state', state);
  };
  const buttons = form.querySelectorAll<HTMLButtonElement>('button');
  buttons.forEach((b) => (b.disabled = true));
  show('waiting', 'Waiting for your passkey…');
  try {
    const options = JSON.parse(form.getAttribute('data-passkey-options') ?? 'null') as unknown;
    const result =
      kind === 'register'
        ? await SimpleWebAuthnBrowser.startRegistration({
            optionsJSON: options as Parameters<
              typeof SimpleWebAuthnBrowser.startRegistration
            >[0]['optionsJSON'],
          })
        : await SimpleWebAuthnBrowser.startAuthentication({
            optionsJSON: options as Parameters<
              typeof SimpleWebAuthnBrowser.startAuthentication
            >[0]['optionsJSON'],
          });
    field.value = JSON.stringify(result);
    show('sending', 'Checking…');
    form.submit();
  } catch (err) {
    buttons.forEach((b) => (b.disabled = false));
    const message = err instanceof Error ? err.message : String(err);
    show('failed', `The passkey did not answer: ${message}. Reload the page to try again.`);
  }
}
