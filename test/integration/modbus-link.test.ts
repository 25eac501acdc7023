/**
 * The Modbus broker in the chain: an in-process IT gateway and OT gateway linked on 127.0.0.1, the
 * OT gateway with its default brokers and the plc-1 policy, the simulated PLC behind it. A local
 * TCP listener plays `ssh -L` (test/peers/link-forward.ts): one tcp-forward session per
 * connection. mbpoll reads and writes through it; a write outside policy is refused with an
 * exception; the OT audit log has both, and the IT gateway ingests them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startModbusPlc } from '../../image/demo/plant/modbus-plc.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import {
  auditActions,
  SITE,
  startIt,
  startOt,
  waitForSiteConnected,
} from '../helpers/link-fixture.js';
import { waitFor } from '../helpers/wait-for.js';
import { mbpollValues, runMbpoll } from '../peers/mbpoll.js';
import { startLinkForward } from '../peers/link-forward.js';
import { plc1Asset } from '../../image/demo/plant/plc-1-policy.js';

useCrypto();

test(
  'mbpoll through both gateways: reads, an allowed write, a refused write, all in the OT audit log',
  { timeout: 60_000 },
  async (t) => {
    const plc = await startModbusPlc({ driftIntervalMs: 0 });
    t.after(() => plc.close());
    const it = await startIt(t);
    const ot = await startOt(t, {
      enrollWith: it,
      policy: { assets: { 'plc-1': plc1Asset(plc.port) } },
    });
    await waitForSiteConnected(it);

    const { port } = await startLinkForward(t, it, { profile: 'maintenance' });

    const read = await runMbpoll(port, ['-a', '1', '-t', '4', '-r', '1', '-c', '3']);
    assert.equal(read.code, 0, read.output);
    assert.deepEqual(mbpollValues(read.output), { 1: '1450', 2: '725', 3: '420' });
    const write = await runMbpoll(port, ['-a', '1', '-t', '4', '-r', '1'], ['1350']);
    assert.equal(write.code, 0, write.output);
    assert.equal(plc.getHoldingRegister(0), 1350);
    const refused = await runMbpoll(port, ['-a', '1', '-t', '4', '-r', '1'], ['1900']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.output, /Illegal data value/i);
    assert.equal(plc.getHoldingRegister(0), 1350, 'the refused write changed nothing');

    await waitFor(
      'three sessions to end on the OT side',
      () => auditActions(ot.gw).filter((e) => e.action === 'session.end').length === 3,
    );
    const events = auditActions(ot.gw);
    const written = events.find((e) => e.action === 'modbus.write');
    assert.deepEqual(written?.details.changes, ['HR 40001: 1450 → 1350']);
    const denied = events.find((e) => e.action === 'modbus.deny');
    assert.deepEqual([denied?.details.rule, denied?.details.exception], ['value', '03']);
    const reads = events.filter((e) => e.action === 'modbus.reads');
    assert.equal(reads.length, 3);
    // Each session.end carries the broker's counters, the same as its modbus.reads event.
    for (const r of reads) {
      const end = events.find(
        (e) => e.action === 'session.end' && e.details.sessionId === r.details.sessionId,
      );
      const counts = end?.details.counts as Record<string, unknown> | undefined;
      assert.deepEqual(
        [counts?.reads, counts?.writes, counts?.denied],
        [r.details.reads, r.details.writes, r.details.denied],
      );
    }
    // The IT gateway ingests the OT log (chain verified), so the portal's auditors see these events too.
    const gatewayId = it.gw.services.store.gateways.active(SITE)?.id ?? '';
    const otHead = ot.gw.services.audit.head().seq;
    await waitFor(
      'the IT side to ingest the OT events',
      () => it.gw.services.store.otAudit.head(gatewayId).seq >= otHead,
    );
  },
);
