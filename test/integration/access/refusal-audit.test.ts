/**
 * Every refusal of a privileged action at the API or the portal is exactly one audit event, with
 * actor, site, target, the refusal's code and the source address (issue 17, item 1). A table of
 * refused cases, each run alone against the audit log: self-approval, decisions refused for role
 * or site, a vendor outside schedule, an auditor's search and export of another site, admin pages,
 * hidden objects (404), CSRF. And the cases that must not add an `access.deny`: no principal, no
 * route, a refusal its service already audits under its own name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';
import { seedPlant, type Plant } from './plant-fixture.js';
import { portalLogin, type PortalClient } from './portal-client.js';

useCrypto();

const API_SOURCE = '10.0.0.9';
/** PortalClient's default source address. */
const PORTAL_SOURCE = '10.0.0.2';

interface Expected {
  readonly actor: string;
  readonly status: number;
  readonly code: string;
  readonly site: string | null;
  readonly target: string;
  readonly source: string;
}

interface Case {
  readonly name: string;
  readonly run: () => Promise<{ status: number }>;
  /** The one `access.deny` event expected; undefined when none is. */
  readonly expect?: Expected;
  /** When the refusal is audited under another name: that event's action (exactly one). */
  readonly auditedAs?: string;
}

async function fixtures(p: Plant): Promise<{
  ownRequest: string;
  aliceRequest: string;
  portal: Record<'oscar' | 'victor' | 'alice' | 'audrey', PortalClient>;
}> {
  const { h } = p;
  const own = await h.call('POST', '/api/v1/requests', {
    token: await p.token('oscar'),
    body: p.requestBody(),
  });
  assert.equal(own.status, 201, own.text);
  const alice = await h.call('POST', '/api/v1/requests', {
    token: await p.token('alice'),
    body: p.requestBody(),
  });
  assert.equal(alice.status, 201, alice.text);
  const sched = await h.call('POST', '/api/v1/sites/plant-1/schedules', {
    token: await p.token('olga'),
    body: {
      vendor: 'victor',
      asset: 'plc-1',
      profile: 'tuning',
      label: 'PLC tuning job',
      rule: { kind: 'weekly', days: ['mon'], start: '09:00', end: '12:00' },
    },
  });
  assert.equal(sched.status, 201, sched.text);
  return {
    ownRequest: own.json.id as string,
    aliceRequest: alice.json.id as string,
    portal: {
      oscar: await portalLogin(h, p.users.oscar),
      victor: await portalLogin(h, p.users.victor),
      alice: await portalLogin(h, p.users.alice),
      audrey: await portalLogin(h, p.users.audrey),
    },
  };
}

