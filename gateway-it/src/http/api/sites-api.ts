/** Sites, windows, vendor schedules, lockdown, and per-site lists for owners and auditors. */
import type { NewWindow, WindowRule } from '../../access/access.js';
import type { AccessHttpServices } from '../http-services.js';
import { lockdownBody, scheduleBody, windowBody, type apiRuleSchema } from './api-schemas.js';
import type { z } from 'zod';
import { op, type ApiOperation } from './api-registry.js';
import {
  filterGrants,
  filterRequests,
  grantListApiQuery,
  parseListQuery,
  requestListApiQuery,
} from '../list-filters.js';
import { grantJson, requestJson, scheduleJson, siteJson, windowJson } from './api-json.js';

export function toRule(r: z.output<typeof apiRuleSchema>): WindowRule {
  return r.kind === 'once'
    ? { kind: 'once', start: Date.parse(r.start), end: Date.parse(r.end) }
    : r;
}

/** Lock (`on`) or lift: the same call with the opposite state. */
function lockdownOperation(s: AccessHttpServices, on: boolean): ApiOperation {
  return op({
    method: 'post',
    path: on ? '/sites/:site/lockdown' : '/sites/:site/lockdown/lift',
    tag: 'sites',
    roles: ['ot-owner'],
    summary: on
      ? 'Lock a site down: live sessions end and no grant can be used until an OT owner lifts it'
      : 'Lift the IT-side lockdown of a site (an OT-local lockdown stays until lifted on site)',
    body: lockdownBody,
    responses: {
      200: on ? 'locked (delivered says whether the OT gateway confirmed)' : 'lifted',
      403: 'not an OT owner of the site',
      409: on ? 'already locked' : 'not locked',
    },
    handler: async ({ user, params, body }) => {
      const r = await s.access.lockdown.set(user, params.site ?? '', on, body.reason);
      return { json: { site: r.lockdown.site, locked: r.lockdown.locked, delivered: r.delivered } };
    },
  });
}

export function sitesOperations(s: AccessHttpServices): ApiOperation[] {
  const { directory, windows, requests, grants } = s.access;
  return [
    op({
      method: 'get',
      path: '/sites',
      tag: 'sites',
      summary: 'Sites you may see, with link state, lockdown, policy and assets',
      handler: ({ user }) => ({ json: directory.visible(user).map(siteJson) }),
    }),
    op({
      method: 'get',
      path: '/sites/:site',
      tag: 'sites',
      summary: 'One site',
      responses: { 200: 'the site', 404: 'no such site you may see' },
      handler: ({ user, params }) => ({ json: siteJson(directory.get(user, params.site ?? '')) }),
    }),
    op({
      method: 'get',
      path: '/sites/:site/windows',
      tag: 'windows',
      summary: 'Maintenance windows of a site',
      handler: ({ user, params }) => ({
        json: windows.listWindows(user, params.site ?? '').map(windowJson),
      }),
    }),
    op({
      method: 'post',
      path: '/sites/:site/windows',
      tag: 'windows',
      roles: ['ot-owner'],
      summary:
        'Define a maintenance window (whole site or one asset; one-off, or weekly in the site timezone)',
      body: windowBody,
      responses: { 201: 'created', 403: 'not an OT owner of the site' },
      handler: ({ user, params, body }) => {
        const input: NewWindow = {
          asset: body.asset ?? null,
          label: body.label,
          rule: toRule(body.rule),
        };
        return { status: 201, json: windowJson(windows.addWindow(user, params.site ?? '', input)) };
      },
    }),
    op({
      method: 'delete',
      path: '/windows/:id',
      tag: 'windows',
      roles: ['ot-owner'],
      summary: 'Remove a maintenance window',
      responses: { 204: 'removed', 403: 'not an OT owner of the site', 404: 'no such window' },
      handler: ({ user, params }) => (windows.deleteWindow(user, params.id ?? ''), { status: 204 }),
    }),
    op({
      method: 'get',
      path: '/sites/:site/schedules',
      tag: 'windows',
      summary: 'Vendor job schedules of a site (a vendor sees only their own)',
      handler: ({ user, params }) => ({
        json: windows.listSchedules(user, params.site ?? '').map(scheduleJson),
      }),
    }),
    op({
      method: 'post',
      path: '/sites/:site/schedules',
      tag: 'windows',
      roles: ['ot-owner'],
      summary:
        'Define a vendor job schedule: vendor, asset, profile and a recurring or one-off window',
      body: scheduleBody,
      responses: { 201: 'created', 403: 'not an OT owner of the site' },
      handler: ({ user, params, body }) => ({
        status: 201,
        json: scheduleJson(
          windows.addSchedule(user, params.site ?? '', {
            vendor: body.vendor,
            asset: body.asset,
            profile: body.profile,
            label: body.label,
            rule: toRule(body.rule),
          }),
        ),
      }),
    }),
    op({
      method: 'delete',
      path: '/schedules/:id',
      tag: 'windows',
      roles: ['ot-owner'],
      summary: 'Remove a vendor job schedule',
      responses: { 204: 'removed', 403: 'not an OT owner of the site', 404: 'no such schedule' },
      handler: ({ user, params }) => (
        windows.deleteSchedule(user, params.id ?? ''),
        { status: 204 }
      ),
    }),
    lockdownOperation(s, true),
    lockdownOperation(s, false),
    op({
      method: 'get',
      path: '/sites/:site/requests',
      tag: 'sites',
      roles: ['ot-owner', 'auditor', 'admin'],
      summary: 'Requests of a site (its OT owners and auditors, admins); q, status filter',
      query: requestListApiQuery,
      handler: ({ user, params, query }) => ({
        json: filterRequests(
          requests.ofSite(user, params.site ?? ''),
          parseListQuery(requestListApiQuery, query),
        ).map(requestJson),
      }),
    }),
    op({
      method: 'get',
      path: '/sites/:site/grants',
      tag: 'sites',
      roles: ['ot-owner', 'auditor', 'admin'],
      summary: 'Grants of a site (its OT owners and auditors, admins); q, state, breakGlass filter',
      query: grantListApiQuery,
      handler: ({ user, params, query }) => ({
        json: filterGrants(
          grants.list(user, params.site ?? ''),
          parseListQuery(grantListApiQuery, query),
        ).map(grantJson),
      }),
    }),
  ];
}
