/**
 * Policy reload without a restart, on the built OT gateway as its own process (`airlock-ot run`),
 * enrolled with an IT gateway, a pymodbus server as the PLC and one live Modbus session through
 * both gateways (a local listener plays `ssh -L`). The session writes HR 10; the policy file is
 * replaced (as `policy apply` does: a rename) by one whose profile no longer allows it; the same
 * session's next write to HR 10 is refused with exception 02 while HR 3 still goes through. The
 * OT audit log holds `policy.reload` with the old and new hash. An invalid file is then refused
 * (audited as denied, with the parser's problem, flagged as an alert), SIGHUP (systemd's reload)
 * neither stops the gateway nor takes the invalid file, and the session keeps the policy in force.
 */
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { openDatabase } from '../../../shared/src/store/open-database.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { OT_MAIN, runNode, startNode } from '../../../shared/src/testing/processes.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { OT_MIGRATIONS } from '../../../gateway-ot/src/store/store.js';
import { SITE, startIt, waitForSiteConnected } from '../../helpers/link-fixture.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startLinkForward } from '../../peers/link-forward.js';
import { startPymodbusServer } from '../../peers/pymodbus.js';
import { connectRaw, mbap, pdu, type RawModbusClient } from '../../peers/raw-modbus-client.js';

useCrypto();

function policyText(plcPort: number, writeTo: number): string {
  const range = { from: 0, to: writeTo };
  return JSON.stringify(
    {
      assets: {
        'plc-1': {
          protocol: 'modbus',
          address: '127.0.0.1',
          port: plcPort,
          profiles: {
            job: {
              unitIds: [1],
              functions: ['read', 'write'],
              tables: {
                holdingRegisters: { read: [range], write: [{ ...range, min: 0, max: 1000 }] },
              },
            },
          },
        },
      },
    },
    null,
    2,
  );
}

interface OtEvent {
  readonly action: string;
  readonly outcome: string;
  readonly details: Record<string, unknown>;
}

test(
  'a policy applied while a Modbus session is open governs that session’s next write; an invalid file changes nothing',
  { timeout: 120_000 },
  async (t) => {
    const plc = await startPymodbusServer(t, 1, new Array<number>(20).fill(0));
    const it = await startIt(t);
    const dir = makeTempDir(t, 'airlock-policy-reload-');
    const policyFile = join(dir, 'policy.json');
    const broad = policyText(plc.port, 19);
    writeFileSync(policyFile, broad);
    const otCfg = join(dir, 'ot.json');
    writeFileSync(
      otCfg,
      JSON.stringify({
        site: SITE,
        dataDir: 'data',
        policyFile: 'policy.json',
        audit: { checkpointEvery: 64, checkpointIntervalSeconds: 0 },
        link: { reconnectMinSeconds: 0.05, reconnectMaxSeconds: 0.5, enrollmentPollSeconds: 0.1 },
      }),
    );
    const issued = it.gw.services.sites.enrollment.issueToken(SITE, 'test-admin');
    const enrolled = await runNode([
      OT_MAIN,
      'enroll',
      '--config',
      otCfg,
      '--it-url',
      it.running.url,
      '--token',
      issued.token,
      '--fingerprint',
      issued.itFingerprint,
    ]);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    const ot = await startNode(t, [OT_MAIN, 'run', '--config', otCfg]);
    t.after(() => ot.stop());
    await waitForSiteConnected(it);

    const db = openDatabase({
      path: join(dir, 'data', 'ot.db'),
      migrations: OT_MIGRATIONS,
      readonly: true,
    });
    t.after(() => db.close());
    const events = (action: string): OtEvent[] =>
      db
        .prepare<[string], { action: string; outcome: string; details: string }>(
          'SELECT action, outcome, details FROM audit_events WHERE action = ? ORDER BY seq',
        )
        .all(action)
        .map((r) => ({
          action: r.action,
          outcome: r.outcome,
          details: JSON.parse(r.details) as Record<string, unknown>,
        }));

    const { port } = await startLinkForward(t, it, { profile: 'job' });
    const c = await connectRaw(t, port);
    let tid = 0;
    const writeHr = async (client: RawModbusClient, address: number, value: number) => {
      client.write(mbap(++tid, 1, pdu(6, [address, value])));
      const [answer] = await client.frames(1, 20_000);
      return answer?.pdu.toString('hex');
    };
    const echo = (address: number, value: number): string =>
      pdu(6, [address, value]).toString('hex');

    assert.equal(await writeHr(c, 10, 123), echo(10, 123), 'allowed by the policy at start');

    // Apply as the CLI does: a new file renamed onto the name (the watch follows it).
    const narrow = policyText(plc.port, 5);
    writeFileSync(`${policyFile}.new`, narrow);
    renameSync(`${policyFile}.new`, policyFile);
    const reloaded = await waitFor('policy.reload', () =>
      events('policy.reload').find((e) => e.outcome === 'success'),
    );
    assert.equal(reloaded.details['previousPolicySha256'], sha256Hex(broad));
    assert.equal(reloaded.details['policySha256'], sha256Hex(narrow));

    assert.equal(
      await writeHr(c, 10, 124),
      '8602',
      'the same session: HR 10 refused, exception 02',
    );
    assert.equal(await writeHr(c, 3, 7), echo(3, 7), 'inside the new profile: still allowed');
    const deny = await waitFor('modbus.deny', () => events('modbus.deny')[0]);
    assert.equal(deny.details['rule'], 'address');

    // An invalid file: refused, audited with the parser's problem, and the running policy stays.
    writeFileSync(policyFile, JSON.stringify({ assets: { 'plc-1': { protocol: 'modbus' } } }));
    const refused = await waitFor('policy.reload denied', () =>
      events('policy.reload').find((e) => e.outcome === 'denied'),
    );
    assert.equal(refused.details['policySha256'], sha256Hex(narrow), 'the policy in force');
    assert.equal(refused.details['alert'], true);
    assert.match(String(refused.details['reason']), /assets\.plc-1/);

    // systemd's reload: SIGHUP reads the (still invalid) file again; the gateway keeps running.
    ot.child.kill('SIGHUP');
    assert.equal(await writeHr(c, 3, 8), echo(3, 8));
    assert.equal(await writeHr(c, 10, 125), '8602', 'the applied policy is still in force');
    assert.equal(ot.child.exitCode, null, 'SIGHUP does not stop the gateway');
    assert.equal(
      events('policy.reload').filter((e) => e.outcome === 'denied').length,
      1,
      'the same refused file is audited once',
    );
    assert.match(readFileSync(policyFile, 'utf8'), /"protocol":"modbus"/);
    assert.equal(events('session.start').length, 1, 'all of it in the one session');
  },
);