test(
  'each refused privileged action at the API and the portal writes exactly one audit event with actor, target, code and source',
  { timeout: 120_000 },
  async (t) => {
    const h = await startHarness(t);
    const p = await seedPlant(h);
    const f = await fixtures(p);
    const api = async (
      who: keyof Plant['users'] | null,
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number }> =>
      h.call(method, path, {
        ...(who === null ? {} : { token: await p.token(who) }),
        ...(body === undefined ? {} : { body }),
        source: API_SOURCE,
      });
    const decision = { decision: 'approve', comment: 'fine by me' };
    const outsideSchedule = p.requestBody(100, 150, {
      assets: [{ asset: 'plc-1', profile: 'tuning' }],
    });
    // Prepare every token before the table runs, so a login's own events never mix in.
    for (const who of ['oscar', 'paul', 'alice', 'bob', 'victor', 'audrey', 'root'] as const)
      await p.token(who);
    const decisionPath = `/api/v1/requests/${f.ownRequest}/decision`;
    const refused = (
      actor: string,
      status: number,
      code: string,
      site: string | null,
      target: string,
      source = API_SOURCE,
    ): Expected => ({ actor, status, code, site, target, source });

    const cases: Case[] = [
      {
        name: 'API: the requester decides on their own request',
        run: () => api('oscar', 'POST', decisionPath, decision),
        expect: refused('oscar', 403, 'approval.self', 'plant-1', f.ownRequest),
      },
      {
        name: 'API: an OT owner of another site decides (the request is hidden from them)',
        run: () => api('paul', 'POST', decisionPath, decision),
        expect: refused('paul', 404, 'request.not_found', null, decisionPath),
      },
      {
        name: 'API: an engineer decides (role)',
        run: () => api('bob', 'POST', `/api/v1/requests/${f.aliceRequest}/decision`, decision),
        expect: refused(
          'bob',
          403,
          'auth.role_required',
          null,
          `/api/v1/requests/${f.aliceRequest}/decision`,
        ),
      },
      {
        name: 'API: a vendor requests outside their job schedule',
        run: () => api('victor', 'POST', '/api/v1/requests', outsideSchedule),
        expect: refused('victor', 403, 'request.outside_schedule', 'plant-1', 'plc-1'),
      },
      {
        name: "API: an auditor searches another site's events",
        run: () => api('audrey', 'GET', '/api/v1/sites/plant-2/audit/events'),
        expect: refused('audrey', 403, 'audit.not_auditor', 'plant-2', 'plant-2'),
      },
      {
        name: 'API: an auditor exports another site',
        run: () =>
          api('audrey', 'POST', '/api/v1/sites/plant-2/exports', {
            from: p.at(-60),
            to: p.at(0),
          }),
        expect: refused('audrey', 403, 'audit.not_auditor', 'plant-2', 'plant-2'),
      },
      {
        name: "API: an engineer asks for a site's live sessions (the route names the site)",
        run: () => api('alice', 'GET', '/api/v1/sites/plant-1/sessions'),
        expect: refused(
          'alice',
          403,
          'auth.role_required',
          'plant-1',
          '/api/v1/sites/plant-1/sessions',
        ),
      },
      {
        name: 'API: an engineer lists accounts',
        run: () => api('alice', 'GET', '/api/v1/admin/users'),
        expect: refused('alice', 403, 'auth.role_required', null, '/api/v1/admin/users'),
      },
      {
        name: "API: an engineer reads another engineer's request (404)",
        run: () => api('bob', 'GET', `/api/v1/requests/${f.aliceRequest}`),
        expect: refused(
          'bob',
          404,
          'request.not_found',
          null,
          `/api/v1/requests/${f.aliceRequest}`,
        ),
      },
      {
        name: 'portal: the requester decides on their own request',
        run: () =>
          f.portal.oscar.post(`/requests/${f.ownRequest}/decide`, {
            decision: 'approve',
            comment: 'via the portal',
          }),
        expect: refused('oscar', 403, 'approval.self', 'plant-1', f.ownRequest, PORTAL_SOURCE),
      },
      {
        name: 'portal: a vendor requests outside their schedule (the form shows the refusal)',
        run: () =>
          f.portal.victor.post('/requests', {
            site: 'plant-1',
            pick: ['plc-1:tuning'],
            start: '2026-06-01T13:00',
            end: '2026-06-01T14:00',
            reason: 'tuning the loop',
            ticketRef: 'CHG-9',
          }),
        expect: refused(
          'victor',
          403,
          'request.outside_schedule',
          'plant-1',
          'plc-1',
          PORTAL_SOURCE,
        ),
      },
      {
        name: 'portal: an engineer opens the accounts page',
        run: () => f.portal.alice.get('/admin/users'),
        expect: refused('alice', 403, 'auth.role_required', null, '/admin/users', PORTAL_SOURCE),
      },
      {
        name: "portal: an auditor opens another site's audit page",
        run: () => f.portal.audrey.get('/sites/plant-2/audit'),
        expect: refused('audrey', 403, 'audit.not_auditor', 'plant-2', 'plant-2', PORTAL_SOURCE),
      },
      {
        name: 'portal: a form without the CSRF token',
        run: () => f.portal.alice.post(`/requests/${f.aliceRequest}/cancel`, { _csrf: 'forged' }),
        expect: refused(
          'alice',
          403,
          'csrf.token',
          null,
          `/requests/${f.aliceRequest}/cancel`,
          PORTAL_SOURCE,
        ),
      },
      {
        name: 'not audited: no principal (401)',
        run: () => api(null, 'GET', '/api/v1/admin/users'),
      },
      {
        name: 'not audited: a path that is no route',
        run: () => api('alice', 'GET', '/api/v1/no-such-thing'),
      },
      {
        name: 'audited once, by its service: set-up attempted when it is done',
        run: () =>
          api('root', 'POST', '/api/v1/setup', {
            code: 'AAAA-BBBB',
            name: 'eve',
            password: 'correct horse battery staple',
          }),
        auditedAs: 'setup.refuse',
      },
    ];

    const log = h.gw.services.store.audit;
    const all = (): AuditEvent[] => [...log.iterate()];
    for (const c of cases) {
      const before = all().length;
      const res = await c.run();
      const added = all().slice(before);
      if (c.expect !== undefined) {
        const e = c.expect;
        assert.equal(res.status, e.status, c.name);
        assert.equal(added.length, 1, `${c.name}: ${added.map((x) => x.action).join(', ')}`);
        const [ev] = added as [AuditEvent];
        assert.equal(ev.action, 'access.deny', c.name);
        assert.equal(ev.outcome, 'denied', c.name);
        assert.equal(ev.actor, e.actor, c.name);
        assert.equal(ev.site, e.site, c.name);
        assert.equal(ev.target, e.target, c.name);
        assert.equal(ev.details.code, e.code, c.name);
        assert.equal(ev.details.status, e.status, c.name);
        assert.equal(ev.details.source, e.source, c.name);
      } else if (c.auditedAs !== undefined) {
        assert.equal(res.status, 403, c.name);
        assert.deepEqual(
          added.map((x) => x.action),
          [c.auditedAs],
          c.name,
        );
      } else {
        assert.ok(res.status === 401 || res.status === 404, `${c.name}: ${res.status}`);
        assert.deepEqual(
          added.map((x) => x.action),
          [],
          c.name,
        );
      }
    }
  },
);
