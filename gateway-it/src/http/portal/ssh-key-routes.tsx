/** Portal page for your SSH keys: list, add (paste a public key line), remove; and the host key to pin. */
import { Hono } from 'hono';
import { z } from 'zod';
import { parseFormBody } from '../body.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { knownHostsLine } from '../api/ssh-keys-api.js';
import { utcTime } from './format.js';
import { Csrf, PostButton } from './layout.js';
import { page, viewer } from './portal-context.js';

const keyForm = z.strictObject({ publicKey: z.string().max(16_384) });

export function sshKeyRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const keys = s.auth.sshKeys;

  app.get('/account/ssh-keys', (c) => {
    const v = viewer(c, s);
    const mine = keys.list(v.user);
    const fresh = s.ssh?.freshKeys.freshUntilByKey(v.user.id) ?? new Map<string, number>();
    const pin = knownHostsLine(s);
    const body = (
      <>
        <section class="card">
          <h2>Connecting with your own SSH client</h2>
          <p>
            <code>
              ssh -p {s.ssh?.hint.port ?? 2222} {v.user.name}:&lt;asset&gt;@
              {s.ssh?.hint.host ?? 'gateway'}
            </code>{' '}
            — with one of the keys below (or your password), then the code from your authenticator
            app. After a login with a key and the code, that key logs in without a code for the rest
            of your shift (<code>scp</code> and <code>sftp</code>: write{' '}
            <code>{v.user.name}+&lt;asset&gt;@</code>, as they split at a colon).
          </p>
          {s.ssh !== undefined && (
            <p>
              Host key fingerprint: <code>{s.ssh.hostKey.fingerprint}</code>
              {pin !== null && (
                <>
                  <br />
                  known_hosts line: <code>{pin}</code>
                </>
              )}
            </p>
          )}
        </section>
        <section class="card">
          <h2>Your SSH keys</h2>
          {mine.length === 0 ? (
            <p>No key registered yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Fingerprint</th>
                  <th>Type</th>
                  <th>Comment</th>
                  <th>Added</th>
                  <th>Last used</th>
                  <th>No code until</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {mine.map((k) => (
                  <tr>
                    <td>
                      <code>{k.fingerprint}</code>
                    </td>
                    <td>{k.algorithm}</td>
                    <td>{k.comment}</td>
                    <td>{utcTime(k.createdAt)}</td>
                    <td>{k.lastUsedAt === null ? 'never' : utcTime(k.lastUsedAt)}</td>
                    <td>{fresh.has(k.id) ? utcTime(fresh.get(k.id) ?? 0) : '—'}</td>
                    <td>
                      <PostButton
                        action={`/account/ssh-keys/${k.id}/delete`}
                        csrf={v.csrf}
                        label="Remove"
                        kind="danger"
                        confirm="Remove this key?"
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {fresh.size > 0 && (
            <div class="actions">
              <PostButton
                action="/account/ssh-keys/end-shift"
                csrf={v.csrf}
                label="End my SSH shift"
                kind="danger"
                confirm="Your next SSH login will ask for a code. End the shift?"
              />
            </div>
          )}
        </section>
        <form class="card" method="post" action="/account/ssh-keys">
          <Csrf token={v.csrf} />
          <label for="publicKey">Public key (one line of your ~/.ssh/id_ed25519.pub)</label>
          <textarea
            id="publicKey"
            name="publicKey"
            rows={3}
            required
            placeholder="ssh-ed25519 AAAAC3Nza... you@laptop"
          ></textarea>
          <div class="actions">
            <button type="submit">Add key</button>
          </div>
        </form>
      </>
    );
    return page(c, v, 'SSH keys', body);
  });

  app.post('/account/ssh-keys', async (c) => {
    const v = viewer(c, s);
    const form = await parseFormBody(c, keyForm);
    keys.add(v.user, form.publicKey);
    return c.redirect('/account/ssh-keys?notice=ssh-key-added', 303);
  });

  app.post('/account/ssh-keys/end-shift', (c) => {
    const v = viewer(c, s);
    s.ssh?.freshKeys.endShift(v.user, 'portal');
    return c.redirect('/account/ssh-keys?notice=ssh-shift-ended', 303);
  });

  app.post('/account/ssh-keys/:id/delete', (c) => {
    const v = viewer(c, s);
    keys.remove(v.user, c.req.param('id'));
    return c.redirect('/account/ssh-keys?notice=ssh-key-removed', 303);
  });
  return app;
}
