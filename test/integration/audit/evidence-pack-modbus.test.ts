/**
 * The evidence pack of a Modbus job: the IT and OT gateways linked on 127.0.0.1, the simulated PLC
 * behind the OT gateway, a real grant (alice's request, olga's approval) whose tickets carry
 * mbpoll's sessions. An allowed write (1450 → 1350) and a write outside the profile's bounds
 * (refused, exception 03) are made; the grant's pack lists the write with its old and new value,
 * the refusal, the OT policy hash the gateway loaded, and verifies offline.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { startModbusPlc } from '../../../image/demo/plant/modbus-plc.js';
import { plc1Asset } from '../../../image/demo/plant/plc-1-policy.js';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { IT_MAIN, runNode } from '../../../shared/src/testing/processes.js';
import { readBundleFiles } from '../../../gateway-it/src/audit/two-logs.fixture.js';
import { createUserNow } from '../../helpers/create-user-now.js';
import { SITE, startIt, startOt, waitForSiteConnected } from '../../helpers/link-fixture.js';
import { waitFor } from '../../helpers/wait-for.js';
import { mbpollValues, runMbpoll } from '../../peers/mbpoll.js';
import { startLinkForward } from '../../peers/link-forward.js';

useCrypto();

test(
  "a Modbus job's evidence pack: old → new values, the refusal, the policy hash, verified offline",
  { timeout: 120_000 },
  async (t) => {
    const plc = await startModbusPlc({ driftIntervalMs: 0 });
    t.after(() => plc.close());
    const it = await startIt(t);
    const ot = await startOt(t, {
      enrollWith: it,
      policy: { assets: { 'plc-1': plc1Asset(plc.port) } },
    });
    await waitForSiteConnected(it);
    const s = it.gw.services;
    await waitFor('the plant catalogue published', () =>
      s.store.catalogue.list(SITE).some((a) => a.name === 'plc-1'),
    );
    const alice = createUserNow(s.auth.userAdmin, { name: 'alice', roles: [{ role: 'engineer' }] });
    const olga = createUserNow(s.auth.userAdmin, {
      name: 'olga',
      roles: [{ role: 'ot-owner', site: SITE }],
    });
    const now = Date.now();
    s.access.windows.addWindow({ cli: 'cli:test' }, SITE, {
      asset: null,
      label: 'plc job',
      rule: { kind: 'once', start: now - 3_600_000, end: now + 3_600_000 },
    });
    const req = await s.access.requests.create(alice.user, {
      site: SITE,
      assets: [{ asset: 'plc-1', profile: 'maintenance' }],
      startsAt: now,
      endsAt: now + 1_800_000,
      reason: 'retune the pump setpoint',
    });
    const decided = await s.access.approvals.decide(olga.user, req.id, 'approve', 'ok');
    const grantId = decided.grantId;
    assert.ok(grantId !== null);

    const { port } = await startLinkForward(t, it, { profile: 'maintenance', grantId });
    const write = await runMbpoll(port, ['-a', '1', '-t', '4', '-r', '1'], ['1350']);
    assert.equal(write.code, 0, write.output);
    const refused = await runMbpoll(port, ['-a', '1', '-t', '4', '-r', '1'], ['1900']);
    assert.notEqual(refused.code, 0);
    const read = await runMbpoll(port, ['-a', '1', '-t', '4', '-r', '1', '-c', '1']);
    assert.deepEqual(mbpollValues(read.output), { 1: '1350' });
    const otHead = () => ot.gw.services.audit.head().seq;
    await waitFor(
      'three sessions ended on the OT side',
      () =>
        [...ot.gw.services.audit.iterate()].filter((e) => e.action === 'session.end').length === 3,
    );
    const gatewayId = s.store.gateways.active(SITE)?.id ?? '';
    const target = otHead();
    await waitFor(
      'the IT side ingested the OT events',
      () => s.store.otAudit.head(gatewayId).seq >= target,
    );

    const dir = makeTempDir(t);
    const path = join(dir, 'plc-job.tar.gz');
    const pack = await s.audit.evidence.write(
      { kind: 'grant', id: grantId, requestedBy: 'olga', recordings: false },
      path,
    );
    assert.equal(pack.sessions, 3);
    const files = await readBundleFiles(path);
    const summary =
      files.find((f) => f.name === 'evidence/summary.md')?.data.toString('utf8') ?? '';
    assert.match(summary, /modbus\.write plc-1: HR 40001: 1450 → 1350/);
    assert.match(summary, /## Refusals\n\n- \[OT \d+\] .* modbus\.deny: /);
    const loaded = [...ot.gw.services.audit.iterate()].find((e) => e.action === 'config.load');
    const hash = loaded?.details.policySha256;
    assert.ok(typeof hash === 'string');
    assert.match(summary, new RegExp(`config\\.load: SHA-256 ${hash}`));
    const evidence = JSON.parse(
      files.find((f) => f.name === 'evidence/evidence.json')?.data.toString('utf8') ?? '{}',
    );
    assert.deepEqual(
      evidence.operations
        .filter((o: { action: string }) => o.action === 'modbus.write')
        .map((o: { change: string }) => o.change),
      ['HR 40001: 1450 → 1350'],
    );
    assert.equal(evidence.refusals.length, 1);
    assert.equal(evidence.refusals[0].details.exception, '03');

    const key = toBase64Url(s.store.keys.audit.publicKey);
    const ok = await runNode([IT_MAIN, 'verify-export', path, `--public-key=${key}`]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(
      ok.stdout,
      /evidence pack: grant \S+, \d+ listed events proven in the signed chain/,
    );
  },
);
