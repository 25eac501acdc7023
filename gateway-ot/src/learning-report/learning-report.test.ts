import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { type FakeClock } from '../../../shared/src/clock.js';
import { learningStatusSchema } from '../../../shared/src/model/learning-status.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { learnWorld } from '../../../test/helpers/learn-fixture.js';
import { modbusProtocol } from '../protocols/modbus/modbus.js';
import type { BrokerSession } from '../sessions/sessions.js';
import { createLearningReport } from './learning-report.js';
import { describeOperation, diffExcerpt, replaySummary } from './review-summary.js';

useCrypto();

const DAY = 86_400_000;
const HR = { read: [{ from: 0, to: 999 }], write: [{ from: 0, to: 999, min: 0, max: 65535 }] };
const POLICY = {
  assets: {
    'plc-1': {
      protocol: 'modbus',
      address: '127.0.0.1',
      profiles: {
        maint: {
          unitIds: [1],
          functions: ['read', 'write'],
          tables: { holdingRegisters: HR },
          learnCeiling: {
            unitIds: [1],
            functions: ['read', 'write'],
            tables: { holdingRegisters: HR },
          },
        },
      },
    },
  },
};

function setUp(t: TestContext) {
  const { learning, clock, audit, store, policy } = learnWorld(t, POLICY, [modbusProtocol]);
  const report = createLearningReport({
    learning,
    store: store.learningReview,
    db: store.db,
    policySha256: policy.hash,
  });
  return { report, clock, audit, store, policy };
}

function session(clock: FakeClock): BrokerSession {
  // Only what `record` reads of a broker session.
  return {
    assetName: 'plc-1',
    profileName: 'maint',
    clock,
    ticket: { sessionId: 'ses_1', grantId: 'grt_1' },
  } as unknown as BrokerSession;
}

const write = (address: number, value: number) => ({
  unit: 1,
  fc: 6,
  classes: ['write'],
  table: 'holdingRegisters',
  address,
  quantity: 1,
  values: [value],
});

test('the status lists each profile with its learn window and latest proposal, reviewed, and parses as published', (t) => {
  const { report, clock, audit, policy } = setUp(t);
  assert.deepEqual(report.status(), { policySha256: policy.hash, profiles: [] });
  // An earlier job's write outside what will be learned: the replay must list it.
  audit.append({
    action: 'modbus.write',
    actor: 'vera',
    site: 'plant-1',
    target: 'plc-1',
    outcome: 'success',
    details: {
      ...{ unit: 1, function: 6, table: 'holdingRegisters', address: 900, quantity: 1 },
      ...{ values: [7], sessionId: 'ses_0' },
    },
  });
  clock.advance(1000);
  const until = clock.now() + DAY;
  report.learning.learn({ asset: 'plc-1', profile: 'maint', until, actor: 'cli:olga' });
  let status = report.status();
  assert.equal(status.profiles.length, 1);
  assert.deepEqual(status.profiles[0]?.window, {
    until,
    startedAt: clock.now(),
    startedBy: 'cli:olga',
  });
  assert.equal(status.profiles[0]?.proposal, null);

  report.learning.record(session(clock), write(20, 1200));
  report.learning.record(session(clock), write(20, 1300));
  const first = report.learning.propose({
    asset: 'plc-1',
    profile: 'maint',
    marginPercent: 10,
    actor: 'cli:olga',
  });
  clock.advance(1000);
  const p = report.learning.propose({
    asset: 'plc-1',
    profile: 'maint',
    marginPercent: 10,
    replayDays: 7,
    actor: 'cli:olga',
  });
  status = learningStatusSchema.parse(report.status());
  const published = status.profiles[0]?.proposal;
  assert.equal(published?.id, p.id, 'the latest proposal, not the first');
  assert.notEqual(first.id, p.id);
  assert.equal(published.basePolicySha256, policy.hash);
  assert.equal(published.appliedAt, null);
  assert.equal(published.review?.operations, 2);
  assert.ok((published.review?.added ?? 0) > 0 && (published.review?.removed ?? 0) > 0);
  assert.ok(published.review?.diff.some((l) => l.startsWith('+ ')));
  assert.deepEqual(
    published.review?.replay?.refused.map((r) => [r.source, r.operation, r.rule]),
    [['audit', 'unit 1 fc 6 holdingRegisters 900 x1 = 7', 'address']],
  );
  assert.equal(published.review?.replay?.refusedTotal, 1);

  report.learning.apply({ proposalId: p.id, actor: 'cli:olga' });
  status = learningStatusSchema.parse(report.status());
  assert.equal(status.profiles[0]?.window, null, 'apply ends the learn window');
  assert.equal(status.profiles[0]?.proposal?.appliedAt, clock.now());
});

