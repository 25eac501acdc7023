import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { twoLogs } from './two-logs.fixture.js';
import { AUDIT_AREAS, actionFilter, AuditSearch, type AuditSearchHit } from './audit-search.js';
import { isAirlockError } from '../../../shared/src/errors.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';

useCrypto();

const DAY_FROM = Date.UTC(2026, 5, 1, 0);
const DAY_TO = Date.UTC(2026, 5, 2, 0);

test(
  "search returns only the site's events, filtered, paged without duplicates, and is audited",
  { timeout: 30_000 },
  () => {
    const logs = twoLogs();
    const search = new AuditSearch({
      audit: logs.it,
      itChain: logs.itChain,
      siteEvents: logs.sites,
    });
    assert.equal(
      search.search({ site: 'plant-1', from: DAY_FROM, to: DAY_TO, actor: 'otto' }, 'audrey').hits
        .length,
      0,
      "plant-2's events are not plant-1's",
    );
    const writes = search.search(
      { site: 'plant-1', from: DAY_FROM, to: DAY_TO, action: 'modbus.' },
      'audrey',
    );
    assert.equal(writes.hits.length, 24);
    assert.ok(writes.hits.every((h) => h.log === 'ot' && h.event.action === 'modbus.write'));
    const seen: AuditSearchHit[] = [];
    let cursor: string | undefined;
    let calls = 0;
    do {
      const page = search.search(
        {
          site: 'plant-1',
          from: Date.UTC(2026, 5, 1, 19),
          to: Date.UTC(2026, 5, 1, 21),
          limit: 5,
          ...omitUndefined({ cursor }),
        },
        'audrey',
      );
      seen.push(...page.hits);
      cursor = page.nextCursor;
      calls++;
    } while (cursor !== undefined && calls < 20);
    const keys = seen.map((h) => `${h.log}:${h.event.seq}`);
    assert.equal(new Set(keys).size, keys.length, 'no hit twice');
    assert.equal(seen.filter((h) => h.log === 'it').length, 13);
    assert.equal(seen.filter((h) => h.log === 'ot').length, 14);
    assert.ok(seen.every((h) => h.event.site === 'plant-1'));
    const audited = [...logs.it.iterate()].filter((e) => e.action === 'audit.search');
    assert.equal(audited.length, 2 + calls);
    assert.equal(audited[0]?.actor, 'audrey');
    assert.throws(() => search.search({ site: 'plant-1', from: DAY_TO, to: DAY_FROM }, 'audrey'), {
      code: 'audit.search_query',
    });
    assert.throws(
      () =>
        search.search({ site: 'plant-1', from: DAY_FROM, to: DAY_TO, cursor: 'garbage' }, 'audrey'),
      { code: 'audit.search_cursor' },
    );
  },
);

test(
  'asset activity answers who was on the asset, on whose approval, and what they did',
  { timeout: 30_000 },
  () => {
    const logs = twoLogs();
    const from = logs.clock.now() + 1;
    logs.clock.advance(60_000);
    logs.it.append({
      action: 'request.create',
      actor: 'vera',
      site: 'plant-1',
      target: 'hmi-1',
      outcome: 'success',
      details: { requestId: 'req-7' },
    });
    logs.it.append({
      action: 'request.approve',
      actor: 'olga',
      site: 'plant-1',
      target: 'req-7',
      outcome: 'success',
      details: { requestId: 'req-7', comment: 'ok for the pump check' },
    });
    logs.it.append({
      action: 'grant.issue',
      actor: 'system:it',
      site: 'plant-1',
      target: 'hmi-1',
      outcome: 'success',
      details: { requestId: 'req-7', grantId: 'gr-7' },
    });
    logs.it.append({
      action: 'request.approve',
      actor: 'olga',
      site: 'plant-2',
      target: 'req-8',
      outcome: 'success',
      details: { requestId: 'req-8' },
    });
    logs.clock.advance(60_000);
    logs.ot.append({
      action: 'session.start',
      actor: 'vera',
      site: 'plant-1',
      target: 'hmi-1',
      outcome: 'success',
      details: { sessionId: 'ses-9', grantId: 'gr-7' },
    });
    logs.ot.append({
      action: 'ssh.command',
      actor: 'vera',
      site: 'plant-1',
      target: 'hmi-1',
      outcome: 'success',
      details: { sessionId: 'ses-9', line: 'systemctl restart pump' },
    });
    logs.ot.append({
      action: 'ssh.command_deny',
      actor: 'vera',
      site: 'plant-1',
      target: 'hmi-1',
      outcome: 'denied',
      details: { sessionId: 'ses-9', line: 'rm -rf /' },
    });
    logs.clock.advance(60_000);
    logs.ot.append({
      action: 'session.end',
      actor: 'vera',
      site: 'plant-1',
      target: 'hmi-1',
      outcome: 'success',
      details: { sessionId: 'ses-9', reason: 'client closed' },
    });
    const search = new AuditSearch({
      audit: logs.it,
      itChain: logs.itChain,
      siteEvents: logs.sites,
    });
    const a = search.assetActivity('plant-1', 'hmi-1', from, logs.clock.now(), 'audrey');
    assert.equal(a.incomplete, false);
    assert.equal(a.sessions.length, 1);
    const s = a.sessions[0];
    assert.equal(s?.sessionId, 'ses-9');
    assert.equal(s?.actor, 'vera');
    assert.equal(s?.grantId, 'gr-7');
    assert.ok(s?.start !== undefined && s.end !== undefined && s.end > s.start);
    assert.deepEqual(
      s?.events.map((h) => h.event.action),
      ['session.start', 'ssh.command', 'ssh.command_deny', 'session.end'],
    );
    assert.deepEqual(
      a.approvals.map((h) => `${h.event.action} ${h.event.actor}`),
      ['request.create vera', 'request.approve olga', 'grant.issue system:it'],
    );
    assert.ok(a.events.every((h) => h.event.site === 'plant-1'));
    const viewed = [...logs.it.iterate()].filter((e) => e.action === 'audit.view');
    assert.equal(viewed.length, 1);
    assert.equal(viewed[0]?.target, 'hmi-1');
  },
);

test('an area filters by the action prefix; an exact action must lie in the chosen area', () => {
  assert.ok(AUDIT_AREAS.includes('ssh') && AUDIT_AREAS.includes('audit'));
  assert.ok(AUDIT_AREAS.every((a) => !a.includes('.')));
  assert.equal(actionFilter('ssh', undefined), 'ssh.');
  assert.equal(actionFilter('ssh', 'ssh.command'), 'ssh.command');
  assert.equal(actionFilter(undefined, 'modbus.write'), 'modbus.write');
  assert.equal(actionFilter(undefined, undefined), undefined);
  assert.throws(
    () => actionFilter('modbus', 'ssh.command'),
    (e: unknown) => isAirlockError(e) && /ssh\.command is not in the area modbus/.test(e.message),
  );
});
