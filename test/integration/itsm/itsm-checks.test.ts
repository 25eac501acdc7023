/**
 * Tickets checked against a real HTTP ITSM (the stand-in on loopback) through the API: the table
 * API and the webhook, a record in each state, the window, the CIs, a missing record, a malformed
 * answer, a timeout (deny and allow-and-flag, with the alert), the recheck at approval time, the
 * settings' validation, and that the credentials never reach the audit log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { waitFor } from '../../helpers/wait-for.js';
import { portalLogin } from '../access/portal-client.js';
import { change, ITSM_PASSWORD, itsmWorld } from './itsm-fixture.js';

useCrypto();

const TABLE_SITE = {
  connector: 'snow',
  allowedStates: ['Scheduled', 'Implement', 'In Progress'],
  assetCis: { 'hmi-1': 'HMI-1', 'plc-1': 'PLC-1' },
};

test(
  'the table API: a change in an allowed state covering the window and the CIs is verified; every other case is refused with the reason',
  { timeout: 90_000 },
  async (t) => {
    const w = await itsmWorld(t);
    await w.setSite(TABLE_SITE);
    const ok = await w.request('CHG0000100', {
      assets: [
        { asset: 'hmi-1', profile: 'maintenance' },
        { asset: 'plc-1', profile: 'tuning' },
      ],
    });
    assert.equal(ok.status, 201, ok.text);
    const check = ok.json.itsm[0];
    assert.deepEqual(
      [check.stage, check.connector, check.ticket, check.outcome],
      ['request', 'snow', 'CHG0000100', 'verified'],
    );
    assert.deepEqual(
      [check.record.state, check.record.stateValue, check.record.assignedTo, check.record.cis],
      ['Implement', '-1', 'alice', ['HMI-1', 'PLC-1']],
    );
    assert.equal(check.record.plannedStart, '2026-06-01T07:00:00.000Z');
    assert.equal(check.record.plannedEnd, '2026-06-01T12:00:00.000Z');
    assert.equal((await w.request('INC0000200')).status, 201, 'an incident in an allowed state');
    assert.equal(
      (await w.request('CHG0000108')).status,
      201,
      'a record naming no CI is not checked for CIs',
    );

    const refused = async (ticket: string | undefined, pattern: RegExp) => {
      const r = await w.request(ticket);
      assert.equal(r.status, ticket === undefined ? 400 : 403, r.text);
      assert.equal(
        r.json.error.code,
        ticket === undefined ? 'request.ticket_required' : 'request.itsm_refused',
      );
      assert.match(r.json.error.message, pattern);
    };
    await refused(
      'CHG0000101',
      /CHG0000101 is in state "Assess"; this site accepts "Scheduled", "Implement", "In Progress"/,
    );
    await refused(
      'CHG0000102',
      /planned 2026-06-01T10:00:00.000Z to 2026-06-01T11:00:00.000Z; the request .* falls outside it/,
    );
    await refused('CHG0000103', /CHG0000103 does not name hmi-1 \(CI HMI-1\); it lists PLC-1/);
    await refused('CHG0000999', /snow has no record CHG0000999/);
    await refused('CHG0000104', /malformed answer: .*answered with a body that is not JSON/);
    await refused('CHG0000105', /malformed answer: .*malformed body: result\.0\.state: /);
    await refused('CHG0000109', /malformed answer: .*answered with more than 1048576 bytes/);
    await refused(undefined, /checks tickets with its ITSM/);
    const byOutcome = [...w.h.gw.services.store.audit.iterate()]
      .filter((e) => e.action === 'itsm.check')
      .map((e) => e.outcome);
    assert.deepEqual(byOutcome, [...Array(3).fill('success'), ...Array(7).fill('denied')]);
    const everything = JSON.stringify([...w.h.gw.services.store.audit.iterate()]);
    assert.ok(!everything.includes(ITSM_PASSWORD), 'the credentials never reach the audit log');
    assert.ok(!everything.includes(Buffer.from(`airlock:${ITSM_PASSWORD}`).toString('base64')));
  },
);

test(
  'the ITSM timing out: deny by default; allow-and-flag marks the request unverified and alerts the OT owners',
  { timeout: 90_000 },
  async (t) => {
    const w = await itsmWorld(t, 300);
    await w.setSite(TABLE_SITE);
    const denied = await w.request('CHG0000106');
    assert.equal(denied.status, 403);
    assert.match(denied.json.error.message, /cannot be asked now: .* did not answer within 300 ms/);
    await w.setSite({ ...TABLE_SITE, onUnavailable: 'allow-and-flag' });
    const flagged = await w.request('CHG0000106');
    assert.equal(flagged.status, 201, flagged.text);
    assert.equal(flagged.json.itsm[0].outcome, 'unverified');
    assert.match(flagged.json.itsm[0].reason, /^not verified: .* did not answer within 300 ms/);
    const alert = await waitFor('the unverified alert', () =>
      w.alerts.find((a) => a['event'] === 'itsm.unverified'),
    );
    assert.equal(alert['requestId'], flagged.json.id);
    assert.deepEqual(alert['recipients'], ['olga', 'oscar']);
    // A malformed answer is not an outage: never waved through, even with allow-and-flag.
    assert.equal((await w.request('CHG0000105')).status, 403);
    // Meanwhile other requests were not held up: the event loop was never blocked.
    const page = await w.h.call('GET', '/api/v1/requests/' + String(flagged.json.id), {
      token: await w.p.token('olga'),
    });
    assert.equal(page.json.itsm[0].outcome, 'unverified', 'the approver sees the flag');
    const portal = await portalLogin(w.h, w.p.users.olga);
    const html = (await portal.get(`/requests/${String(flagged.json.id)}`)).text;
    assert.match(html, /<span class="badge unverified">unverified<\/span>/);
    assert.match(html, /Check the ticket yourself before approving/);
  },
);

test(
  'at approval time the ticket is checked again; the answer is kept beside the request',
  { timeout: 90_000 },
  async (t) => {
    const w = await itsmWorld(t);
    await w.setSite(TABLE_SITE);
    const r = await w.request('CHG0000107');
    assert.equal(r.status, 201, r.text);
    const olga = await w.p.token('olga');
    const decide = () =>
      w.h.call('POST', `/api/v1/requests/${String(r.json.id)}/decision`, {
        token: olga,
        body: { decision: 'approve', comment: 'go ahead' },
      });
    w.itsm.put(change('CHG0000107', 'Closed'));
    const closed = await decide();
    assert.equal(closed.status, 403, closed.text);
    assert.equal(closed.json.error.code, 'approval.itsm_refused');
    assert.match(closed.json.error.message, /CHG0000107 is in state "Closed"/);
    const seen = await w.h.call('GET', `/api/v1/requests/${String(r.json.id)}`, { token: olga });
    assert.equal(seen.json.status, 'pending');
    assert.deepEqual(
      seen.json.itsm.map((c: { stage: string; outcome: string }) => `${c.stage}:${c.outcome}`),
      ['request:verified', 'approval:refused'],
    );
    w.itsm.put(change('CHG0000107', 'Implement'));
    const granted = await decide();
    assert.equal(granted.status, 200, granted.text);
    assert.notEqual(granted.json.grantId, null);
    assert.equal(granted.json.request.itsm[1].outcome, 'verified');
    const portal = await portalLogin(w.h, w.p.users.olga);
    const html = (await portal.get(`/requests/${String(r.json.id)}`)).text;
    assert.match(html, /CHG0000107 \(change\): state Implement, assigned to alice/);
    assert.match(html, /CIs: HMI-1, PLC-1/);

    // The grant reaches its end (the fake clock): the work note is written to the ticket, once.
    w.h.clock.advance(2 * 3_600_000);
    const [note] = await w.itsm.waitForNotes(1);
    assert.ok(note);
    assert.equal(note.ticket, 'CHG0000107');
    assert.equal(note.via, 'table-api');
    const grantId = String(granted.json.grantId);
    assert.equal(
      note.text,
      [
        `Airlock: access under CHG0000107 has ended (grant ${grantId}, site plant-1).`,
        'Who: alice',
        'What: hmi-1 (ssh, profile maintenance)',
        `Granted: ${String(r.json.startsAt)} to ${String(r.json.endsAt)}; ended ${String(r.json.endsAt)} (expired)`,
        'Sessions: none recorded by the site',
        'Commands: 0; writes: 0; refusals: 0',
        `Record: https://127.0.0.1:8443/requests/${String(r.json.id)}`,
      ].join('\n'),
    );
    await w.h.gw.services.itsm.idle();
    assert.equal(w.h.auditActions().filter((a) => a === 'itsm.work_note').length, 1);
    assert.equal(w.itsm.notes.length, 1);
  },
);

test(
  'the webhook decides and says why; its malformed answer and its silence are refused',
  { timeout: 90_000 },
  async (t) => {
    const w = await itsmWorld(t, 300);
    await w.setSite({ connector: 'hook', allowedStates: ['any'], assetCis: { 'hmi-1': 'HMI-1' } });
    const ok = await w.request('CHG0000100');
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.itsm[0].reason, 'CHG0000100 approved for this work');
    assert.equal(ok.json.itsm[0].record.state, 'Implement');
    for (const [ticket, pattern] of [
      ['CHG0000101', /CHG0000101 is Assess/],
      ['CHG0000102', /not planned for that time/],
      ['CHG0000103', /does not cover HMI-1/],
      ['CHG0000999', /no ticket CHG0000999/],
      ['CHG0000105', /malformed body: allow: /],
      ['CHG0000106', /did not answer within 300 ms/],
    ] as const) {
      const r = await w.request(ticket);
      assert.equal(r.status, 403, `${ticket}: ${r.text}`);
      assert.match(r.json.error.message, pattern);
    }
  },
);

test(
  'site settings are validated with the field named, admin only, and audited',
  { timeout: 90_000 },
  async (t) => {
    const w = await itsmWorld(t);
    const put = async (token: string, body: Record<string, unknown>, site = 'plant-1') =>
      w.h.call('PUT', `/api/v1/admin/sites/${site}/itsm`, { token, body });
    const unknown = await put(w.root, { connector: 'jira', allowedStates: ['Open'] });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error.details.field, 'connector');
    assert.match(unknown.json.error.message, /no connector jira; configured: snow, hook/);
    const noStates = await put(w.root, { connector: 'snow', allowedStates: [] });
    assert.equal(noStates.status, 400);
    const badCi = await put(w.root, {
      connector: 'snow',
      allowedStates: ['Implement'],
      assetCis: { 'hmi-1': ' ' },
    });
    assert.equal(badCi.status, 400);
    assert.equal(badCi.json.error.details.field, 'assetCis.hmi-1');
    const badPolicy = await put(w.root, {
      connector: 'snow',
      allowedStates: ['Implement'],
      onUnavailable: 'allow',
    });
    assert.equal(badPolicy.status, 400);
    assert.equal((await put(await w.p.token('olga'), TABLE_SITE)).status, 403);
    assert.equal((await put(w.root, TABLE_SITE, 'plant-9')).status, 404);
    assert.equal(
      w.h.auditActions().filter((a) => a === 'itsm.configure').length,
      0,
      'nothing changed',
    );
    const set = await put(w.root, TABLE_SITE);
    assert.equal(set.status, 200);
    assert.deepEqual(
      [set.json.connector, set.json.onUnavailable, set.json.workNotes],
      ['snow', 'deny', true],
    );
    const got = await w.h.call('GET', '/api/v1/admin/sites/plant-1/itsm', { token: w.root });
    assert.deepEqual(got.json.connectors, ['snow', 'hook']);
    assert.equal(got.json.settings.assetCis['plc-1'], 'PLC-1');
    assert.equal(
      (await w.h.call('DELETE', '/api/v1/admin/sites/plant-1/itsm', { token: w.root })).status,
      200,
    );
    assert.equal((await w.request(undefined)).status, 201, 'no ITSM check: no ticket needed again');
    assert.equal(w.h.auditActions().filter((a) => a === 'itsm.configure').length, 2);
  },
);
