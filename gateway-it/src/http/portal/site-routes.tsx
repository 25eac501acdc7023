/** Portal routes for sites: list, one site, windows and schedules, lockdown. */
import { canPackEvidence } from '../../audit/audit.js';
import { Hono } from 'hono';
import { z } from 'zod';
import { AirlockError } from '../../../../shared/src/errors.js';
import {
  canSeeAccess,
  isAuditorOf,
  isOtOwnerOf,
  WEEKDAYS,
  type Weekday,
  type WindowRule,
} from '../../access/access.js';
import { parseFormBody } from '../body.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { choicesOf, localToInstant } from './access-routes.js';
import { many, page, viewer } from './portal-context.js';
import { SitePage, SitesList } from './site-pages.js';

const ruleFields = {
  label: z.string().max(100),
  kind: z.enum(['weekly', 'once']),
  days: z.union([z.enum(WEEKDAYS), z.array(z.enum(WEEKDAYS)).max(7)]).optional(),
  startTime: z.string().max(5).optional(),
  endTime: z.string().max(5).optional(),
  start: z.string().max(20).optional(),
  end: z.string().max(20).optional(),
};
const windowForm = z.strictObject({ asset: z.string().max(63).optional(), ...ruleFields });
const scheduleForm = z.strictObject({
  vendor: z.string().max(32),
  pick: z.string().max(130),
  ...ruleFields,
});
const lockdownForm = z.strictObject({
  action: z.enum(['lock', 'lift']),
  reason: z.string().max(500),
});

function ruleOf(
  form: {
    kind: 'weekly' | 'once';
    days?: Weekday | Weekday[] | undefined;
    startTime?: string | undefined;
    endTime?: string | undefined;
    start?: string | undefined;
    end?: string | undefined;
  },
  timeZone: string,
): WindowRule {
  if (form.kind === 'once')
    return {
      kind: 'once',
      start: localToInstant(form.start ?? '', timeZone, 'start'),
      end: localToInstant(form.end ?? '', timeZone, 'end'),
    };
  const days = many(form.days);
  if (days.length === 0)
    throw new AirlockError('bad_request', 'window.no_days', 'days: choose at least one day', {
      details: { field: 'days' },
    });
  return { kind: 'weekly', days, start: form.startTime ?? '', end: form.endTime ?? '' };
}

export function siteRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const { directory, windows, lockdown, requests, grants, signatures } = s.access;

  app.get('/sites', (c) => {
    const v = viewer(c, s);
    return page(c, v, 'Sites', <SitesList sites={directory.visible(v.user)} />);
  });

  app.get('/sites/:site', (c) => {
    const v = viewer(c, s);
    const summary = directory.get(v.user, c.req.param('site'));
    const id = summary.site.id;
    const seesAll = canSeeAccess(v.user, '', id);
    const isOwner = isOtOwnerOf(v.user, id);
    const approvals = {
      site: id,
      mode: summary.approvalMode,
      isOwner,
      enrolled: signatures.credentialsOf(id, v.user.name).length > 0,
      me: v.user.name,
    };
    const body = (
      <SitePage
        s={summary}
        approvals={approvals}
        csrf={v.csrf}
        isOwner={isOwner}
        canPack={canPackEvidence(v.user, id)}
        windows={windows.listWindows(v.user, id)}
        schedules={windows.listSchedules(v.user, id)}
        requests={seesAll ? requests.ofSite(v.user, id) : null}
        grants={seesAll ? grants.list(v.user, id) : null}
        isAuditor={isAuditorOf(v.user, id)}
      />
    );
    return page(c, v, `Site ${summary.site.displayName}`, body);
  });

  app.post('/sites/:site/windows', async (c) => {
    const v = viewer(c, s);
    const site = c.req.param('site');
    const form = await parseFormBody(c, windowForm);
    windows.addWindow(v.user, site, {
      asset: form.asset === undefined || form.asset === '' ? null : form.asset,
      label: form.label,
      rule: ruleOf(form, directory.timezoneOf(site)),
    });
    return c.redirect(`/sites/${site}?notice=window-added`, 303);
  });

  app.post('/windows/:id/delete', (c) => {
    const v = viewer(c, s);
    const w = s.access.windows;
    const id = c.req.param('id');
    const site = w.siteOfWindow(id);
    w.deleteWindow(v.user, id);
    return c.redirect(`/sites/${site ?? ''}?notice=window-removed`, 303);
  });

  app.post('/sites/:site/schedules', async (c) => {
    const v = viewer(c, s);
    const site = c.req.param('site');
    const form = await parseFormBody(c, scheduleForm);
    const [choice] = choicesOf([form.pick]);
    windows.addSchedule(v.user, site, {
      vendor: form.vendor,
      asset: choice?.asset ?? '',
      profile: choice?.profile ?? '',
      label: form.label,
      rule: ruleOf(form, directory.timezoneOf(site)),
    });
    return c.redirect(`/sites/${site}?notice=schedule-added`, 303);
  });

  app.post('/schedules/:id/delete', (c) => {
    const v = viewer(c, s);
    const id = c.req.param('id');
    const site = windows.siteOfSchedule(id);
    windows.deleteSchedule(v.user, id);
    return c.redirect(`/sites/${site ?? ''}?notice=schedule-removed`, 303);
  });

  app.post('/sites/:site/lockdown', async (c) => {
    const v = viewer(c, s);
    const site = c.req.param('site');
    const form = await parseFormBody(c, lockdownForm);
    const r = await lockdown.set(v.user, site, form.action === 'lock', form.reason);
    return c.redirect(
      `/sites/${site}?notice=${r.delivered ? (r.lockdown.locked ? 'locked' : 'unlocked') : 'lockdown-undelivered'}`,
      303,
    );
  });

  return app;
}