test('a proposal and its review commit together: a failed review write leaves no proposal and no event', (t) => {
  const { report, clock, audit, store } = setUp(t);
  report.learning.learn({
    asset: 'plc-1',
    profile: 'maint',
    until: clock.now() + DAY,
    actor: 'cli:olga',
  });
  report.learning.record(session(clock), write(20, 1200));
  store.db.exec('DROP TABLE proposal_reviews');
  assert.throws(() =>
    report.learning.propose({
      asset: 'plc-1',
      profile: 'maint',
      marginPercent: 10,
      actor: 'cli:olga',
    }),
  );
  assert.equal([...audit.iterate()].filter((e) => e.action === 'policy.propose').length, 0);
  assert.deepEqual(
    { ...(store.db.prepare('SELECT COUNT(*) AS n FROM policy_proposals').get() as object) },
    { n: 0 },
  );
});

test('a profile that would not parse on the IT side is left out, the others are published', (t) => {
  const { report, clock, store } = setUp(t);
  report.learning.learn({
    asset: 'plc-1',
    profile: 'maint',
    until: clock.now() + DAY,
    actor: 'cli:olga',
  });
  // A row no policy name can produce (the IT side would refuse the whole message for it).
  store.db
    .prepare(
      'INSERT INTO learn_windows (asset, profile, until_at, started_at, started_by) VALUES (?, ?, ?, ?, ?)',
    )
    .run('Not A Name!', 'maint', clock.now() + DAY, clock.now(), 'cli:olga');
  const status = learningStatusSchema.parse(report.status());
  assert.deepEqual(
    status.profiles.map((p) => `${p.asset}/${p.profile}`),
    ['plc-1/maint'],
  );
});

test('diffExcerpt keeps the changed lines with two lines of context, counts them all, and caps the lines', () => {
  const kept = Array.from({ length: 20 }, (_, i) => `  line ${i}`);
  const diff = [...kept.slice(0, 10), '- old', '+ new', ...kept.slice(10)].join('\n');
  const e = diffExcerpt(diff, 100);
  assert.deepEqual(e, {
    added: 1,
    removed: 1,
    diff: ['  line 8', '  line 9', '- old', '+ new', '  line 10', '  line 11'],
  });
  const many = Array.from({ length: 50 }, (_, i) => `+ added ${i}`).join('\n');
  const capped = diffExcerpt(many, 10);
  assert.equal(capped.added, 50);
  assert.equal(capped.diff.length, 10);
  assert.match(capped.diff[9] ?? '', /41 more lines/);
});

test('replaySummary caps the refusals (total kept), words each operation, and reports unreadable JSON as absent', () => {
  const refusal = (address: number) => ({
    at: 1,
    source: 'learned',
    sessionId: 'ses_1',
    operation: {
      unit: 1,
      fc: 3,
      classes: ['read'],
      table: 'holdingRegisters',
      address,
      quantity: 2,
    },
    rule: 'address',
    reason: 'outside',
  });
  const json = JSON.stringify({
    since: 0,
    replayed: 9,
    refused: [refusal(1), refusal(2), refusal(3)],
  });
  const r = replaySummary(json, 2);
  assert.equal(r?.refusedTotal, 3);
  assert.deepEqual(
    r?.refused.map((x) => x.operation),
    ['unit 1 fc 3 holdingRegisters 1 x2', 'unit 1 fc 3 holdingRegisters 2 x2'],
  );
  const summarized = JSON.stringify({
    since: 0,
    replayed: 1,
    refused: [
      { ...refusal(1), operation: { node: 'ns=1;s=Temp' }, summary: 'write ns=1;s=Temp = 7' },
    ],
  });
  assert.deepEqual(
    replaySummary(summarized, 2)?.refused.map((x) => x.operation),
    ['write ns=1;s=Temp = 7'],
    "the protocol's own summary wins",
  );
  assert.equal(replaySummary('{not json', 2), null);
  assert.equal(replaySummary('{"since":0}', 2), null);
  assert.equal(describeOperation({ node: 'ns=1;s=Temp' }), '{"node":"ns=1;s=Temp"}');
});
