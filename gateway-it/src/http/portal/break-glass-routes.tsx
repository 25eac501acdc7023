/**
 * The break-glass form and its post. One limit: the form's `max` and its text come from the same
 * value the service enforces (config `access.breakGlassMaxHours`), so the browser never accepts a
 * duration the server then refuses. A refusal (bad duration, short justification, lockdown)
 * re-renders the form with the message and everything typed kept; it is still audited as a
 * refusal (noteRefusal). Not here: the rules themselves (access/break-glass.ts).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { AirlockError } from '../../../../shared/src/errors.js';
import { BREAK_GLASS_MIN_MINUTES, MIN_JUSTIFICATION } from '../../access/access.js';
import { parseFormBody } from '../body.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { noteRefusal } from '../refusal-audit.js';
import { AssetPicks, SitePicker } from './access-pages.js';
import { choicesOf } from './access-routes.js';
import { Csrf } from './layout.js';
import { many, page, viewer, type PortalContext } from './portal-context.js';
import type { SiteSummary } from '../../access/access.js';

const breakGlassForm = z.strictObject({
  site: z.string().max(63),
  pick: z.union([z.string().max(130), z.array(z.string().max(130)).max(200)]).optional(),
  durationMinutes: z.string().max(6),
  justification: z.string().max(2000),
});

export interface BreakGlassValues {
  readonly picks: readonly string[];
  readonly durationMinutes: string;
  readonly justification: string;
}

export function BreakGlassForm(props: {
  site: SiteSummary;
  csrf: string | null;
  values: BreakGlassValues;
  maxMinutes: number;
}) {
  const { site, values, maxMinutes } = props;
  return (
    <form
      class="card"
      method="post"
      action="/break-glass"
      data-confirm="Take emergency access now? Every OT owner of the site is alerted and will review it."
    >
      <Csrf token={props.csrf} />
      <input type="hidden" name="site" value={site.site.id} />
      <p class="notice error">
        Emergency access: granted at once without approval and outside maintenance windows, alerted
        to every OT owner of {site.site.id}, marked everywhere, and reviewed afterwards.
      </p>
      <AssetPicks site={site} picks={values.picks} />
      <label for="durationMinutes">
        Duration in minutes ({BREAK_GLASS_MIN_MINUTES} to {maxMinutes}, at most{' '}
        {maxMinutes % 60 === 0 ? `${maxMinutes / 60} hours` : `${maxMinutes} minutes`})
      </label>
      <input
        type="number"
        id="durationMinutes"
        name="durationMinutes"
        min={BREAK_GLASS_MIN_MINUTES}
        max={maxMinutes}
        value={values.durationMinutes}
        required
      />
      <label for="justification">Justification (at least {MIN_JUSTIFICATION} characters)</label>
      <textarea
        id="justification"
        name="justification"
        required
        minlength={MIN_JUSTIFICATION}
        maxlength={2000}
      >
        {values.justification}
      </textarea>
      <div class="actions">
        <button type="submit" class="danger">
          Take emergency access
        </button>
      </div>
    </form>
  );
}

export function breakGlassRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const { breakGlass, directory } = s.access;

  const renderForm = (
    c: PortalContext,
    siteId: string,
    values: BreakGlassValues,
    error?: { message: string; status: 400 | 403 | 404 | 409 },
  ): Response | Promise<Response> => {
    const v = viewer(c, s);
    const site = directory.get(v.user, siteId);
    return page(
      c,
      v,
      `Break-glass access to ${site.site.displayName}`,
      <BreakGlassForm
        site={site}
        csrf={v.csrf}
        values={values}
        maxMinutes={breakGlass.maxMinutes}
      />,
      error === undefined ? {} : { error: error.message, status: error.status },
    );
  };

  app.get('/break-glass', (c) => {
    const v = viewer(c, s);
    if (!v.user.canBreakGlass)
      throw new AirlockError(
        'access_denied',
        'break_glass.not_allowed',
        'this account is not marked for break-glass access',
      );
    const siteId = c.req.query('site');
    if (siteId === undefined)
      return page(
        c,
        v,
        'Break-glass access',
        <SitePicker sites={directory.visible(v.user)} action="/break-glass" />,
      );
    return renderForm(c, siteId, { picks: [], durationMinutes: '60', justification: '' });
  });

  app.post('/break-glass', async (c) => {
    const v = viewer(c, s);
    const form = await parseFormBody(c, breakGlassForm);
    const minutes = Number(form.durationMinutes);
    try {
      const g = breakGlass.take(v.user, {
        site: form.site,
        assets: choicesOf(many(form.pick)),
        durationMinutes:
          form.durationMinutes.trim() !== '' && Number.isInteger(minutes) ? minutes : -1,
        justification: form.justification,
      });
      return c.redirect(`/grants/${g.id}?notice=break-glass`, 303);
    } catch (e) {
      // Not for a site the user cannot see (not_found): that page would name it.
      if (
        e instanceof AirlockError &&
        (e.kind === 'bad_request' || e.kind === 'access_denied') &&
        e.code !== 'break_glass.not_allowed'
      ) {
        noteRefusal(c, e);
        return renderForm(
          c,
          form.site,
          {
            picks: many(form.pick),
            durationMinutes: form.durationMinutes,
            justification: form.justification,
          },
          { message: e.message, status: e.kind === 'bad_request' ? 400 : 403 },
        );
      }
      throw e;
    }
  });

  return app;
}
