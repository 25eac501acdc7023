import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { AUDIT_MIGRATIONS } from '../../../shared/src/audit/audit-migrations.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { generateSigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { openDatabase } from '../../../shared/src/store/open-database.js';
import type { RecordingRow } from '../store/recording-store.js';
import { sqliteAuditChain } from './audit-chain.js';
import { AuditSearch } from './audit-search.js';
import { assetPageView } from './asset-page.js';

useCrypto();

/** Two logs as the gateways write them: the IT workflow (request, approvals, grant, session) and the OT session on a PLC. */
function logs() {
  const clock = new FakeClock(Date.UTC(2026, 5, 1, 8));
  const mk = () => {
    const db = openDatabase({ path: ':memory:', migrations: AUDIT_MIGRATIONS });
    const key = generateSigningKeyPair();
    return {
      db,
      key,
      log: new AuditLog({
        db,
        clock,
        ids: sequentialIds(),
        signingKey: key,
        checkpointEvery: 4,
        checkpointIntervalMs: 0,
      }),
    };
  };
  const it = mk();
  const ot = mk();
  const step = () => clock.advance(60_000);
  const I = (e: Parameters<AuditLog['append']>[0]) => (step(), it.log.append(e));
  const O = (e: Parameters<AuditLog['append']>[0]) => (step(), ot.log.append(e));
  I({
    action: 'request.create',
    actor: 'vera',
    site: 'plant-1',
    target: 'req_1',
    outcome: 'success',
    details: { assets: ['plc-1:maintenance', 'hmi-1:maintenance'] },
  });
  I({
    action: 'request.approve',
    actor: 'olga',
    site: 'plant-1',
    target: 'req_1',
    outcome: 'success',
    details: { comment: 'ok', approvals: 1, required: 2 },
  });
  I({
    action: 'request.approve',
    actor: 'oscar',
    site: 'plant-1',
    target: 'req_1',
    outcome: 'success',
    details: { comment: null, approvals: 2, required: 2 },
  });
  I({
    action: 'grant.issue',
    actor: 'oscar',
    site: 'plant-1',
    target: 'grt_1',
    outcome: 'success',
    details: { requestId: 'req_1' },
  });
  I({
    action: 'request.create',
    actor: 'otto',
    site: 'plant-1',
    target: 'req_2',
    outcome: 'success',
    details: { assets: ['plc-2:read-only'] },
  });
  I({
    action: 'session.start',
    actor: 'vera',
    site: 'plant-1',
    target: 'plc-1',
    outcome: 'success',
    details: { sessionId: 'ses_1', grantId: 'grt_1' },
  });
  O({
    action: 'session.start',
    actor: 'vera',
    site: 'plant-1',
    target: 'plc-1',
    outcome: 'success',
    details: { sessionId: 'ses_1', grantId: 'grt_1' },
  });
  O({
    action: 'modbus.write',
    actor: 'vera',
    site: 'plant-1',
    target: 'plc-1',
    outcome: 'success',
    details: { sessionId: 'ses_1', grantId: 'grt_1', address: 40001, value: 7 },
  });
  O({
    action: 'modbus.deny',
    actor: 'vera',
    site: 'plant-1',
    target: 'plc-1',
    outcome: 'denied',
    details: { sessionId: 'ses_1', grantId: 'grt_1', reason: 'unit 9 not allowed' },
  });
  // The same grant on another asset: not this page's session.
  O({
    action: 'session.start',
    actor: 'vera',
    site: 'plant-1',
    target: 'hmi-1',
    outcome: 'success',
    details: { sessionId: 'ses_2', grantId: 'grt_1' },
  });
  O({
    action: 'ssh.command',
    actor: 'vera',
    site: 'plant-1',
    target: 'hmi-1',
    outcome: 'success',
    details: { sessionId: 'ses_2', grantId: 'grt_1', kind: 'exec', command: 'uptime' },
  });
  O({
    action: 'session.end',
    actor: 'vera',
    site: 'plant-1',
    target: 'plc-1',
    outcome: 'success',
    details: { sessionId: 'ses_1', grantId: 'grt_1' },
  });
  step();
  const itChain = sqliteAuditChain(it.db, it.key.publicKey);
  const otChain = sqliteAuditChain(ot.db, ot.key.publicKey);
  const search = new AuditSearch({
    audit: it.log,
    itChain,
    siteEvents: {
      sites: () => ['plant-1'],
      otChain: (s) => (s === 'plant-1' ? otChain : undefined),
    },
  });
  return { clock, search };
}

