import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../../shared/src/clock.js';
import { parseWith } from '../../../../shared/src/config/format-issues.js';
import { silentLogger } from '../../../../shared/src/log.js';
import type { BrokerSession, ProfileLearning } from '../../sessions/sessions.js';
import { createOpcuaLearnHook } from './opcua-learn-hook.js';
import type { MirroredNode } from './opcua-mirror.js';
import { opcuaProfileSchema, type OpcuaNodeRule, type OpcuaProfile } from './opcua-policy.js';

const NS = 'urn:airlock:sim:plant';

function profile(input: unknown): OpcuaProfile {
  const r = parseWith(opcuaProfileSchema, input);
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.error));
  return r.value;
}

const PROFILE = profile({
  namespaceUri: NS,
  nodes: [
    { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 10, max: 90 },
    { node: 's=Line1.Temperature', access: 'read' },
  ],
  learnCeiling: {
    nodes: [
      { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 0, max: 100 },
      { node: 's=Line1.*', access: 'read' },
    ],
  },
});

function session(clock: FakeClock): BrokerSession {
  // Only what the hook reads of a broker session.
  return {
    assetName: 'opc-1',
    profileName: 'job',
    clock,
    log: silentLogger,
  } as unknown as BrokerSession;
}

/** A node of the view as the mirror makes it (the plant ids are not looked at here). */
function node(
  identifier: string,
  rule: OpcuaNodeRule | undefined,
  dataType = 'Double',
): MirroredNode {
  return { ref: { namespaceUri: NS, identifier }, rule, dataType } as unknown as MirroredNode;
}

test('a session learns only with a ceiling and an open window; fails closed when the window is unreadable', () => {
  const clock = new FakeClock();
  const open: ProfileLearning = {
    learningUntil: () => clock.now() + 1000,
    record: () => undefined,
  };
  const { learnCeiling: _c, ...noCeiling } = PROFILE;
  assert.equal(createOpcuaLearnHook(session(clock), noCeiling, open), undefined);
  assert.equal(createOpcuaLearnHook(session(clock), PROFILE, undefined), undefined);
  const closed: ProfileLearning = { learningUntil: () => undefined, record: () => undefined };
  assert.equal(createOpcuaLearnHook(session(clock), PROFILE, closed), undefined);
  const broken: ProfileLearning = {
    learningUntil: () => {
      throw new Error('database locked (simulated)');
    },
    record: () => undefined,
  };
  assert.equal(createOpcuaLearnHook(session(clock), PROFILE, broken), undefined);
  const learning = createOpcuaLearnHook(session(clock), PROFILE, open);
  assert.ok(learning);
  const counter = learning.view.decide({ namespaceUri: NS, identifier: 's=Line1.Counter' });
  assert.equal(counter.kind, 'allow', 'the view is built from the ceiling');
});

test('the ceiling decides until the window ends, then the profile; records report failure', () => {
  const clock = new FakeClock();
  let isBroken = false;
  const recorded: unknown[] = [];
  const learning = createOpcuaLearnHook(session(clock), PROFILE, {
    learningUntil: () => clock.now() + 1000,
    record: (_s, op) => {
      if (isBroken) throw new Error('disk full (simulated)');
      recorded.push(op);
    },
  });
  assert.ok(learning);
  const { hook } = learning;
  const ceilingRule: OpcuaNodeRule = { node: 's=Line1.*', access: 'read' };
  const counter = node('s=Line1.Counter', ceilingRule);
  assert.deepEqual(hook.ruleFor(counter), { rule: ceilingRule, isLearning: true });
  assert.equal(hook.profileRule(counter), undefined);
  // A write rule of another type than the plant's is a read rule, as in the view.
  assert.equal(hook.profileRule(node('s=Line1.Setpoint', undefined, 'Float'))?.access, 'read');
  const op = { service: 'read', namespaceUri: NS, node: 's=Line1.Counter' } as const;
  assert.equal(hook.record(op), true);
  isBroken = true;
  assert.equal(hook.record(op), false);
  assert.equal(recorded.length, 1);
  clock.advance(1000);
  assert.deepEqual(hook.ruleFor(counter), { rule: undefined, isLearning: false });
  assert.equal(hook.ruleFor(node('s=Line1.Temperature', ceilingRule)).rule?.access, 'read');
});
