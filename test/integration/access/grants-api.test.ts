/**
 * Grants: they expire by themselves on the injected clock (and end their sessions), who may revoke
 * them, the access check every session path calls and the tickets it leads to, lockdown, and
 * break-glass with its review.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSignedTicket } from '../../../shared/src/model/session-ticket.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';
import { seedPlant, type Plant } from './plant-fixture.js';

useCrypto();

async function grantFor(p: Plant, from = 0, to = 60): Promise<string> {
  const { h } = p;
  const id = (
    await h.call('POST', '/api/v1/requests', {
      token: await p.token('alice'),
      body: p.requestBody(from, to),
    })
  ).json.id as string;
  const d = await h.call('POST', `/api/v1/requests/${id}/decision`, {
    token: await p.token('olga'),
    body: { decision: 'approve', comment: 'ok' },
  });
  assert.equal(d.json.outcome, 'granted', d.text);
  return d.json.grantId as string;
}

test(
  'a grant is scheduled, then active, then expires by itself at its end (and its sessions are ended)',
  { timeout: 60_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const grantId = await grantFor(p, 30, 90);
    const alice = await p.token('alice');
    const state = async () =>
      (await h.call('GET', `/api/v1/grants/${grantId}`, { token: alice })).json;
    assert.equal((await state()).state, 'scheduled');
    const check = () =>
      h.gw.services.access.checker.checkAccess(
        p.users.alice.user.id,
        'plant-1',
        'hmi-1',
        'ssh',
        h.clock.now(),
      );
    assert.equal(check().allow ? 'allow' : (check() as { reason: string }).reason, 'not-yet-valid');
    assert.deepEqual(
      (await h.call('GET', '/api/v1/grants/usable', { token: alice })).json,
      [],
      'nothing usable before the start',
    );
    h.clock.advance(30 * 60_000);
    assert.equal((await state()).state, 'active');
    assert.equal(check().allow, true);
    const usable = await h.call('GET', '/api/v1/grants/usable', { token: alice });
    assert.deepEqual(
      usable.json.map(
        (u: { asset: string; protocol: string; profile: string; grantId: string }) => [
          u.asset,
          u.protocol,
          u.profile,
          u.grantId,
        ],
      ),
      [['hmi-1', 'ssh', 'maintenance', grantId]],
    );
    // Refresh the token (60 minute TTL) before the grant's end.
    const fresh = await h.login(p.users.alice);
    const notAfter = Date.parse(
      (await h.call('GET', `/api/v1/grants/${grantId}`, { token: fresh })).json.notAfter,
    );
    h.clock.set(notAfter - 1);
    assert.equal(h.sites.of('endGrantSessions').length, 0, 'one millisecond before its end');
    h.clock.advance(1);
    const ended = (await h.call('GET', `/api/v1/grants/${grantId}`, { token: fresh })).json;
    assert.equal(ended.status, 'expired', 'the sweep ran on the fake clock, nobody asked');
    assert.equal(ended.state, 'expired');
    assert.deepEqual(
      h.sites.of('endGrantSessions').map((c) => [c.grantId, c.reason]),
      [[grantId, 'grant expired']],
    );
    assert.ok(h.auditActions().includes('grant.expire'));
    assert.equal(check().allow ? 'allow' : (check() as { reason: string }).reason, 'expired');
  },
);

test(
  'a pending request that reaches its end without approval expires',
  { timeout: 60_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const id = (
      await h.call('POST', '/api/v1/requests', {
        token: await p.token('alice'),
        body: p.requestBody(5, 35),
      })
    ).json.id as string;
    h.clock.advance(35 * 60_000);
    assert.equal(h.gw.services.access.requests.get(p.users.alice.user, id).status, 'expired');
    assert.ok(h.auditActions().includes('request.expire'));
  },
);

test(
  'the grantee, an OT owner of the site or an admin revoke a grant; nobody else does',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const revoke = async (who: keyof typeof p.users, id: string) =>
      h.call('POST', `/api/v1/grants/${id}/revoke`, {
        token: await p.token(who),
        body: { reason: 'done' },
      });
    const g1 = await grantFor(p);
    assert.equal((await revoke('bob', g1)).status, 404, 'another engineer does not see it');
    assert.equal(
      (await revoke('paul', g1)).status,
      404,
      'the owner of another site does not see it',
    );
    const auditor = await revoke('audrey', g1);
    assert.equal(auditor.status, 403, 'an auditor sees it and changes nothing');
    assert.equal(auditor.json.error.code, 'grant.revoke_not_allowed');
    assert.equal(
      (await h.call('GET', `/api/v1/grants/${g1}`, { token: await p.token('bob') })).status,
      404,
    );
    const self = await revoke('alice', g1);
    assert.equal(self.status, 200);
    assert.equal(self.json.grant.status, 'revoked');
    assert.equal((await revoke('alice', g1)).status, 409, 'already ended');
    h.clock.advance(60_000);
    const g2 = await grantFor(p);
    assert.equal((await revoke('olga', g2)).json.grant.endedBy, 'olga');
    h.clock.advance(60_000);
    const g3 = await grantFor(p);
    assert.equal((await revoke('root', g3)).json.grant.endedBy, 'root');
    assert.deepEqual(
      h.sites.of('endGrantSessions').map((c) => c.grantId),
      [g1, g2, g3],
    );
    const noReason = await h.call('POST', `/api/v1/grants/${g3}/revoke`, {
      token: await p.token('root'),
      body: {},
    });
    assert.equal(noReason.status, 400);
    assert.match(noReason.json.error.message, /^reason: /);
  },
);

test(
  'checkAccess says why not (outside window, lockdown, wrong protocol, unknown asset, contract ended) and tickets are signed only on allow',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const { checker, tickets } = h.gw.services.access;
    const alice = p.users.alice.user.id;
    const grantId = await grantFor(p, 0, 120);
    const now = (): number => h.clock.now();
    const reason = (d: ReturnType<typeof checker.checkAccess>): string =>
      d.allow ? 'allow' : d.reason;
    assert.equal(reason(checker.checkAccess(alice, 'plant-1', 'hmi-1', 'ssh', now())), 'allow');
    assert.equal(
      reason(checker.checkAccess(alice, 'plant-1', 'hmi-1', 'modbus', now())),
      'wrong-protocol',
    );
    assert.equal(
      reason(checker.checkAccess(alice, 'plant-1', 'plc-1', 'modbus', now())),
      'no-grant',
    );
    assert.equal(
      reason(checker.checkAccess(alice, 'plant-1', 'hmi-7', 'ssh', now())),
      'unknown-asset',
    );
    assert.equal(
      reason(checker.checkAccess(alice, 'plant-9', 'hmi-1', 'ssh', now())),
      'unknown-site',
    );
    assert.equal(
      reason(checker.checkAccess(p.users.bob.user.id, 'plant-1', 'hmi-1', 'ssh', now())),
      'no-grant',
    );

    const issued = tickets.issue({
      user: alice,
      site: 'plant-1',
      asset: 'hmi-1',
      protocol: 'ssh',
      channel: 'ssh-session',
      source: '10.0.0.1',
    });
    assert.ok(issued.ok);
    const opened = openSignedTicket(
      JSON.parse(JSON.stringify(issued.signed)),
      h.gw.services.store.keys.grant.publicKey,
    );
    assert.ok(opened.ok, 'the ticket verifies with the grant-signing public key');
    assert.equal(opened.value.grantId, grantId);
    assert.equal(opened.value.user.name, 'alice');
    assert.equal(opened.value.profile, 'maintenance');
    assert.deepEqual(opened.value.approvers, ['olga']);
    assert.equal(opened.value.expiresAt - opened.value.issuedAt, 30_000);
    assert.equal(opened.value.sessionId, issued.sessionId);
    const second = tickets.issue({
      user: alice,
      site: 'plant-1',
      asset: 'hmi-1',
      protocol: 'ssh',
      channel: 'ssh-session',
    });
    assert.ok(
      second.ok && second.signed.ticket.nonce !== issued.signed.ticket.nonce,
      'a fresh nonce each time',
    );

    // The window is removed: the grant stands but cannot be used outside a window.
    const windows = h.gw.services.access.windows.listWindows(p.users.olga.user, 'plant-1');
    const olga = await p.token('olga');
    for (const w of windows)
      assert.equal(
        (await h.call('DELETE', `/api/v1/windows/${w.id}`, { token: olga })).status,
        204,
      );
    assert.equal(
      reason(checker.checkAccess(alice, 'plant-1', 'hmi-1', 'ssh', now())),
      'outside-window',
    );
    const refused = tickets.issue({
      user: alice,
      site: 'plant-1',
      asset: 'hmi-1',
      protocol: 'ssh',
      channel: 'ssh-session',
    });
    assert.equal(refused.ok, false);
    assert.equal(refused.ok ? '' : refused.access.reason, 'outside-window');
    const ticketEvents = [...h.gw.services.store.audit.iterate()].filter(
      (e) => e.action === 'ticket.issue',
    );
    assert.deepEqual(
      ticketEvents.map((e) => e.outcome),
      ['success', 'success', 'denied'],
    );
    assert.ok(
      !JSON.stringify(ticketEvents).includes(issued.signed.signature),
      'the signature is not audited',
    );

    h.gw.services.access.windows.addWindow({ cli: 'cli:test' }, 'plant-1', {
      asset: null,
      label: 'again',
      rule: { kind: 'weekly', days: ['mon'], start: '00:00', end: '00:00' },
    });
    assert.equal(reason(checker.checkAccess(alice, 'plant-1', 'hmi-1', 'ssh', now())), 'allow');
    const locked = await h.call('POST', '/api/v1/sites/plant-1/lockdown', {
      token: olga,
      body: { reason: 'suspicious traffic on the cell network' },
    });
    assert.equal(locked.status, 200, locked.text);
    assert.equal(locked.json.delivered, true);
    assert.deepEqual(
      h.sites.of('setLockdown').map((c) => [c.site, c.on]),
      [['plant-1', true]],
    );
    assert.equal(
      reason(checker.checkAccess(alice, 'plant-1', 'hmi-1', 'ssh', now())),
      'site-locked-down',
    );
    assert.equal(
      (
        await h.call('POST', '/api/v1/sites/plant-1/lockdown', {
          token: olga,
          body: { reason: 'again' },
        })
      ).status,
      409,
    );
    assert.equal(
      (
        await h.call('POST', '/api/v1/sites/plant-1/lockdown/lift', {
          token: await p.token('paul'),
          body: { reason: 'not mine' },
        })
      ).status,
      403,
    );
    assert.equal(
      (
        await h.call('POST', '/api/v1/sites/plant-1/lockdown/lift', {
          token: await p.token('root'),
          body: { reason: 'admin' },
        })
      ).status,
      403,
      'an admin does not lift a lockdown',
    );
    h.sites.delivered = false;
    const lifted = await h.call('POST', '/api/v1/sites/plant-1/lockdown/lift', {
      token: olga,
      body: { reason: 'all clear' },
    });
    assert.equal(
      lifted.json.delivered,
      false,
      'an offline site is reported, the state still changes',
    );
    assert.equal(reason(checker.checkAccess(alice, 'plant-1', 'hmi-1', 'ssh', now())), 'allow');
    assert.ok(
      h.auditActions().includes('site.lockdown') && h.auditActions().includes('site.lockdown_lift'),
    );

    const victor = p.users.victor.user.id;
    h.gw.services.access.windows.addSchedule({ cli: 'cli:test' }, 'plant-1', {
      vendor: 'victor',
      asset: 'plc-1',
      profile: 'tuning',
      label: 'job',
      rule: {
        kind: 'weekly',
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
        start: '00:00',
        end: '00:00',
      },
    });
    const vr = await h.call('POST', '/api/v1/requests', {
      token: await p.token('victor'),
      body: p.requestBody(0, 60, { assets: [{ asset: 'plc-1', profile: 'tuning' }] }),
    });
    assert.equal(vr.status, 201, vr.text);
    await h.call('POST', `/api/v1/requests/${vr.json.id}/decision`, {
      token: olga,
      body: { decision: 'approve', comment: 'ok' },
    });
    assert.equal(reason(checker.checkAccess(victor, 'plant-1', 'plc-1', 'modbus', now())), 'allow');
    const [schedule] = h.gw.services.access.windows.listSchedules(p.users.olga.user, 'plant-1');
    h.gw.services.access.windows.deleteSchedule({ cli: 'cli:test' }, schedule?.id ?? '');
    assert.equal(
      reason(checker.checkAccess(victor, 'plant-1', 'plc-1', 'modbus', now())),
      'outside-schedule',
      'a vendor uses a grant only inside their schedule',
    );
    h.gw.services.auth.userAdmin.updateUser(
      victor,
      { contractEnd: '2026-05-31' },
      { cli: 'cli:test' },
    );
    assert.equal(
      reason(checker.checkAccess(victor, 'plant-1', 'plc-1', 'modbus', now())),
      'contract-ended',
    );
  },
);

test(
  'break-glass: only for marked accounts, at once and outside windows, alerting every owner, reviewed afterwards',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const body = {
      site: 'plant-1',
      assets: [{ asset: 'plc-1', profile: 'tuning' }],
      durationMinutes: 60,
      justification: 'line 3 stopped, PLC faulted, on-call needs to reset it',
    };
    assert.equal(
      (await h.call('POST', '/api/v1/break-glass', { token: await p.token('alice'), body })).status,
      403,
      'not marked',
    );
    h.gw.services.auth.userAdmin.updateUser(
      p.users.bob.user.id,
      { canBreakGlass: true },
      { cli: 'cli:test' },
    );
    const bob = await p.token('bob');
    assert.equal(
      (
        await h.call('POST', '/api/v1/break-glass', {
          token: bob,
          body: { ...body, justification: 'urgent' },
        })
      ).status,
      400,
      'a real justification is required',
    );
    assert.equal(
      (
        await h.call('POST', '/api/v1/break-glass', {
          token: bob,
          body: { ...body, durationMinutes: 600 },
        })
      ).status,
      400,
      'at most 4 hours by default',
    );
    h.clock.set(Date.UTC(2026, 5, 6, 22, 0)); // Saturday night: no window.
    const fresh = await h.login(p.users.bob);
    const g = await h.call('POST', '/api/v1/break-glass', { token: fresh, body });
    assert.equal(g.status, 201, g.text);
    assert.equal(g.json.breakGlass, true);
    assert.equal(g.json.state, 'active');
    assert.equal(g.json.needsReview, true);
    assert.deepEqual(g.json.approvers, []);
    const decision = h.gw.services.access.checker.checkAccess(
      p.users.bob.user.id,
      'plant-1',
      'plc-1',
      'modbus',
      h.clock.now(),
    );
    assert.ok(decision.allow && decision.grant.breakGlass, 'usable outside any window, and marked');
    const event = [...h.gw.services.store.audit.iterate()].find(
      (e) => e.action === 'grant.break_glass',
    );
    assert.deepEqual(
      event?.details.alerted,
      ['olga', 'oscar'],
      'every OT owner of the site is alerted',
    );
    const olga = await h.login(p.users.olga);
    const inbox = await h.call('GET', '/api/v1/inbox', { token: olga });
    assert.deepEqual(
      inbox.json.breakGlassToReview.map((x: { id: string }) => x.id),
      [g.json.id],
    );
    const selfReview = await h.call('POST', `/api/v1/grants/${g.json.id}/review`, {
      token: fresh,
      body: { comment: 'all good' },
    });
    assert.equal(selfReview.status, 403);
    const paul = await h.login(p.users.paul);
    assert.equal(
      (
        await h.call('POST', `/api/v1/grants/${g.json.id}/review`, {
          token: paul,
          body: { comment: 'x' },
        })
      ).status,
      404,
    );
    const review = await h.call('POST', `/api/v1/grants/${g.json.id}/review`, {
      token: olga,
      body: { comment: 'fault confirmed by the shift log; reset was needed' },
    });
    assert.equal(review.status, 200, review.text);
    assert.equal(review.json.needsReview, false);
    assert.equal(review.json.review.by, 'olga');
    assert.equal(
      (
        await h.call('POST', `/api/v1/grants/${g.json.id}/review`, {
          token: olga,
          body: { comment: 'twice' },
        })
      ).status,
      409,
    );
    const approve = await h.call('POST', `/api/v1/requests/${g.json.requestId}/decision`, {
      token: olga,
      body: { decision: 'approve', comment: 'x' },
    });
    assert.equal(approve.status, 409, 'break-glass is reviewed, not approved');
    assert.equal(
      (
        await h.call('POST', '/api/v1/sites/plant-1/lockdown', {
          token: olga,
          body: { reason: 'incident' },
        })
      ).status,
      200,
    );
    const duringLockdown = await h.call('POST', '/api/v1/break-glass', { token: fresh, body });
    assert.equal(duringLockdown.status, 403);
    assert.equal(duringLockdown.json.error.code, 'break_glass.locked_down');
  },
);
