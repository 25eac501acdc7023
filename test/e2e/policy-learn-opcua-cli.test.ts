/**
 * `airlock-ot policy learn | propose | apply` on the built gateway for an OPC UA profile: learn
 * needs the profile's learnCeiling; propose prints the node rules as a diff and replays the learned
 * reads; apply rewrites the policy file, which check-config then accepts. The broker side of the
 * loop is test/integration/opcua-learn.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { OT_MIGRATIONS } from '../../gateway-ot/src/store/store.js';
import { openDatabase } from '../../shared/src/store/open-database.js';
import { otCliFixture } from '../helpers/cli-fixture.js';

const NS = 'urn:airlock:sim:plant';
const SETPOINT = { node: 's=Line1.Setpoint', access: 'write', dataType: 'Double' };

test(
  'policy learn, propose and apply an OPC UA profile from the command line',
  { timeout: 120_000 },
  async (t) => {
    const { dataDir, policyFile, cli } = otCliFixture(t, {
      policy: {
        assets: {
          'opc-1': {
            protocol: 'opcua',
            address: '127.0.0.1',
            profiles: {
              job: {
                namespaceUri: NS,
                nodes: [{ node: 's=Line1.*', access: 'read' }],
                learnCeiling: {
                  nodes: [
                    { ...SETPOINT, min: 0, max: 100 },
                    { node: 's=Line1.*', access: 'read' },
                  ],
                },
              },
              fixed: { namespaceUri: NS, nodes: [{ node: 's=Line1.*', access: 'read' }] },
            },
          },
        },
      },
    });
    const ot = (...args: string[]) => cli('policy', ...args);

    const noCeiling = await ot('learn', 'opc-1/fixed', '--until', '2h');
    assert.equal(noCeiling.code, 1);
    assert.match(noCeiling.stderr, /learning\.no_ceiling/);
    const learn = await ot('learn', 'opc-1/job', '--until', '2h');
    assert.equal(learn.code, 0, learn.stderr);
    assert.match(learn.stdout, /^opc-1\/job learns until \d{4}-/);

    // What a learning session through the OPC UA broker records.
    const db = openDatabase({ path: join(dataDir, 'ot.db'), migrations: OT_MIGRATIONS });
    const add = db.prepare(
      `INSERT INTO learned_operations (asset, profile, session_id, grant_id, at, operation) VALUES ('opc-1', 'job', 'ses_1', 'grt_1', ?, ?)`,
    );
    add.run(
      Date.now(),
      JSON.stringify({ service: 'read', namespaceUri: NS, node: 's=Line1.Temperature' }),
    );
    for (const value of [40, 60])
      add.run(
        Date.now(),
        JSON.stringify({
          service: 'write',
          namespaceUri: NS,
          node: 's=Line1.Setpoint',
          dataType: 'Double',
          value,
        }),
      );
    db.close();

    const shown = await ot('propose', 'opc-1/job', '--margin', '10%', '--replay-days', '1');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^proposal prp_\w+ for opc-1\/job, from 3 learned operation\(s\)/);
    assert.match(shown.stdout, /^\+ +"node": "s=Line1\.Setpoint",$/m);
    assert.match(shown.stdout, /^\+ +"max": 62$/m);
    assert.match(shown.stdout, /^- +"node": "s=Line1\.\*",$/m);
    assert.match(shown.stdout, /replay since .*: 1 operation\(s\), 0 would be refused/);
    const json = await ot('propose', 'opc-1/job', '--json');
    assert.equal(json.code, 0, json.stderr);
    const proposal = JSON.parse(json.stdout) as { id: string; protocol: string };
    assert.equal(proposal.protocol, 'opcua');

    const applied = await ot('apply', proposal.id);
    assert.equal(applied.code, 0, applied.stderr);
    const policy = JSON.parse(readFileSync(policyFile, 'utf8')) as {
      assets: Record<string, { profiles: Record<string, { nodes: unknown }> }>;
    };
    assert.deepEqual(policy.assets['opc-1']?.profiles['job']?.nodes, [
      { ...SETPOINT, min: 38, max: 62 },
      { node: 's=Line1.Temperature', access: 'read' },
    ]);
    const check = await cli('check-config');
    assert.equal(check.code, 0, check.stderr);
  },
);
