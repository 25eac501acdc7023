/**
 * Approvals that cannot dead-end: with 2 approvals required and 2 OT owners, a request by one of
 * them is flagged at request time (API field and portal warning); lowering the site's required
 * approvals grants a pending request that now has enough (audited `request.reevaluate` with the
 * policy change as reason), raising it flags one that can never be met. The request page names
 * the approvers (never the requester as "approved by"), hides Approve once the viewer approved,
 * and its title names assets, site, requester and reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';
import { seedPlant } from './plant-fixture.js';
import { portalLogin } from './portal-client.js';

useCrypto();

test(
  'quorum: warned at request time, re-evaluated when the policy changes, audited',
  { timeout: 90_000 },
  async (t) => {
    const h = await startHarness(t);
    const p = await seedPlant(h);
    const root = await p.token('root');
    const policy = (n: number) =>
      h.call('PUT', '/api/v1/admin/sites/plant-1/policy', {
        token: root,
        body: { requiredApprovals: n, ticketPattern: null },
      });
    assert.equal((await policy(2)).status, 200);

    // oscar is an OT owner of plant-1 and an engineer: only olga can approve his request.
    const oscarPortal = await portalLogin(h, p.users.oscar);
    const form = await oscarPortal.get('/requests/new?site=plant-1');
    assert.match(form.text, /class="notice error quorum-warning"/);
    assert.match(form.text, /needs 2 OT-owner approval\(s\) and only 1 more person/);
    const oscars = await h.call('POST', '/api/v1/requests', {
      token: await p.token('oscar'),
      body: p.requestBody(10, 70, { reason: 'swap the HMI touch panel' }),
    });
    assert.equal(oscars.status, 201, oscars.text);
    assert.equal(oscars.json.quorum.canBeMet, false);
    assert.equal(oscars.json.quorum.remainingApprovers, 1);
    assert.match(oscars.json.quorumWarning, /only 1 more person/);
    const listed = await oscarPortal.get('/requests?status=pending');
    assert.match(listed.text, /class="badge locked"[^>]*>\s*cannot be met/);
    const alices = await h.call('POST', '/api/v1/requests', {
      token: await p.token('alice'),
      body: p.requestBody(10, 70),
    });
    assert.equal(alices.json.quorum.canBeMet, true);
    assert.equal(alices.json.quorumWarning, null);

    // olga approves oscar's request through the portal: 1 of 2; Approve is gone for her after.
    const olga = await portalLogin(h, p.users.olga);
    const before = await olga.get(`/requests/${oscars.json.id}`);
    assert.match(before.text, /<title>[^<]*hmi-1 at plant-1 for oscar: swap the HMI touch panel/);
    assert.match(before.text, /value="approve"/);
    const decided = await olga.post(`/requests/${oscars.json.id}/decide`, {
      decision: 'approve',
      comment: 'fine by me',
    });
    assert.equal(decided.status, 303);
    const after = await olga.get(`/requests/${oscars.json.id}`);
    assert.doesNotMatch(after.text, /value="approve"/);
    assert.match(after.text, /value="deny"/);
    assert.match(after.text, /1 of 2 approvals \(olga\)/);
    assert.match(after.text, /Cannot be approved as things stand/);

    // Lowered to 1: oscar's request (1 approval) is granted; alice's (none) stays pending.
    const lowered = await policy(1);
    assert.deepEqual(
      lowered.json.reevaluated.map((r: { requestId: string; outcome: string }) => [
        r.requestId,
        r.outcome,
      ]),
      [
        [oscars.json.id, 'granted'],
        [alices.json.id, 'pending'],
      ],
    );
    const granted = await h.call('GET', `/api/v1/requests/${oscars.json.id}`, {
      token: await p.token('oscar'),
    });
    assert.equal(granted.json.status, 'approved');
    assert.equal(granted.json.requiredApprovals, 1);
    assert.ok(granted.json.grantId !== null);
    const events = [...h.gw.services.store.audit.iterate()];
    const re = events.find((e) => e.action === 'request.reevaluate' && e.target === oscars.json.id);
    assert.equal(re?.actor, 'root');
    assert.equal(re?.details.result, 'granted');
    assert.match(String(re?.details.reason), /now requires 1 approval\(s\) \(was 2\)/);
    const issue = events.find(
      (e) => e.action === 'grant.issue' && e.details.requestId === oscars.json.id,
    );
    assert.equal(issue?.actor, 'root');

    // The requester's page says who approved, never "approved by" the requester.
    const mine = await oscarPortal.get(`/requests/${oscars.json.id}`);
    assert.match(mine.text, /class="decided-by">approved by olga</);
    assert.match(mine.text, /Requested by <strong>oscar<\/strong>/);
    assert.doesNotMatch(mine.text, /approved by oscar/i);

    // Raised to 3: alice's request can never be met by plant-1's two owners: flagged.
    const raised = await policy(3);
    assert.deepEqual(
      raised.json.reevaluated.map((r: { outcome: string }) => r.outcome),
      ['flagged'],
    );
    const flagged = await h.call('GET', `/api/v1/requests/${alices.json.id}`, {
      token: await p.token('alice'),
    });
    assert.equal(flagged.json.status, 'pending');
    assert.equal(flagged.json.requiredApprovals, 3);
    assert.equal(flagged.json.quorum.canBeMet, false);
    const inbox = await olga.get('/inbox');
    assert.match(inbox.text, /cannot be met/);
    assert.ok(
      [...h.gw.services.store.audit.iterate()].some(
        (e) =>
          e.action === 'request.reevaluate' &&
          e.target === alices.json.id &&
          e.details.result === 'flagged',
      ),
    );
  },
);

test(
  'quorum: owners joining or leaving turn the flag off and on, each change audited once',
  { timeout: 90_000 },
  async (t) => {
    const h = await startHarness(t);
    const p = await seedPlant(h);
    const s = h.gw.services;
    s.access.policies.set({ cli: 'cli:test' }, 'plant-1', {
      requiredApprovals: 2,
      ticketPattern: null,
    });
    const made = await h.call('POST', '/api/v1/requests', {
      token: await p.token('oscar'),
      body: p.requestBody(10, 70),
    });
    assert.equal(made.json.quorum.canBeMet, false);
    const reevaluations = () =>
      [...s.store.audit.iterate()]
        .filter((e) => e.action === 'request.reevaluate' && e.target === made.json.id)
        .map((e) => `${String(e.details.result)} by ${e.actor}: ${String(e.details.reason)}`);
    const created = [...s.store.audit.iterate()].find(
      (e) => e.action === 'request.create' && e.target === made.json.id,
    );
    assert.equal(created?.details.quorumCanBeMet, false);

    // A third owner joins: the request can be approved again.
    const otto = h.user('otto', ['ot-owner@plant-1']);
    assert.deepEqual(reevaluations(), [`pending by cli:test: accounts changed (user.create otto)`]);
    const again = await h.call('GET', `/api/v1/requests/${made.json.id}`, {
      token: await p.token('oscar'),
    });
    assert.equal(again.json.quorum.canBeMet, true);
    // An unrelated change audits nothing more.
    h.user('bea', ['engineer']);
    assert.equal(reevaluations().length, 1);
    // otto is disabled: flagged again.
    s.auth.userAdmin.updateUser(otto.user.id, { state: 'disabled' }, { cli: 'cli:root' });
    assert.deepEqual(reevaluations().slice(1), [
      `flagged by cli:root: accounts changed (user.disable otto)`,
    ]);
    const flagged = await h.call('GET', `/api/v1/requests/${made.json.id}`, {
      token: await p.token('oscar'),
    });
    assert.equal(flagged.json.quorum.canBeMet, false);
    assert.match(flagged.json.quorumWarning, /only 1 more person/);
  },
);