test(
  'the asset page: the session on this asset with its grant, request, every approver, writes and refusals',
  { timeout: 10_000 },
  () => {
    const { clock, search } = logs();
    const from = Date.UTC(2026, 5, 1, 8);
    const activity = search.assetActivity('plant-1', 'plc-1', from, clock.now(), 'audrey');
    const recording = (id: string): RecordingRow | undefined =>
      id === 'ses_1' ? ({ sessionId: id, status: 'verified' } as RecordingRow) : undefined;
    const view = assetPageView(activity, recording);
    assert.deepEqual(
      view.sessions.map((s) => s.sessionId),
      ['ses_1'],
      'ses_2 (same grant, hmi-1) is not on the plc-1 page',
    );
    const s = view.sessions[0];
    assert.ok(s);
    assert.equal(s.user, 'vera');
    assert.equal(s.grantId, 'grt_1');
    assert.equal(s.requestId, 'req_1');
    assert.equal(s.requestedBy, 'vera');
    assert.deepEqual(
      s.approvals.map((a) => [a.approver, a.comment]),
      [
        ['olga', 'ok'],
        ['oscar', null],
      ],
    );
    assert.deepEqual(
      s.writes.map((h) => [h.log, h.event.action, h.event.outcome]),
      [
        ['ot', 'modbus.write', 'success'],
        ['ot', 'modbus.deny', 'denied'],
      ],
    );
    assert.deepEqual(s.commands, []);
    assert.ok(s.start !== null && s.end !== null && s.end > s.start);
    assert.deepEqual(s.recording, { status: 'verified', playable: true });
    assert.ok(
      !view.events.some((h) => h.event.target === 'req_2'),
      'another request of the site is not linked',
    );
  },
);

test(
  'the asset page: a grant approved before the range still shows its requester and approvers',
  { timeout: 10_000 },
  () => {
    const { clock, search } = logs();
    // The request, both approvals and the grant are at 08:01-08:04; the range starts at 08:05:30.
    const from = Date.UTC(2026, 5, 1, 8, 5, 30);
    const view = assetPageView(
      search.assetActivity('plant-1', 'plc-1', from, clock.now(), 'audrey'),
      () => undefined,
    );
    const s = view.sessions[0];
    assert.ok(s);
    assert.equal(s.requestId, 'req_1');
    assert.equal(s.requestedBy, 'vera');
    assert.deepEqual(
      s.approvals.map((a) => a.approver),
      ['olga', 'oscar'],
    );
    assert.ok(
      view.events.every((h) => h.event.time >= from),
      'the events table keeps to the range',
    );
  },
);

test('the asset page shows only that asset: the same grant used on another asset is left out', () => {
  const { clock, search } = logs();
  const view = assetPageView(
    search.assetActivity('plant-1', 'plc-1', Date.UTC(2026, 5, 1, 8), clock.now(), 'audrey'),
    () => undefined,
  );
  const targets = new Set(view.events.map((h) => h.event.target));
  assert.ok(!targets.has('hmi-1'), [...targets].join(', '));
  assert.ok(!view.events.some((h) => h.event.details.sessionId === 'ses_2'));
  assert.ok(
    view.events.some((h) => h.event.action === 'grant.issue'),
    'its grant stays',
  );
});
