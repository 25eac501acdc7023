/** Login, second factor, enrollment (QR and secret) and the one-time recovery codes page. */
import { Layout } from './layout.js';
import { PasskeyLoginForm, PasskeySecondFactorForm } from './passkey-pages.js';

function Pre(props: { token: string }) {
  return <input type="hidden" name="_pre" value={props.token} />;
}

export function LoginPage(props: {
  pre: string;
  error?: string | undefined;
  notice?: string | undefined;
  /** Single sign-on providers: one button each. */
  sso?: readonly { id: string; displayName: string }[];
  /** Passwordless passkey options (JSON), when passkeys are on. */
  passkey?: string | undefined;
}) {
  const sso = props.sso ?? [];
  return (
    <Layout title="Log in" error={props.error} notice={props.notice}>
      <form class="card" method="post" action="/login">
        <Pre token={props.pre} />
        <label for="name">User name</label>
        <input
          type="text"
          id="name"
          name="name"
          autocomplete="username"
          required
          maxlength={32}
          autofocus
        />
        <label for="password">Password</label>
        <input
          type="password"
          id="password"
          name="password"
          autocomplete="current-password"
          required
          maxlength={256}
        />
        <div class="actions">
          <button type="submit">Continue</button>
        </div>
        <p class="muted">
          A second factor (TOTP authenticator app or a passkey) is required for every account.
        </p>
      </form>
      {props.passkey !== undefined && <PasskeyLoginForm pre={props.pre} options={props.passkey} />}
      {sso.length === 0 ? null : (
        <section class="card" id="sso">
          {sso.map((p) => (
            <p>
              <a class="button" href={`/sso/${p.id}/login`} data-sso={p.id}>
                Log in with {p.displayName}
              </a>
            </p>
          ))}
          <p class="muted">
            Single sign-on: your organisation's login, then (unless it did MFA) your second factor
            here.
          </p>
        </section>
      )}
    </Layout>
  );
}

export function SecondFactorPage(props: {
  pre: string;
  error?: string | undefined;
  /** Options for answering with one of the account's passkeys (JSON), when it has one. */
  passkey?: string | undefined;
}) {
  return (
    <Layout title="Second factor" error={props.error}>
      {props.passkey !== undefined && (
        <PasskeySecondFactorForm pre={props.pre} options={props.passkey} />
      )}
      <form class="card" method="post" action="/login/mfa">
        <Pre token={props.pre} />
        <label for="code">6-digit code from your authenticator app</label>
        <input
          type="text"
          id="code"
          name="code"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9]{6}"
          maxlength={6}
          autofocus
        />
        <details>
          <summary>Lost your authenticator? Use a recovery code</summary>
          <label for="recoveryCode">Recovery code</label>
          <input
            type="text"
            id="recoveryCode"
            name="recoveryCode"
            autocomplete="off"
            maxlength={32}
          />
        </details>
        <div class="actions">
          <button type="submit">Log in</button>
        </div>
        <p class="muted">
          A code works once. A wrong code ends this login; start again with your password.
        </p>
      </form>
    </Layout>
  );
}

export function EnrollPage(props: {
  pre: string;
  account: string;
  secret: string;
  qrDataUrl: string;
  error?: string | undefined;
}) {
  const grouped = props.secret.match(/.{1,4}/g)?.join(' ') ?? props.secret;
  return (
    <Layout title="Set up your second factor" error={props.error}>
      <section class="card">
        <p>
          Account <strong>{props.account}</strong> has no second factor yet. Scan this QR code with
          an authenticator app (any RFC 6238 TOTP app), or type the secret into it, then enter the
          code it shows.
        </p>
        <img
          class="qr"
          src={props.qrDataUrl}
          alt="QR code with the otpauth URI of your TOTP secret"
          width={220}
          height={220}
        />
        <p>
          Secret: <code id="totp-secret">{grouped}</code>
        </p>
      </section>
      <form class="card" method="post" action="/login/enroll">
        <Pre token={props.pre} />
        <label for="code">6-digit code from your authenticator app</label>
        <input
          type="text"
          id="code"
          name="code"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9]{6}"
          maxlength={6}
          required
          autofocus
        />
        <div class="actions">
          <button type="submit">Confirm and log in</button>
        </div>
      </form>
    </Layout>
  );
}

export function RecoveryCodesPage(props: { codes: readonly string[] }) {
  return (
    <Layout title="Your recovery codes">
      <section class="card">
        <p>
          <strong>Shown once.</strong> Store these codes somewhere safe (a password manager, or
          printed and locked away). Each logs you in once instead of an authenticator code, if you
          lose your phone.
        </p>
        <pre class="codes" id="recovery-codes">
          {props.codes.join('\n')}
        </pre>
        <p>
          <a class="button" href="/">
            I have stored them: continue
          </a>
        </p>
      </section>
    </Layout>
  );
}
