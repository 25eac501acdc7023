/**
 * The passkey parts of the portal's pages: the "log in with a passkey" form on the login page, the
 * passkey form of the second-factor step, and the account's passkeys page. Each ceremony is a
 * plain form carrying its options (`data-passkey-options`, JSON); browser/passkeys.ts runs the
 * WebAuthn ceremony with the bundled @simplewebauthn/browser, puts the result in the hidden
 * `response` field and submits. Without scripts the forms do nothing harmful (an empty response
 * is refused like a wrong one); the TOTP paths work as before.
 */
import type { PasskeyView } from '../../auth/auth.js';
import { utcTime } from './format.js';
import { Csrf, PostButton } from './layout.js';

/** The two scripts a page with a passkey form loads after portal.js (CSP script-src 'self'). */
export function PasskeyScripts() {
  return (
    <>
      <script src="/static/webauthn.js" defer></script>
      <script src="/static/passkeys.js" defer></script>
    </>
  );
}

function Status() {
  return <p class="muted" data-passkey-status role="status"></p>;
}

/** Passwordless login on the login page (options bound to the pre-login cookie). */
export function PasskeyLoginForm(props: { pre: string; options: string }) {
  return (
    <form
      class="card"
      id="passkey-login"
      method="post"
      action="/login/passkey"
      data-passkey="authenticate"
      data-passkey-options={props.options}
    >
      <input type="hidden" name="_pre" value={props.pre} />
      <input type="hidden" name="response" value="" />
      <button type="submit" class="secondary">
        Log in with a passkey
      </button>
      <Status />
      <p class="muted">No password needed: your passkey verifies you (PIN or biometric).</p>
      <PasskeyScripts />
    </form>
  );
}

/** The second-factor step's passkey form (options bound to the login step). */
export function PasskeySecondFactorForm(props: { pre: string; options: string }) {
  return (
    <form
      class="card"
      id="passkey-second-factor"
      method="post"
      action="/login/mfa/passkey"
      data-passkey="authenticate"
      data-passkey-options={props.options}
    >
      <input type="hidden" name="_pre" value={props.pre} />
      <input type="hidden" name="response" value="" />
      <button type="submit">Use a passkey</button>
      <Status />
      <PasskeyScripts />
    </form>
  );
}

export function PasskeysBody(props: {
  csrf: string | null;
  passkeys: readonly PasskeyView[];
  /** Registration options (JSON), or why passkeys are off. */
  options: { json: string } | { unavailable: string };
  verificationRequired: boolean;
}) {
  return (
    <>
      <section class="card">
        <h2>Your passkeys</h2>
        <p>
          A passkey logs you in without a password (or replaces the code after your password). It
          stays on your device or security key; the gateway keeps only its public key.
          {props.verificationRequired &&
            ' Your role needs passkeys that verify you (PIN or biometric).'}
        </p>
        {props.passkeys.length === 0 ? (
          <p id="no-passkeys">No passkey registered yet.</p>
        ) : (
          <table id="passkeys">
            <thead>
              <tr>
                <th>Name</th>
                <th>Added</th>
                <th>Last used</th>
                <th>Verifies you</th>
                <th>Rename</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {props.passkeys.map((p) => (
                <tr data-passkey-id={p.id}>
                  <td class="passkey-name">{p.name}</td>
                  <td>{utcTime(p.createdAt)}</td>
                  <td>{p.lastUsedAt === null ? 'never' : utcTime(p.lastUsedAt)}</td>
                  <td>{p.userVerified ? 'yes' : 'no'}</td>
                  <td>
                    <form method="post" action={`/account/passkeys/${p.id}/rename`} class="inline">
                      <Csrf token={props.csrf} />
                      <input type="text" name="name" maxlength={64} required value={p.name} />
                      <button type="submit" class="secondary">
                        Rename
                      </button>
                    </form>
                  </td>
                  <td>
                    <PostButton
                      action={`/account/passkeys/${p.id}/revoke`}
                      csrf={props.csrf}
                      label="Revoke"
                      kind="danger"
                      confirm={`Revoke the passkey "${p.name}"? It will no longer log you in.`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {'unavailable' in props.options ? (
        <section class="card">
          <p class="notice error">Passkeys are off on this gateway: {props.options.unavailable}</p>
        </section>
      ) : (
        <form
          class="card"
          id="passkey-register"
          method="post"
          action="/account/passkeys"
          data-passkey="register"
          data-passkey-options={props.options.json}
        >
          <Csrf token={props.csrf} />
          <input type="hidden" name="response" value="" />
          <label for="passkey-name">Name (to tell your passkeys apart)</label>
          <input
            type="text"
            id="passkey-name"
            name="name"
            maxlength={64}
            required
            placeholder="e.g. laptop, YubiKey"
          />
          <div class="actions">
            <button type="submit">Add a passkey</button>
          </div>
          <Status />
          <PasskeyScripts />
        </form>
      )}
    </>
  );
}
