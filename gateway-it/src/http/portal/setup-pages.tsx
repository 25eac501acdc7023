/** The first admin set-up page: the code from the console, a name and a password. */
import { Layout } from './layout.js';

export function SetupPage(props: {
  pre: string;
  open: boolean;
  error?: string | undefined;
  name?: string | undefined;
}) {
  if (!props.open)
    return (
      <Layout title="Set-up" error={props.error}>
        <div class="card">
          <p>
            Set-up is done: this gateway has an admin. <a href="/login">Log in</a>, or ask an admin
            for an account.
          </p>
        </div>
      </Layout>
    );
  return (
    <Layout title="Set up Airlock" error={props.error}>
      <form class="card" method="post" action="/setup">
        <input type="hidden" name="_pre" value={props.pre} />
        <p>
          Create the first admin account. The one-time set-up code is shown on the appliance's
          console and in its journal (<code>journalctl -u airlock-it</code>); it works once.
        </p>
        <label for="code">Set-up code</label>
        <input
          type="text"
          id="code"
          name="code"
          autocomplete="off"
          required
          maxlength={64}
          autofocus
        />
        <label for="name">Admin user name</label>
        <input
          type="text"
          id="name"
          name="name"
          autocomplete="username"
          required
          maxlength={32}
          value={props.name ?? ''}
        />
        <label for="password">Password (at least 12 characters)</label>
        <input
          type="password"
          id="password"
          name="password"
          autocomplete="new-password"
          required
          maxlength={256}
        />
        <div class="actions">
          <button type="submit">Create the admin</button>
        </div>
        <p class="muted">
          Next you enroll an authenticator app: every account has a second factor.
        </p>
      </form>
    </Layout>
  );
}
