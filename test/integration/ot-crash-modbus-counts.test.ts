/**
 * kill -9 of the OT gateway (`airlock-ot run`, its own process) in the middle of a Modbus session
 * through both gateways, then a restart on the same data (issue 17, item 3): the session.end the
 * restart records (reason gateway_crash, recovered) carries the broker's counters as last written,
 * with `countsAsOf`. The test waits until the gateway has written reads == N (polling the OT
 * database, never sleeping), so the recovered count is exactly N.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock } from '../../shared/src/clock.js';
import { randomIds } from '../../shared/src/ids.js';
import { silentLogger } from '../../shared/src/log.js';
import { OT_MAIN, startNode } from '../../shared/src/testing/processes.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { createOtGateway } from '../../gateway-ot/src/app.js';
import { startModbusPlc } from '../../image/demo/plant/modbus-plc.js';
import { plc1Asset } from '../../image/demo/plant/plc-1-policy.js';
import { SITE, startIt, startOt } from '../helpers/link-fixture.js';
import { waitFor } from '../helpers/wait-for.js';
import { startLinkForward } from '../peers/link-forward.js';
import { connectRaw, mbap, pdu } from '../peers/raw-modbus-client.js';

useCrypto();

const N = 25;

test(
  'a Modbus session cut by kill -9 of the OT gateway: the recovered session.end carries its reads',
  { timeout: 300_000 },
  async (t) => {
    const plc = await startModbusPlc({ driftIntervalMs: 0 });
    t.after(() => plc.close());
    const it = await startIt(t);
    const enrolled = await startOt(t, {
      enrollWith: it,
      policy: { assets: { 'plc-1': plc1Asset(plc.port) } },
      start: false,
    });
    await enrolled.stop();
    const configFile = join(enrolled.dir, 'ot-config.json');
    writeFileSync(configFile, JSON.stringify(enrolled.config));
    const ot = await startNode(t, [OT_MAIN, 'run', '--config', configFile]);
    // Generous bounds throughout: an OT gateway process and a kill -9 on a busy machine.
    await waitFor(
      'the site online',
      () => it.gw.services.links.get(SITE).state === 'online',
      90_000,
    );

    const { port } = await startLinkForward(t, it, { profile: 'maintenance' });
    const client = await connectRaw(t, port);
    for (let i = 1; i <= N; i++) {
      client.write(mbap(i, 1, pdu(3, [0, 2])));
      const [answer] = await client.frames(1);
      assert.equal(answer?.pdu[0], 3, `read ${i} answered`);
    }

    // The running gateway's database, read beside it (WAL): wait for its coalesced write of N reads.
    const db = new Database(join(enrolled.config.dataDir, 'ot.db'), { readonly: true });
    t.after(() => db.close());
    const persisted = db.prepare<[], { session_id: string; counts: string | null }>(
      'SELECT session_id, counts FROM open_sessions',
    );
    let sessionId = '';
    await waitFor(
      'the gateway to write reads == N',
      () => {
        const row = persisted.all()[0];
        if (row?.counts === null || row === undefined) return false;
        sessionId = row.session_id;
        return (JSON.parse(row.counts) as { reads?: number }).reads === N;
      },
      90_000,
    );
    db.close();

    ot.child.kill('SIGKILL');
    await client.closed();
    await waitFor(
      'the site offline',
      () => it.gw.services.links.get(SITE).state !== 'online',
      90_000,
    );

    const gw = await createOtGateway(enrolled.config, {
      clock: systemClock,
      ids: randomIds,
      log: silentLogger,
    });
    t.after(() => gw.stop());
    await gw.start();
    const ends = [...gw.services.audit.iterate()].filter(
      (e) => e.action === 'session.end' && e.details.sessionId === sessionId,
    );
    assert.equal(ends.length, 1, 'the restart closed the cut session once');
    const [end] = ends;
    assert.equal(end?.details.reason, 'gateway_crash');
    assert.equal(end?.details.recovered, true);
    const counts = end?.details.counts as Record<string, number> | undefined;
    assert.equal(counts?.reads, N);
    assert.equal(counts?.readPoints, 2 * N);
    assert.equal(counts?.writes, 0);
    const asOf = end?.details.countsAsOf;
    assert.ok(
      typeof asOf === 'number' &&
        typeof end?.details.startedAt === 'number' &&
        asOf >= end.details.startedAt &&
        asOf <= end.time,
      'countsAsOf lies between the start and the recovery',
    );
    await gw.stop();
  },
);
