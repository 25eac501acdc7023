/**
 * Store and forward across a link outage: the OT gateway writes 10,000 audit events while the
 * link is cut in the middle of shipping (a TCP proxy between the gateways drops every connection
 * and refuses new ones). After the link is restored, the IT gateway holds every event exactly once,
 * in order, hash for hash the OT gateway's chain, verified with its signed checkpoints against the
 * enrolled key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEventInput } from '../../shared/src/audit/audit-event.js';
import { verifyChain } from '../../shared/src/audit/verify-chain.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import {
  auditActions,
  SITE,
  startIt,
  startOt,
  waitForSiteConnected,
  waitForSiteState,
} from '../helpers/link-fixture.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait-for.js';

useCrypto();

const TOTAL = 10_000;

function writes(from: number, count: number): AuditEventInput[] {
  return Array.from({ length: count }, (_, i) => ({
    action: 'modbus.write',
    actor: 'alice',
    site: SITE,
    target: 'plc-1',
    outcome: 'success' as const,
    details: { unit: 1, address: 40_001 + ((from + i) % 100), values: [from + i] },
  }));
}

test(
  'a link cut while the OT side produces 10,000 events: afterwards the IT side holds all of them exactly once, in order, chain verified',
  { timeout: 180_000 },
  async (t) => {
    const it = await startIt(t);
    const proxy = await startTcpProxy(t, it.running.httpsPort);
    const ot = await startOt(t, { enrollWith: it, itUrl: `https://127.0.0.1:${proxy.port}` });
    const audit = ot.gw.services.audit;
    const gatewayId = it.gw.services.store.gateways.active(SITE)?.id ?? '';
    const ingested = (): number => it.gw.services.store.otAudit.head(gatewayId).seq;
    await waitForSiteConnected(it);

    // First half while the link is up; cut it as soon as shipping is under way.
    let produced = 0;
    for (; produced < TOTAL / 2; produced += 100) audit.appendMany(writes(produced, 100));
    await waitFor('shipping under way', () => ingested() > 10);
    proxy.cut();
    await waitForSiteState(it, 'offline');
    const atCut = ingested();
    // The OT gateway keeps working and keeps its events while the link is down.
    for (; produced < TOTAL; produced += 100) audit.appendMany(writes(produced, 100));
    assert.ok(
      ingested() < audit.head().seq,
      `the IT side cannot have everything yet (${atCut} of ${audit.head().seq})`,
    );
    assert.ok(ot.gw.services.outbox.pending > 0);

    proxy.restore();
    await waitFor(
      'the IT side to catch up',
      () => ingested() === audit.head().seq && ot.gw.services.outbox.pending === 0,
      120_000,
    );

    const otEvents = [...audit.iterate()];
    const itEvents = [...it.gw.services.store.otAudit.events(gatewayId)];
    assert.equal(otEvents.filter((e) => e.action === 'modbus.write').length, TOTAL);
    assert.equal(itEvents.length, otEvents.length, 'exactly once');
    assert.deepEqual(
      itEvents.map((e) => e.seq),
      otEvents.map((e) => e.seq),
      'in order, no gaps',
    );
    assert.deepEqual(
      itEvents.map((e) => e.hash),
      otEvents.map((e) => e.hash),
      'the same chain, hash for hash',
    );
    const values = itEvents
      .filter((e) => e.action === 'modbus.write')
      .map((e) => (e.details.values as number[])[0]);
    assert.deepEqual(
      values,
      Array.from({ length: TOTAL }, (_, i) => i),
    );
    const v = verifyChain(itEvents, it.gw.services.store.otAudit.checkpoints(gatewayId), {
      publicKey: ot.gw.services.identity.publicKey,
      expectedHead: audit.head(),
    });
    assert.equal(v.ok, true, v.problem?.message);
    assert.ok(
      v.checkpointsVerified >= TOTAL / 100,
      `${v.checkpointsVerified} signed checkpoints verified`,
    );

    const batches = auditActions(it.gw).filter((e) => e.action === 'link.ingest');
    assert.equal(
      batches.reduce((n, e) => n + Number(e.details.events), 0),
      otEvents.length,
      'every event ingested once across all batches',
    );
    assert.equal(auditActions(it.gw).filter((e) => e.action === 'link.ingest_fail').length, 0);
    assert.ok(proxy.accepted >= 2, 'the OT gateway reconnected after the cut');
    t.diagnostic(
      `${otEvents.length} events in ${batches.length} batches; ${atCut} ingested before the cut; ${proxy.accepted} connections through the proxy`,
    );
  },
);
