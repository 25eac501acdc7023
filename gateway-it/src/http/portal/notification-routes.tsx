/**
 * Portal pages for notifications: your e-mail address and which notices you get by e-mail
 * (`/account/notifications`; an admin edits anyone's at `/admin/users/:name/notifications`), and a
 * site's chat webhooks (`/sites/:site/notifications`, admins and the site's OT owners). The rules,
 * validation and audit are notify/'s (NotifySettings); a webhook's URL is never shown back, only
 * its host.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { EMAIL_KINDS } from '../../notify/notify.js';
import { parseFormBody } from '../body.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { utcTime } from './format.js';
import { Csrf, PostButton } from './layout.js';
import { page, viewer, type PortalContext } from './portal-context.js';

const emailForm = z.strictObject({
  email: z.string().max(254),
  kinds: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((k) => (k === undefined ? [] : Array.isArray(k) ? k : [k])),
});
const webhookForm = z.strictObject({ url: z.string().max(2000), format: z.string().max(20) });

function EmailSettingsForm(props: {
  action: string;
  csrf: string | null;
  email: string | null;
  kinds: readonly string[];
}) {
  return (
    <form class="card" method="post" action={props.action}>
      <Csrf token={props.csrf} />
      <label for="email">E-mail address (empty: no e-mail)</label>
      <input id="email" name="email" type="email" maxlength={254} value={props.email ?? ''} />
      <fieldset>
        <legend>Tell me by e-mail when</legend>
        {EMAIL_KINDS.map((k) => (
          <label class="check">
            <input
              type="checkbox"
              name="kinds"
              value={k.event}
              checked={props.kinds.includes(k.event)}
            />{' '}
            {k.label}
          </label>
        ))}
      </fieldset>
      <p class="muted">
        Messages name the people, assets and times and link to the portal page; they never carry a
        password, a code or a link that acts without logging in.
      </p>
      <div class="actions">
        <button type="submit">Save</button>
      </div>
    </form>
  );
}

export function notificationRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const settings = s.notify.settings;

  const emailPage = (c: PortalContext, name: string, action: string, title: string) => {
    const v = viewer(c, s);
    const current = settings.emailOf(v.user, name);
    return page(
      c,
      v,
      title,
      <EmailSettingsForm
        action={action}
        csrf={v.csrf}
        email={current.email}
        kinds={current.kinds}
      />,
    );
  };
  app.get('/account/notifications', (c) => {
    const v = viewer(c, s);
    return emailPage(c, v.user.name, '/account/notifications', 'Notifications');
  });
  app.post('/account/notifications', async (c) => {
    const v = viewer(c, s);
    const form = await parseFormBody(c, emailForm);
    settings.setEmail(v.user, v.user.name, form);
    return c.redirect('/account/notifications?notice=notify-saved', 303);
  });
  app.get('/admin/users/:name/notifications', (c) => {
    const name = c.req.param('name');
    return emailPage(c, name, `/admin/users/${name}/notifications`, `Notifications of ${name}`);
  });
  app.post('/admin/users/:name/notifications', async (c) => {
    const v = viewer(c, s);
    const name = c.req.param('name');
    const form = await parseFormBody(c, emailForm);
    settings.setEmail(v.user, name, form);
    return c.redirect(`/admin/users/${name}/notifications?notice=notify-saved`, 303);
  });

  app.get('/sites/:site/notifications', (c) => {
    const v = viewer(c, s);
    const site = c.req.param('site');
    const hooks = settings.webhooks(v.user, site);
    const body = (
      <>
        <section class="card">
          <h2>Chat webhooks</h2>
          <p class="muted">
            Every notice about {site} (requests waiting, decisions, break-glass, held commands,
            playbacks waiting, alerts) is posted to each webhook. The URL is a credential of the
            chat tool: it is shown here by host only.
          </p>
          {hooks.length === 0 ? (
            <p>No webhook yet.</p>
          ) : (
            // A list, not a table: it stays within a phone's width.
            <ul class="webhooks">
              {hooks.map((h) => (
                <li data-webhook={h.id}>
                  <strong>{h.host}</strong> ({h.format}), added {utcTime(h.createdAt)} by{' '}
                  {h.createdBy}
                  <PostButton
                    action={`/sites/${site}/notifications/webhooks/${h.id}/remove`}
                    csrf={v.csrf}
                    label="Remove"
                    kind="danger"
                    confirm="Remove this webhook?"
                  />
                </li>
              ))}
            </ul>
          )}
        </section>
        <form class="card" method="post" action={`/sites/${site}/notifications/webhooks`}>
          <Csrf token={v.csrf} />
          <label for="url">Webhook URL (https)</label>
          <input id="url" name="url" type="url" required maxlength={2000} />
          <label for="format">Format</label>
          <select id="format" name="format">
            <option value="slack">Slack-compatible (also Mattermost, Rocket.Chat)</option>
            <option value="teams">Microsoft Teams (MessageCard)</option>
            <option value="generic">Airlock JSON</option>
          </select>
          <div class="actions">
            <button type="submit">Add webhook</button>
          </div>
        </form>
      </>
    );
    return page(c, v, `Notifications for ${site}`, body);
  });
  app.post('/sites/:site/notifications/webhooks', async (c) => {
    const v = viewer(c, s);
    const site = c.req.param('site');
    const form = await parseFormBody(c, webhookForm);
    settings.addWebhook(v.user, site, form);
    return c.redirect(`/sites/${site}/notifications?notice=webhook-added`, 303);
  });
  app.post('/sites/:site/notifications/webhooks/:id/remove', (c) => {
    const v = viewer(c, s);
    const site = c.req.param('site');
    settings.removeWebhook(v.user, site, c.req.param('id'));
    return c.redirect(`/sites/${site}/notifications?notice=webhook-removed`, 303);
  });
  return app;
}
