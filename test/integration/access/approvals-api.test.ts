/**
 * Approvals: only OT owners of the request's site decide, nobody decides on their own request on
 * any path (API, portal, a second role), comments are required and audited, N approvals per site
 * policy, and a deny after approval revokes the grant and ends its sessions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';
import { seedPlant } from './plant-fixture.js';
import { portalLogin } from './portal-client.js';

useCrypto();

test(
  'nobody approves their own request: not through the API, not through the portal, not with a second role',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    // oscar is both engineer and OT owner of plant-1.
    const oscar = await p.token('oscar');
    const own = await h.call('POST', '/api/v1/requests', { token: oscar, body: p.requestBody() });
    assert.equal(own.status, 201, own.text);
    const id = own.json.id as string;
    for (const decision of ['approve', 'deny']) {
      const r = await h.call('POST', `/api/v1/requests/${id}/decision`, {
        token: oscar,
        body: { decision, comment: 'looks fine to me' },
      });
      assert.equal(r.status, 403, decision);
      assert.equal(r.json.error.code, 'approval.self');
    }
    const portal = await portalLogin(h, p.users.oscar);
    const form = await portal.post(`/requests/${id}/decide`, {
      decision: 'approve',
      comment: 'via the portal',
    });
    assert.equal(form.status, 403, 'the portal face refuses it too');
    assert.match(form.text, /nobody decides on their own request/);
    const page = await portal.get(`/requests/${id}`);
    assert.match(page.text, /Your own request: another OT owner of the site must decide/);
    assert.doesNotMatch(page.text, /name="decision"/, 'no decide buttons on your own request');
    const view = await h.call('GET', `/api/v1/requests/${id}`, { token: oscar });
    assert.equal(view.json.status, 'pending');
    assert.equal(view.json.decisions.length, 0);
    // Another owner of the same site may.
    const olga = await h.call('POST', `/api/v1/requests/${id}/decision`, {
      token: await p.token('olga'),
      body: { decision: 'approve', comment: 'change window agreed with shift lead' },
    });
    assert.equal(olga.json.outcome, 'granted');
    // And the approved grant is still not oscar's to approve again (nothing pending).
    assert.equal(
      (
        await h.call('POST', `/api/v1/requests/${id}/decision`, {
          token: oscar,
          body: { decision: 'approve', comment: 'again' },
        })
      ).status,
      403,
    );
  },
);

test(
  'an account that is both admin and OT owner of the site never decides: API, portal, inbox',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    // Another admin made this account an OT owner too: the roles may be combined, the duties not.
    const ada = h.user('ada', ['admin', 'ot-owner@plant-1']);
    const adaToken = await h.login(ada);
    const id = (
      await h.call('POST', '/api/v1/requests', {
        token: await p.token('alice'),
        body: p.requestBody(),
      })
    ).json.id as string;
    for (const decision of ['approve', 'deny']) {
      const r = await h.call('POST', `/api/v1/requests/${id}/decision`, {
        token: adaToken,
        body: { decision, comment: 'I own this site too' },
      });
      assert.equal(r.status, 403, decision);
      assert.equal(r.json.error.code, 'approval.admin');
      assert.match(r.json.error.message, /an admin never decides on access requests/);
    }
    const inbox = await h.call('GET', '/api/v1/inbox', { token: adaToken });
    const entry = inbox.json.pending.find((x: { request: { id: string } }) => x.request.id === id);
    assert.equal(entry.canDecide, false);
    assert.match(entry.why, /an admin never decides/);
    const portal = await portalLogin(h, ada);
    const page = await portal.get(`/requests/${id}`);
    assert.match(page.text, /An admin never decides on access requests/);
    assert.doesNotMatch(page.text, /name="decision"/, 'no decide buttons for an admin');
    const form = await portal.post(`/requests/${id}/decide`, {
      decision: 'approve',
      comment: 'via the portal',
    });
    assert.equal(form.status, 403);
    const view = await h.call('GET', `/api/v1/requests/${id}`, { token: await p.token('alice') });
    assert.equal(view.json.status, 'pending');
    assert.equal(view.json.decisions.length, 0, 'no decision was recorded');
    const refusals = [...h.gw.services.store.audit.iterate()].filter(
      (e) => e.action === 'access.deny' && e.details.code === 'approval.admin',
    );
    assert.equal(refusals.length, 3, 'each refusal is audited');
    assert.ok(refusals.every((e) => e.actor === 'ada' && e.target === id));
    // An OT owner who is not an admin still decides.
    const olga = await h.call('POST', `/api/v1/requests/${id}/decision`, {
      token: await p.token('olga'),
      body: { decision: 'approve', comment: 'agreed with the shift lead' },
    });
    assert.equal(olga.json.outcome, 'granted');
  },
);

test(
  "only OT owners of the request's site decide: not another site's owner, not an admin, not an auditor",
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const id = (
      await h.call('POST', '/api/v1/requests', {
        token: await p.token('alice'),
        body: p.requestBody(),
      })
    ).json.id as string;
    const decide = async (who: keyof typeof p.users) =>
      h.call('POST', `/api/v1/requests/${id}/decision`, {
        token: await p.token(who),
        body: { decision: 'approve', comment: 'ok' },
      });
    const paul = await decide('paul');
    assert.equal(paul.status, 404, 'the owner of plant-2 cannot even see a plant-1 request');
    const root = await decide('root');
    assert.equal(root.status, 403, 'an admin cannot approve');
    const audrey = await decide('audrey');
    assert.equal(audrey.status, 403, 'an auditor cannot approve');
    const bob = await decide('bob');
    assert.equal(bob.status, 403);
    assert.equal(
      (await h.call('GET', `/api/v1/requests/${id}`, { token: await p.token('alice') })).json
        .decisions.length,
      0,
      'no decision was recorded',
    );
    const noComment = await h.call('POST', `/api/v1/requests/${id}/decision`, {
      token: await p.token('olga'),
      body: { decision: 'approve', comment: '   ' },
    });
    assert.equal(noComment.status, 400);
    assert.match(noComment.json.error.message, /comment is required/);
    const missing = await h.call('POST', `/api/v1/requests/${id}/decision`, {
      token: await p.token('olga'),
      body: { decision: 'approve' },
    });
    assert.equal(missing.status, 400);
    assert.match(missing.json.error.message, /^comment: /);
    const ok = await decide('olga');
    assert.equal(ok.status, 200);
    const event = [...h.gw.services.store.audit.iterate()].find(
      (e) => e.action === 'request.approve',
    );
    assert.equal(event?.actor, 'olga');
    assert.equal(event?.details.comment, 'ok', 'the comment is in the audit record');
  },
);

test(
  'N approvals from distinct owners, then a deny after approval revokes the grant and ends its sessions',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    assert.equal(
      (
        await h.call('PUT', '/api/v1/admin/sites/plant-1/policy', {
          token: await p.token('root'),
          body: { requiredApprovals: 2, ticketPattern: null },
        })
      ).status,
      200,
    );
    const alice = await p.token('alice');
    const id = (
      await h.call('POST', '/api/v1/requests', { token: alice, body: p.requestBody(0, 60) })
    ).json.id as string;
    const olga = await p.token('olga');
    const first = await h.call('POST', `/api/v1/requests/${id}/decision`, {
      token: olga,
      body: { decision: 'approve', comment: 'first' },
    });
    assert.equal(first.json.outcome, 'recorded');
    assert.equal(first.json.request.approvals, 1);
    const twice = await h.call('POST', `/api/v1/requests/${id}/decision`, {
      token: olga,
      body: { decision: 'approve', comment: 'me again' },
    });
    assert.equal(twice.status, 409);
    assert.equal(twice.json.error.code, 'approval.duplicate');
    const second = await h.call('POST', `/api/v1/requests/${id}/decision`, {
      token: await p.token('oscar'),
      body: { decision: 'approve', comment: 'second pair of eyes' },
    });
    assert.equal(second.json.outcome, 'granted');
    const grantId = second.json.grantId as string;
    const grant = await h.call('GET', `/api/v1/grants/${grantId}`, { token: alice });
    assert.equal(grant.json.state, 'active');
    assert.deepEqual(grant.json.approvers, ['olga', 'oscar']);
    const check = h.gw.services.access.checker.checkAccess(
      p.users.alice.user.id,
      'plant-1',
      'hmi-1',
      'ssh',
      h.clock.now(),
    );
    assert.equal(check.allow, true);

    const deny = await h.call('POST', `/api/v1/requests/${id}/decision`, {
      token: olga,
      body: { decision: 'deny', comment: 'line restarted early, not needed any more' },
    });
    assert.equal(deny.status, 200, deny.text);
    assert.equal(deny.json.outcome, 'revoked');
    assert.equal(deny.json.sessionsEnded, true);
    assert.deepEqual(
      h.sites.of('endGrantSessions').map((c) => c.grantId),
      [grantId],
      "the site was told to end the grant's sessions",
    );
    const after = await h.call('GET', `/api/v1/grants/${grantId}`, { token: alice });
    assert.equal(after.json.status, 'revoked');
    assert.match(after.json.endReason, /denied after approval: line restarted early/);
    const again = h.gw.services.access.checker.checkAccess(
      p.users.alice.user.id,
      'plant-1',
      'hmi-1',
      'ssh',
      h.clock.now(),
    );
    assert.deepEqual(again.allow ? null : again.reason, 'revoked');
    const actions = h.auditActions();
    assert.ok(actions.includes('request.deny') && actions.includes('grant.revoke'));
    assert.equal(
      (
        await h.call('POST', `/api/v1/requests/${id}/decision`, {
          token: olga,
          body: { decision: 'deny', comment: 'again' },
        })
      ).status,
      409,
      'nothing left to deny',
    );
  },
);

test(
  'a plain deny closes a pending request, with its comment, and tells the requester nothing is granted',
  { timeout: 60_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const id = (
      await h.call('POST', '/api/v1/requests', {
        token: await p.token('alice'),
        body: p.requestBody(),
      })
    ).json.id as string;
    const deny = await h.call('POST', `/api/v1/requests/${id}/decision`, {
      token: await p.token('olga'),
      body: { decision: 'deny', comment: 'not during the batch run' },
    });
    assert.equal(deny.json.outcome, 'denied');
    assert.equal(deny.json.request.status, 'denied');
    assert.equal(deny.json.request.decisions[0].comment, 'not during the batch run');
    assert.equal(
      (
        await h.call('POST', `/api/v1/requests/${id}/decision`, {
          token: await p.token('oscar'),
          body: { decision: 'approve', comment: 'late' },
        })
      ).status,
      409,
    );
    assert.equal(h.sites.calls.length, 0, 'no grant, nothing to end');
  },
);
