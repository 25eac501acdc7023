import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWith } from '../../../../shared/src/config/format-issues.js';
import {
  createOpcuaReplay,
  describeOpcuaOperation,
  parseNodeText,
  proposeOpcuaProfile,
  type OpcuaOperation,
} from './opcua-learning.js';
import { opcuaProfileSchema, type OpcuaProfile } from './opcua-policy.js';

const NS = 'urn:airlock:sim:plant';

function profile(input: unknown): OpcuaProfile {
  const r = parseWith(opcuaProfileSchema, input);
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.error));
  return r.value;
}

const CURRENT = profile({
  namespaceUri: NS,
  nodes: [{ node: 's=Line1.*', access: 'read' }],
  limits: { maxSubscriptions: 3 },
  learnCeiling: {
    nodes: [
      { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 0, max: 100 },
      { node: 's=Line1.Count', access: 'write', dataType: 'UInt16', min: 0, max: 1000 },
      { node: 's=Line1.MotorRunning', access: 'write', dataType: 'Boolean' },
      { node: 's=Line1.BatchName', access: 'write', dataType: 'String', maxLength: 32 },
      { node: 's=Line1.Reset*', access: 'call' },
      { node: 's=Line1.*', access: 'read' },
      { node: 'i=*', access: 'read', namespaceUri: 'urn:other' },
    ],
  },
});

const read = (node: string, namespaceUri = NS): OpcuaOperation => ({
  service: 'read',
  namespaceUri,
  node,
});
const write = (
  node: string,
  dataType: string,
  value: number | boolean | string,
): OpcuaOperation => ({
  service: 'write',
  namespaceUri: NS,
  node,
  dataType,
  value,
});

const LEARNED: OpcuaOperation[] = [
  read('s=Line1.Temperature'),
  read('s=Line1.Temperature'),
  read('i=1001', 'urn:other'),
  write('s=Line1.Setpoint', 'Double', 40),
  write('s=Line1.Setpoint', 'Double', 60),
  read('s=Line1.Setpoint'),
  write('s=Line1.Count', 'UInt16', 995),
  write('s=Line1.MotorRunning', 'Boolean', true),
  write('s=Line1.BatchName', 'String', 'B-17'),
  write('s=Line1.BatchName', 'String', 'B-18'),
  { service: 'call', namespaceUri: NS, node: 's=Line1.ResetCounter', arguments: [] },
];

test('propose: one rule per node used; numeric bounds with the margin, within the ceiling and type; other writes enumerated', () => {
  const p = proposeOpcuaProfile(CURRENT, LEARNED, { marginPercent: 10 });
  assert.deepEqual(p.nodes, [
    {
      node: 's=Line1.BatchName',
      access: 'write',
      dataType: 'String',
      maxLength: 4,
      values: ['B-17', 'B-18'],
    },
    { node: 's=Line1.Count', access: 'write', dataType: 'UInt16', min: 895, max: 1000 },
    { node: 's=Line1.MotorRunning', access: 'write', dataType: 'Boolean', values: [true] },
    { node: 's=Line1.ResetCounter', access: 'call' },
    { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 38, max: 62 },
    { node: 's=Line1.Temperature', access: 'read' },
    { namespaceUri: 'urn:other', node: 'i=1001', access: 'read' },
  ]);
  // Everything else of the profile is kept, and the result is a valid profile.
  assert.equal(p.namespaceUri, NS);
  assert.deepEqual(p.limits, CURRENT.limits);
  assert.deepEqual(p.learnCeiling, CURRENT.learnCeiling);
  assert.equal(p.description, 'proposed from 11 learned operation(s)');
  assert.ok(parseWith(opcuaProfileSchema, JSON.parse(JSON.stringify(p))).ok);
  // The proposal allows everything that was learned.
  const decide = createOpcuaReplay(p);
  for (const op of LEARNED)
    assert.deepEqual(decide(op), { allow: true }, describeOpcuaOperation(op));
});

test('propose: a single value gets a margin of itself; integer bounds round outward', () => {
  const p = proposeOpcuaProfile(
    CURRENT,
    [write('s=Line1.Setpoint', 'Double', 50), write('s=Line1.Count', 'UInt16', 7)],
    { marginPercent: 5 },
  );
  assert.deepEqual(
    p.nodes.map((n) => (n.access === 'write' ? [n.node, n.min, n.max] : [])),
    [
      ['s=Line1.Count', 6, 8],
      ['s=Line1.Setpoint', 47.5, 52.5],
    ],
  );
});

test('replay: decided as the broker decides: unknown node, wrong access, value outside', () => {
  const p = proposeOpcuaProfile(CURRENT, LEARNED, { marginPercent: 10 });
  const decide = createOpcuaReplay(p);
  const cases: Array<[OpcuaOperation, string | undefined]> = [
    [write('s=Line1.Setpoint', 'Double', 62), undefined],
    [write('s=Line1.Setpoint', 'Double', 70), 'value'],
    [write('s=Line1.Setpoint', 'Float', 50), 'value'],
    [write('s=Line1.MotorRunning', 'Boolean', false), 'value'],
    [write('s=Line1.BatchName', 'String', 'B-19'), 'value'],
    [write('s=Line1.Temperature', 'Double', 1), 'access'],
    [read('s=Line1.ResetCounter'), 'access'],
    [read('s=Line1.Pressure'), 'node'],
    [{ service: 'call', namespaceUri: NS, node: 's=Line1.StopMotor', arguments: [] }, 'node'],
  ];
  for (const [op, rule] of cases) {
    const d = decide(op);
    assert.equal(d.allow ? undefined : d.rule, rule, describeOpcuaOperation(op));
  }
});

test('audit node names parse back into namespace and identifier', () => {
  assert.deepEqual(parseNodeText(`nsu=${NS};s=Line1.Setpoint`), {
    namespaceUri: NS,
    identifier: 's=Line1.Setpoint',
  });
  assert.deepEqual(parseNodeText('nsu=urn:x;i=5'), { namespaceUri: 'urn:x', identifier: 'i=5' });
  assert.equal(parseNodeText('ns=2;s=X'), undefined);
});
