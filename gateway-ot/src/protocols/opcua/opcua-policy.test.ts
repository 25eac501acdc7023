import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWith } from '../../../../shared/src/config/format-issues.js';
import {
  compileProfile,
  opcuaAssetSchema,
  opcuaProfileSchema,
  type OpcuaProfile,
} from './opcua-policy.js';
import { checkWriteValue } from './opcua-write-check.js';

const NS = 'urn:airlock:sim:plant';

function profile(input: unknown): OpcuaProfile {
  const r = parseWith(opcuaProfileSchema, input);
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.error));
  return r.value;
}

test('rules match by namespace URI and identifier pattern, first match wins, nothing else', () => {
  const p = compileProfile(
    profile({
      namespaceUri: NS,
      nodes: [
        { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 0, max: 90 },
        { node: 's=Line1.*', access: 'read' },
        { node: 'i=10*', access: 'read', namespaceUri: 'urn:other' },
      ],
    }),
  );
  const cases: Array<[string, string, string | undefined]> = [
    [NS, 's=Line1.Setpoint', 'write'],
    [NS, 's=Line1.Temperature', 'read'],
    [NS, 's=Line1', undefined],
    [NS, 's=Line2.Temperature', undefined],
    [NS, 'i=1001', undefined],
    ['urn:other', 'i=1001', 'read'],
    ['urn:other', 'i=2001', undefined],
    ['urn:other', 's=Line1.Temperature', undefined],
    // Regular-expression characters in identifiers are literal.
    [NS, 's=Line1XSetpoint', undefined],
  ];
  for (const [namespaceUri, identifier, access] of cases) {
    const d = p.decide({ namespaceUri, identifier });
    assert.equal(
      d.kind === 'allow' ? d.rule.access : undefined,
      access,
      `${namespaceUri} ${identifier}`,
    );
  }
  assert.deepEqual([...p.namespaceUris].sort(), [NS, 'urn:other'].sort());
  assert.equal(
    compileProfile(profile({ namespaceUri: NS })).decide({
      namespaceUri: NS,
      identifier: 's=Line1.Setpoint',
    }).kind,
    'deny',
    'no rules: deny by default',
  );
});

test('the profile schema refuses rules that would be unsafe or ambiguous, naming the field', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ node: 'ns=2;s=Line1.Setpoint', access: 'read' }, /no \\"ns=/],
    [{ node: 's=Line1.Setpoint', access: 'write', dataType: 'Double' }, /needs min and max/],
    [
      { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double', min: 5, max: 1 },
      /at least min/,
    ],
    [{ node: 's=Line1.BatchName', access: 'write', dataType: 'String' }, /needs maxLength/],
    [
      { node: 's=Line1.MotorRunning', access: 'write', dataType: 'Boolean', min: 0, max: 1 },
      /numeric rules/,
    ],
    [{ node: 's=Line1.X', access: 'write', dataType: 'DateTime', min: 0, max: 1 }, /dataType/],
    [{ node: 's=Line1.X', access: 'read', min: 0 }, /min/],
    [{ node: 's=Line1.X', access: 'delete' }, /access/],
    [
      { node: 's=X', access: 'write', dataType: 'Double', min: 0, max: 1, values: [true] },
      /values are for Boolean and String/,
    ],
    [{ node: 's=X', access: 'write', dataType: 'Boolean', values: ['on'] }, /must be booleans/],
    [
      { node: 's=X', access: 'write', dataType: 'String', maxLength: 3, values: ['ABCD'] },
      /longer than maxLength/,
    ],
  ];
  for (const [rule, message] of bad) {
    const r = parseWith(opcuaProfileSchema, { namespaceUri: NS, nodes: [rule] });
    assert.equal(r.ok, false, JSON.stringify(rule));
    if (!r.ok)
      assert.match(
        JSON.stringify(r.error),
        message,
        `${JSON.stringify(rule)}: ${JSON.stringify(r.error)}`,
      );
  }
  const pin = parseWith(opcuaAssetSchema, {
    protocol: 'opcua',
    address: 'x',
    serverCertificateSha256: 'AB',
    profiles: {},
  });
  assert.equal(pin.ok, false);
});

test('write values: exact type, scalar, within bounds', () => {
  const double = { access: 'write', node: 's=X', dataType: 'Double', min: 10, max: 90 } as const;
  const int16 = { access: 'write', node: 's=X', dataType: 'Int16', min: -5, max: 5 } as const;
  const text = { access: 'write', node: 's=X', dataType: 'String', maxLength: 4 } as const;
  const flag = { access: 'write', node: 's=X', dataType: 'Boolean' } as const;
  const cases: Array<[Parameters<typeof checkWriteValue>[0], string, boolean, unknown, boolean]> = [
    [double, 'Double', true, 10, true],
    [double, 'Double', true, 90, true],
    [double, 'Double', true, 90.0001, false],
    [double, 'Double', true, 9.99, false],
    [double, 'Double', true, Number.NaN, false],
    [double, 'Float', true, 50, false],
    [double, 'Double', false, [50], false],
    [int16, 'Int16', true, 5, true],
    [int16, 'Int16', true, 1.5, false],
    [int16, 'Int16', true, 6, false],
    [text, 'String', true, 'ABCD', true],
    [text, 'String', true, 'ABCDE', false],
    [text, 'String', true, 12, false],
    [flag, 'Boolean', true, false, true],
    [flag, 'Boolean', true, 0, false],
    [{ ...flag, values: [true] }, 'Boolean', true, true, true],
    [{ ...flag, values: [true] }, 'Boolean', true, false, false],
    [{ ...text, values: ['A', 'B'] }, 'String', true, 'B', true],
    [{ ...text, values: ['A', 'B'] }, 'String', true, 'C', false],
  ];
  for (const [rule, dataType, isScalar, value, allowed] of cases) {
    assert.equal(
      checkWriteValue(rule, { dataType, isScalar, value }).kind,
      allowed ? 'allow' : 'deny',
      `${rule.dataType} ${dataType} ${String(value)}`,
    );
  }
});

test(
  'node globs match in linear time: many stars against a long identifier',
  { timeout: 10_000 },
  () => {
    // As a V8 regular expression, this glob against this identifier backtracks about n^40 times.
    const glob = `s=${'*a'.repeat(40)}b`;
    const p = compileProfile(
      profile({ namespaceUri: NS, nodes: [{ node: glob, access: 'read' }] }),
    );
    const long = `s=${'a'.repeat(4_000)}`;
    assert.equal(p.decide({ namespaceUri: NS, identifier: long }).kind, 'deny');
    assert.equal(p.decide({ namespaceUri: NS, identifier: `${long}b` }).kind, 'allow');
  },
);

test('a learn ceiling has the rules form and at least one rule', () => {
  const ok = profile({
    namespaceUri: NS,
    nodes: [],
    learnCeiling: { nodes: [{ node: 's=Line1.*', access: 'read' }] },
  });
  assert.equal(ok.learnCeiling?.nodes.length, 1);
  for (const learnCeiling of [{ nodes: [] }, { nodes: [{ node: 's=X' }] }, { rules: [] }]) {
    const r = parseWith(opcuaProfileSchema, { namespaceUri: NS, learnCeiling });
    assert.equal(r.ok, false, JSON.stringify(learnCeiling));
  }
});
