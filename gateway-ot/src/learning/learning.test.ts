import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { type FakeClock } from '../../../shared/src/clock.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import {
  isModbusAsset,
  modbusProtocol,
  replayModbusOperation,
} from '../protocols/modbus/modbus.js';
import type { BrokerSession } from '../sessions/sessions.js';
import {
  createTestLearning,
  learnWorld,
  LEARN_CEILING,
} from '../../../test/helpers/learn-fixture.js';
import type { Learning } from './learning.js';

useCrypto();

const DAY = 86_400_000;

const POLICY = {
  assets: {
    'plc-1': {
      protocol: 'modbus',
      address: '127.0.0.1',
      profiles: {
        maint: {
          unitIds: [1],
          functions: ['read', 'write'],
          tables: {
            holdingRegisters: {
              read: [{ from: 0, to: 999 }],
              write: [{ from: 0, to: 999, min: 0, max: 65535 }],
            },
          },
          learnCeiling: LEARN_CEILING,
        },
        fixed: { unitIds: [1], functions: ['read'] },
      },
    },
  },
};

function setUp(t: TestContext) {
  const { policyFile, loader, policy, clock, audit, learning, store } = learnWorld(t, POLICY, [
    modbusProtocol,
  ]);
  return { policyFile, loader, policy, clock, audit, learning, store };
}

function session(clock: FakeClock, grantId = 'grt_1'): BrokerSession {
  // Only what `record` reads of a broker session.
  return {
    assetName: 'plc-1',
    profileName: 'maint',
    clock,
    ticket: { sessionId: 'ses_1', grantId },
  } as unknown as BrokerSession;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof AirlockError) return e.code;
    throw e;
  }
  return 'no error';
}

function learnJob(learning: Learning, clock: FakeClock): void {
  const s = session(clock);
  const op = (fc: number, address: number, quantity: number, values?: number[]) => ({
    unit: 1,
    fc,
    classes: [fc === 3 ? 'read' : 'write'],
    table: 'holdingRegisters',
    address,
    quantity,
    ...(values === undefined ? {} : { values }),
  });
  learning.record(s, op(3, 0, 10));
  learning.record(s, op(3, 10, 4));
  learning.record(s, op(6, 20, 1, [1200]));
  learning.record(s, op(6, 20, 1, [1350]));
}

test('learn: only a profile with a ceiling, for a bounded time; audited as an alert; the window ends by itself', (t) => {
  const { learning, clock, audit } = setUp(t);
  const until = clock.now() + 2 * 3_600_000;
  assert.equal(
    codeOf(() => learning.learn({ asset: 'plc-1', profile: 'fixed', until, actor: 'cli:olga' })),
    'learning.no_ceiling',
  );
  assert.equal(
    codeOf(() =>
      learning.learn({
        asset: 'plc-1',
        profile: 'maint',
        until: clock.now() + 8 * DAY,
        actor: 'cli:olga',
      }),
    ),
    'learning.bad_until',
  );
  assert.equal(
    codeOf(() =>
      learning.learn({
        asset: 'plc-1',
        profile: 'maint',
        until: clock.now() - 1,
        actor: 'cli:olga',
      }),
    ),
    'learning.bad_until',
  );
  assert.equal(
    codeOf(() => learning.learn({ asset: 'nope', profile: 'maint', until, actor: 'cli:olga' })),
    'learning.unknown_asset',
  );
  assert.equal(learning.learningUntil('plc-1', 'maint'), undefined, 'refusals changed nothing');
  learning.learn({ asset: 'plc-1', profile: 'maint', until, actor: 'cli:olga' });
  assert.equal(learning.learningUntil('plc-1', 'maint'), until);
  const events = [...audit.iterate()].filter((e) => e.action === 'policy.learn');
  assert.equal(events.length, 1);
  assert.deepEqual(
    [
      events[0]?.actor,
      events[0]?.target,
      events[0]?.details['profile'],
      events[0]?.details['alert'],
    ],
    ['cli:olga', 'plc-1', 'maint', true],
  );
  clock.advance(2 * 3_600_000);
  assert.equal(learning.learningUntil('plc-1', 'maint'), undefined, 'enforce again at until');
  assert.equal(
    learning.stopLearning({ asset: 'plc-1', profile: 'maint', actor: 'cli:olga' }),
    false,
  );
  learning.learn({ asset: 'plc-1', profile: 'maint', until: clock.now() + DAY, actor: 'cli:olga' });
  assert.equal(
    learning.stopLearning({ asset: 'plc-1', profile: 'maint', actor: 'cli:olga' }),
    true,
  );
  assert.equal(learning.learningUntil('plc-1', 'maint'), undefined, 'stopped early');
  assert.deepEqual(
    [...audit.iterate()].filter((e) => e.action.startsWith('policy.')).map((e) => e.action),
    ['policy.learn', 'policy.learn', 'policy.learn_end'],
  );
});

