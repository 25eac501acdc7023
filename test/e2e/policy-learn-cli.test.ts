/**
 * `airlock-ot policy learn | propose | apply` on the built gateway: learn needs a ceiling and a
 * bounded time and is audited; propose prints the diff and the replay; apply rewrites the policy
 * file, which the gateway's own check-config then accepts, and audits the new file's hash.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256Hex } from '../../shared/src/crypto/hash.js';
import { OT_MIGRATIONS } from '../../gateway-ot/src/store/store.js';
import { openDatabase } from '../../shared/src/store/open-database.js';
import { otCliFixture } from '../helpers/cli-fixture.js';

const RANGE = { from: 0, to: 999 };
const SCOPE = {
  unitIds: [1],
  functions: ['read', 'write'],
  tables: { holdingRegisters: { read: [RANGE], write: [{ ...RANGE, min: 0, max: 65535 }] } },
};

test('policy learn, propose and apply from the command line', { timeout: 60_000 }, async (t) => {
  const { dataDir, policyFile, cli } = otCliFixture(t, {
    policy: {
      assets: {
        'plc-1': {
          protocol: 'modbus',
          address: '127.0.0.1',
          profiles: { job: { ...SCOPE, learnCeiling: SCOPE }, fixed: SCOPE },
        },
      },
    },
  });
  const ot = (...args: string[]) => cli('policy', ...args);

  const noCeiling = await ot('learn', 'plc-1/fixed', '--until', '2h');
  assert.equal(noCeiling.code, 1);
  assert.match(noCeiling.stderr, /no learnCeiling.*learning\.no_ceiling/);
  assert.equal((await ot('learn', 'plant-b/plc-1/job', '--until', '2h')).code, 2, 'another site');
  assert.equal((await ot('learn', 'plc-1/job', '--until', 'tomorrow')).code, 2);
  const learn = await ot('learn', 'plant-a/plc-1/job', '--until', '2h');
  assert.equal(learn.code, 0, learn.stderr);
  assert.match(learn.stdout, /^plc-1\/job learns until \d{4}-/);

  const stop = await ot('learn', 'plc-1/fixed', '--stop');
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /plc-1\/fixed was not learning/);

  const nothing = await ot('propose', 'plc-1/job');
  assert.equal(nothing.code, 1);
  assert.match(nothing.stderr, /nothing was learned/);

  // What a learning session through the broker records (test/integration/modbus-learn.test.ts).
  const db = openDatabase({ path: join(dataDir, 'ot.db'), migrations: OT_MIGRATIONS });
  const add = db.prepare(
    `INSERT INTO learned_operations (asset, profile, session_id, grant_id, at, operation) VALUES ('plc-1', 'job', 'ses_1', 'grt_1', ?, ?)`,
  );
  const op = { unit: 1, classes: ['write'], table: 'holdingRegisters', quantity: 1 };
  add.run(Date.now(), JSON.stringify({ ...op, fc: 6, address: 7, values: [900] }));
  add.run(
    Date.now(),
    JSON.stringify({ ...op, fc: 3, classes: ['read'], address: 0, quantity: 10 }),
  );
  db.close();

  const shown = await ot('propose', 'plc-1/job', '--margin', '10%', '--replay-days', '1');
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^proposal prp_\w+ for plc-1\/job, from 2 learned operation\(s\)/);
  assert.match(shown.stdout, /^\+ +"min": 810,$/m);
  assert.match(shown.stdout, /replay since .*: 1 operation\(s\), 0 would be refused/);
  const json = await ot('propose', 'plc-1/job', '--margin', '5', '--json');
  assert.equal(json.code, 0, json.stderr);
  const proposal = JSON.parse(json.stdout) as { id: string };
  assert.equal((await ot('propose', 'plc-1/job', '--margin', '200%')).code, 2);

  const applied = await ot('apply', proposal.id);
  assert.equal(applied.code, 0, applied.stderr);
  const text = readFileSync(policyFile, 'utf8');
  assert.match(applied.stdout, new RegExp(`SHA-256 ${sha256Hex(text)}`));
  const policy = JSON.parse(text) as {
    assets: Record<string, { profiles: Record<string, { tables: unknown }> }>;
  };
  assert.deepEqual(policy.assets['plc-1']?.profiles['job']?.tables, {
    holdingRegisters: {
      read: [{ from: 0, to: 9 }],
      write: [{ from: 7, to: 7, min: 855, max: 945, signed: false }],
    },
  });
  const check = await cli('check-config');
  assert.equal(check.code, 0, check.stderr);
  assert.equal((await ot('apply', proposal.id)).code, 1, 'a proposal applies once');

  const audit = openDatabase({ path: join(dataDir, 'ot.db'), migrations: OT_MIGRATIONS });
  t.after(() => audit.close());
  const actions = audit
    .prepare<[], { action: string; details: string }>(
      "SELECT action, details FROM audit_events WHERE action LIKE 'policy.%' ORDER BY seq",
    )
    .all();
  assert.deepEqual(
    actions.map((a) => a.action),
    ['policy.learn', 'policy.propose', 'policy.propose', 'policy.apply'],
  );
  assert.equal(
    (JSON.parse(actions[3]?.details ?? '{}') as { policySha256?: string }).policySha256,
    sha256Hex(text),
  );
});
