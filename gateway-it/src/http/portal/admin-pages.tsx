/** Admin pages: accounts (roles, contract, break-glass mark, state, lock, MFA reset) and sites. */
import type { SiteSummary } from '../../access/access.js';
import type { User } from '../../store/store.js';
import type { SsoIdentityView } from '../../sso/sso.js';
import { Csrf, PostButton, StateBadge } from './layout.js';
import { utcTime } from './format.js';

const roleText = (u: User): string =>
  u.roles.map((r) => (r.site === undefined ? r.role : `${r.role}@${r.site}`)).join(', ');

export function UsersPage(props: {
  users: readonly { user: User; lockedUntil: number | null }[];
  csrf: string | null;
}) {
  return (
    <>
      <table class="stack">
        <thead>
          <tr>
            <th>Name</th>
            <th>Roles</th>
            <th>State</th>
            <th>MFA</th>
            <th>Login lock</th>
            <th>Break-glass</th>
          </tr>
        </thead>
        <tbody>
          {props.users.map(({ user: u, lockedUntil }) => (
            <tr data-user={u.name}>
              <td data-label="Name">
                <a href={`/admin/users/${u.id}`}>{u.name}</a>{' '}
                <span class="muted">{u.displayName}</span>
              </td>
              <td data-label="Roles">{roleText(u)}</td>
              <td data-label="State">
                <StateBadge state={u.state} />
                {u.contractEnd !== null && <span class="muted"> contract to {u.contractEnd}</span>}
              </td>
              <td data-label="MFA">
                {u.mfaEnrolled ? 'enrolled' : <span class="muted">at next login</span>}
              </td>
              <td data-label="Login lock">
                {lockedUntil === null ? (
                  <span class="muted">no</span>
                ) : (
                  <span class="badge locked">until {utcTime(lockedUntil)}</span>
                )}
              </td>
              <td data-label="Break-glass">{u.canBreakGlass ? 'yes' : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>New account</h2>
      <form class="card" method="post" action="/admin/users">
        <Csrf token={props.csrf} />
        <label for="name">User name</label>
        <input
          type="text"
          id="name"
          name="name"
          required
          maxlength={32}
          pattern="[a-z][a-z0-9._\-]{1,31}"
        />
        <label for="displayName">Display name</label>
        <input type="text" id="displayName" name="displayName" maxlength={100} />
        <label for="roles">
          Roles (comma-separated: admin, engineer, vendor, ot-owner@site, auditor@site)
        </label>
        <input type="text" id="roles" name="roles" required maxlength={500} />
        <label for="company">Company (vendors)</label>
        <input type="text" id="company" name="company" maxlength={100} />
        <label for="contractEnd">Contract end (vendors, YYYY-MM-DD)</label>
        <input
          type="text"
          id="contractEnd"
          name="contractEnd"
          maxlength={10}
          placeholder="2026-12-31"
        />
        <div class="inline">
          <label>
            <input type="checkbox" name="canBreakGlass" value="on" /> may take break-glass access
          </label>
        </div>
        <div class="actions">
          <button type="submit">Create account</button>
        </div>
        <p class="muted">
          A password is generated and shown once; the user sets up their authenticator at first
          login.
        </p>
      </form>
    </>
  );
}

export function SecretShownOnce(props: {
  what: string;
  name: string;
  secret: string;
  note?: string;
  back?: { href: string; label: string };
}) {
  const back = props.back ?? { href: '/admin/users', label: 'Back to accounts' };
  return (
    <section class="card">
      <p>
        {props.what} for <strong>{props.name}</strong>. <strong>Shown once</strong>: hand it over
        securely.
      </p>
      <pre class="codes" id="one-time-secret">
        {props.secret}
      </pre>
      {props.note !== undefined && <p id="one-time-note">{props.note}</p>}
      <p>
        <a href={back.href}>{back.label}</a>
      </p>
    </section>
  );
}

export function UserPage(props: {
  u: User;
  lockedUntil: number | null;
  csrf: string | null;
  self: boolean;
  /** The single sign-on identity the account is bound to, if any. */
  sso?: SsoIdentityView | undefined;
}) {
  const u = props.u;
  return (
    <>
      <p>
        <a href={`/admin/users/${u.name}/notifications`}>E-mail address and notifications</a>
      </p>
      <form class="card" method="post" action={`/admin/users/${u.id}`}>
        <Csrf token={props.csrf} />
        {props.self && (
          <p class="muted">You cannot change your own roles, break-glass mark or state.</p>
        )}
        <label for="displayName">Display name</label>
        <input
          type="text"
          id="displayName"
          name="displayName"
          maxlength={100}
          value={u.displayName}
        />
        <label for="roles">Roles</label>
        <input
          type="text"
          id="roles"
          name="roles"
          maxlength={500}
          value={roleText(u)}
          disabled={props.self}
        />
        <label for="company">Company</label>
        <input type="text" id="company" name="company" maxlength={100} value={u.company ?? ''} />
        <label for="contractEnd">Contract end (YYYY-MM-DD)</label>
        <input
          type="text"
          id="contractEnd"
          name="contractEnd"
          maxlength={10}
          value={u.contractEnd ?? ''}
        />
        <label for="state">State</label>
        <select id="state" name="state" disabled={props.self}>
          <option value="active" selected={u.state === 'active'}>
            active
          </option>
          <option value="disabled" selected={u.state === 'disabled'}>
            disabled (ends every session)
          </option>
        </select>
        <div class="inline">
          <label>
            <input
              type="checkbox"
              name="canBreakGlass"
              value="on"
              checked={u.canBreakGlass}
              disabled={props.self}
            />{' '}
            may take break-glass access
          </label>
        </div>
        <div class="actions">
          <button type="submit">Save</button>
        </div>
      </form>
      <section class="card">
        <p>
          Second factor: {u.mfaEnrolled ? 'enrolled' : 'not enrolled (set up at next login)'}. Login
          lock: {props.lockedUntil === null ? 'none' : `until ${utcTime(props.lockedUntil)}`}.
        </p>
        {props.sso !== undefined && (
          <p id="sso-identity">
            Single sign-on: provider <code>{props.sso.provider}</code>, subject{' '}
            <code>{props.sso.subject}</code> at <code>{props.sso.issuer}</code>
            {props.sso.email !== null && <> (last e-mail {props.sso.email})</>}
            {props.sso.lastLoginAt !== null && <>, last login {utcTime(props.sso.lastLoginAt)}</>}.
            Roles follow the provider's groups at each login.
          </p>
        )}
        <div class="actions">
          <PostButton
            action={`/admin/users/${u.id}/unlock`}
            csrf={props.csrf}
            label="Lift login lock"
          />
          {!props.self && (
            <PostButton
              action={`/admin/users/${u.id}/mfa-reset`}
              csrf={props.csrf}
              label="Reset second factor"
              confirm="Remove this user's second factor? They set up a new one at next login."
            />
          )}
          {!props.self && (
            <PostButton
              action={`/admin/users/${u.id}/password-reset`}
              csrf={props.csrf}
              label="Reset password"
              confirm="Set a new password for this user? Their sessions end."
            />
          )}
        </div>
      </section>
    </>
  );
}

export function AdminSitesPage(props: { sites: readonly SiteSummary[]; csrf: string | null }) {
  return (
    <>
      {props.sites.map((s) => (
        <>
          <form class="card" method="post" action={`/admin/sites/${s.site.id}/policy`}>
            <Csrf token={props.csrf} />
            <p>
              <strong>{s.site.displayName}</strong> ({s.site.id}, {s.site.timezone}) — link{' '}
              {s.link.state}, OT owners: {s.owners.join(', ') || 'none'}
            </p>
            <label for={`ra-${s.site.id}`}>OT-owner approvals required</label>
            <input
              type="number"
              id={`ra-${s.site.id}`}
              name="requiredApprovals"
              min={1}
              max={5}
              value={String(s.policy.requiredApprovals)}
            />
            <label for={`tp-${s.site.id}`}>
              Ticket reference format (regular expression; empty: no ticket needed)
            </label>
            <input
              type="text"
              id={`tp-${s.site.id}`}
              name="ticketPattern"
              maxlength={200}
              value={s.policy.ticketPattern ?? ''}
            />
            <div class="actions">
              <button type="submit">Save policy</button>
            </div>
          </form>
          <PostButton
            action={`/admin/sites/${s.site.id}/enrollment-token`}
            csrf={props.csrf}
            label={`Issue an OT gateway enrollment token for ${s.site.id}`}
            confirm="Issue a new enrollment token? An earlier unused token of this site stops working."
          />
        </>
      ))}
      <h2>New site</h2>
      <form class="card" method="post" action="/admin/sites">
        <Csrf token={props.csrf} />
        <label for="id">Site id</label>
        <input
          type="text"
          id="id"
          name="id"
          required
          maxlength={63}
          pattern="[a-z0-9][a-z0-9._\-]{0,62}"
        />
        <label for="displayName">Display name</label>
        <input type="text" id="displayName" name="displayName" maxlength={100} />
        <label for="timezone">Timezone (IANA, e.g. Europe/Berlin)</label>
        <input type="text" id="timezone" name="timezone" required maxlength={64} />
        <div class="actions">
          <button type="submit">Create site</button>
        </div>
      </form>
    </>
  );
}