test('propose: least privilege from what was learned, a diff, and a replay that lists an older write outside it', (t) => {
  const { learning, clock, audit } = setUp(t);
  // Recorded before learning: a write to HR 900 by an earlier job (what the broker audits).
  audit.append({
    action: 'modbus.write',
    actor: 'vera',
    site: 'plant-1',
    target: 'plc-1',
    outcome: 'success',
    details: {
      unit: 1,
      function: 6,
      table: 'holdingRegisters',
      address: 900,
      quantity: 1,
      values: [7],
      sessionId: 'ses_0',
      grantId: 'grt_0',
    },
  });
  clock.advance(DAY);
  learning.learn({ asset: 'plc-1', profile: 'maint', until: clock.now() + DAY, actor: 'cli:olga' });
  learnJob(learning, clock);
  assert.equal(
    codeOf(() =>
      learning.propose({
        asset: 'plc-1',
        profile: 'maint',
        marginPercent: 10,
        grants: ['grt_other'],
        actor: 'cli:olga',
      }),
    ),
    'learning.nothing_learned',
  );
  const p = learning.propose({
    asset: 'plc-1',
    profile: 'maint',
    marginPercent: 10,
    replayDays: 7,
    actor: 'cli:olga',
  });
  assert.ok(p.protocol === 'modbus');
  assert.deepEqual(p.proposed.tables.holdingRegisters, {
    read: [{ from: 0, to: 13 }],
    write: [{ from: 20, to: 20, min: 1185, max: 1365, signed: false }],
  });
  assert.deepEqual(p.proposed.functions, [3, 6]);
  assert.match(p.diff, /^- {5}"read",$/m);
  assert.match(p.diff, /^\+ {11}"min": 1185,$/m);
  assert.ok(p.replay);
  assert.equal(
    p.replay.replayed,
    3,
    'the old write and the two learned reads (learned writes are in the audit only when forwarded)',
  );
  assert.equal(p.replay.refused.length, 1);
  assert.deepEqual(
    [
      p.replay.refused[0]?.source,
      p.replay.refused[0]?.operation.address,
      p.replay.refused[0]?.rule,
      p.replay.refused[0]?.sessionId,
    ],
    ['audit', 900, 'address', 'ses_0'],
  );
  const ev = [...audit.iterate()].find((e) => e.action === 'policy.propose');
  assert.deepEqual([ev?.details['proposalId'], ev?.details['wouldRefuse']], [p.id, 1]);
});

test('apply: writes the profile into the policy file, audits its hash, ends learning; the result refuses a write outside it', (t) => {
  const { learning, clock, audit, policyFile, loader } = setUp(t);
  learning.learn({ asset: 'plc-1', profile: 'maint', until: clock.now() + DAY, actor: 'cli:olga' });
  learnJob(learning, clock);
  const p = learning.propose({
    asset: 'plc-1',
    profile: 'maint',
    marginPercent: 10,
    actor: 'cli:olga',
  });
  const before = readFileSync(policyFile, 'utf8');
  chmodSync(policyFile, 0o604);
  const r = learning.apply({ proposalId: p.id, actor: 'cli:olga' });
  const after = readFileSync(policyFile, 'utf8');
  assert.equal(r.policySha256, sha256Hex(after));
  assert.equal(readFileSync(r.backup, 'utf8'), before, 'the previous file is kept');
  assert.equal(statSync(policyFile).mode & 0o777, 0o604, 'with its mode');
  const ev = [...audit.iterate()].find((e) => e.action === 'policy.apply');
  assert.deepEqual(
    [ev?.details['policySha256'], ev?.details['mode']],
    [sha256Hex(after), 'enforce'],
  );
  assert.equal(audit.verify().ok, true, 'the chain holds');
  assert.equal(learning.learningUntil('plc-1', 'maint'), undefined, 'back to enforce');
  const reloaded = loader.open(policyFile);
  assert.equal(reloaded.hash, r.policySha256);
  const asset = reloaded.assets['plc-1'];
  assert.ok(asset !== undefined && isModbusAsset(asset));
  const profile = asset.profiles['maint'];
  assert.ok(profile);
  const write = (address: number, v: number) => ({
    unit: 1,
    fc: 6,
    classes: ['write'] as const,
    table: 'holdingRegisters' as const,
    address,
    quantity: 1,
    values: [v],
  });
  assert.equal(
    replayModbusOperation(profile, { ...write(20, 1300), classes: ['write'] }).allow,
    true,
  );
  const outside = replayModbusOperation(profile, { ...write(21, 1300), classes: ['write'] });
  assert.equal(outside.allow ? '' : outside.rule, 'address');
  assert.equal(
    codeOf(() => learning.apply({ proposalId: p.id, actor: 'cli:olga' })),
    'learning.already_applied',
  );
  assert.equal(
    codeOf(() => learning.apply({ proposalId: 'prp_none', actor: 'cli:olga' })),
    'learning.unknown_proposal',
  );
});

test('apply refuses a proposal made from another version of the policy file, and changes nothing', (t) => {
  const { learning, clock, policyFile, store, audit, loader } = setUp(t);
  learning.learn({ asset: 'plc-1', profile: 'maint', until: clock.now() + DAY, actor: 'cli:olga' });
  learnJob(learning, clock);
  const p = learning.propose({
    asset: 'plc-1',
    profile: 'maint',
    marginPercent: 10,
    actor: 'cli:olga',
  });
  const edited = { ...POLICY, limits: { maxConcurrentSessions: 3 } };
  writeFileSync(policyFile, JSON.stringify(edited));
  const later = createTestLearning({
    store: store.learning,
    db: store.db,
    audit,
    clock,
    policy: loader.open(policyFile),
    policyFile,
    loader,
  });
  assert.equal(
    codeOf(() => later.apply({ proposalId: p.id, actor: 'cli:olga' })),
    'learning.policy_changed',
  );
  assert.equal(readFileSync(policyFile, 'utf8'), JSON.stringify(edited));
  assert.equal([...audit.iterate()].filter((e) => e.action === 'policy.apply').length, 0);
});
