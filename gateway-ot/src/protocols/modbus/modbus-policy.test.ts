import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatProblems } from '../../../../shared/src/result.js';
import { parseWith } from '../../../../shared/src/config/format-issues.js';
import { repoRoot } from '../../../../shared/src/testing/processes.js';
import { PLC1_PROFILES } from '../../../../image/demo/plant/plc-1-policy.js';
import { modbusAssetSchema } from './modbus-policy.js';

const base = { protocol: 'modbus', address: '10.0.1.10' };
const withProfile = (p: unknown): unknown => ({ ...base, profiles: { p } });

test('defaults: port 502, timeout, no pipelining, deny-all functions, rate limit, read before write, deadlines', () => {
  const a = modbusAssetSchema.parse(withProfile({ unitIds: [1] }));
  assert.deepEqual([a.port, a.responseTimeoutMs, a.maxInFlight], [502, 2000, 1]);
  assert.deepEqual(a.profiles.p, {
    unitIds: [1],
    functions: [],
    tables: {},
    rateLimit: { requestsPerSecond: 100, burst: 200 },
    readBeforeWrite: true,
    frameTimeoutSeconds: 5,
    idleTimeoutSeconds: 120,
  });
});

test('bad profiles are refused with the key named', () => {
  const cases: [unknown, RegExp][] = [
    [{ unitIds: [1], functions: ['everything'] }, /profiles\.p\.functions\[0\]/],
    [{ unitIds: [1], functions: [128] }, /profiles\.p\.functions\[0\]/],
    [{ unitIds: [] }, /profiles\.p\.unitIds/],
    [
      { unitIds: [1], tables: { holdingRegisters: { read: [{ from: 10, to: 9 }] } } },
      /holdingRegisters\.read\[0\]\.to: from must not be greater than to/,
    ],
    [
      { unitIds: [1], tables: { holdingRegisters: { read: [{ from: 0, to: 65536 }] } } },
      /holdingRegisters\.read\[0\]\.to/,
    ],
    [
      { unitIds: [1], tables: { holdingRegisters: { write: [{ from: 0, to: 1 }] } } },
      /write\[0\]\.min/,
    ],
    [
      {
        unitIds: [1],
        tables: { holdingRegisters: { write: [{ from: 0, to: 1, min: 5, max: 4 }] } },
      },
      /write\[0\]\.max: min must not be greater than max/,
    ],
    [
      {
        unitIds: [1],
        tables: { holdingRegisters: { write: [{ from: 0, to: 1, min: -1, max: 4 }] } },
      },
      /write\[0\]\.min: must be within 0..65535/,
    ],
    [
      {
        unitIds: [1],
        tables: {
          holdingRegisters: { write: [{ from: 0, to: 1, min: 0, max: 40000, signed: true }] },
        },
      },
      /write\[0\]\.max: must be within -32768..32767 \(signed\)/,
    ],
    [
      {
        unitIds: [1],
        tables: {
          holdingRegisters: {
            write: [
              { from: 0, to: 5, min: 0, max: 1 },
              { from: 5, to: 6, min: 0, max: 1 },
            ],
          },
        },
      },
      /write\[1\]: overlaps write range 0..5/,
    ],
    [
      { unitIds: [1], tables: { inputRegisters: { write: [] } } },
      /inputRegisters\.write: unknown key/,
    ],
    [
      { unitIds: [1], tables: { coils: { write: [{ from: 0, to: 0, value: 1 }] } } },
      /coils\.write\[0\]\.value/,
    ],
    [{ unitIds: [1], rateLimit: { requestsPerSecond: 0 } }, /rateLimit\.requestsPerSecond/],
    [{ unitIds: [1], readBeforeWrite: 'yes' }, /readBeforeWrite/],
  ];
  for (const [profile, expected] of cases) {
    const r = parseWith(modbusAssetSchema, withProfile(profile));
    assert.equal(r.ok, false, JSON.stringify(profile));
    if (!r.ok) assert.match(formatProblems(r.error), expected);
  }
  const r = parseWith(modbusAssetSchema, { ...base, maxInFlight: 17, profiles: {} });
  assert.ok(!r.ok && /maxInFlight/.test(formatProblems(r.error)));
});

test('the plc-1 example in docs/modbus.md is the one the tests use, and parses', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'modbus.md'), 'utf8');
  const block = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
  assert.ok(block !== undefined, 'docs/modbus.md has a JSON example');
  const example = JSON.parse(block) as { assets: { 'plc-1': { profiles: unknown } } };
  const asset = example.assets['plc-1'];
  const r = parseWith(modbusAssetSchema, asset);
  assert.ok(r.ok, r.ok ? '' : formatProblems(r.error));
  assert.deepEqual(asset.profiles, JSON.parse(JSON.stringify(PLC1_PROFILES)));
});
