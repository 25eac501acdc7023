import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { GENESIS_HASH } from '../../../shared/src/audit/audit-event.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { generateSigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { MAX_AUDIT_BATCH_EVENTS } from '../../../shared/src/link/control-messages.js';
import { openOtDatabase } from '../store/ot-database.js';
import { GatewayStateStore } from '../store/gateway-state-store.js';
import { AuditOutbox } from './audit-outbox.js';

useCrypto();

function setup(n: number) {
  const db = openOtDatabase(':memory:');
  const clock = new FakeClock();
  const audit = new AuditLog({
    db,
    clock,
    ids: sequentialIds(),
    signingKey: generateSigningKeyPair(),
    checkpointEvery: 100,
    checkpointIntervalMs: 0,
  });
  const state = new GatewayStateStore(db);
  for (let i = 0; i < n; i += 50)
    audit.appendMany(
      Array.from({ length: Math.min(50, n - i) }, (_, k) => ({
        action: 'modbus.write',
        actor: 'alice',
        outcome: 'success' as const,
        details: { i: i + k },
      })),
    );
  return { db, audit, state, clock, outbox: new AuditOutbox({ audit, state, clock }) };
}

test('batches are ordered, bounded, start after the acknowledged cursor, and carry the checkpoints that cover them', () => {
  const { outbox, audit } = setup(1200);
  const first = outbox.nextBatch();
  assert.ok(first !== undefined);
  assert.equal(first.events.length, MAX_AUDIT_BATCH_EVENTS);
  assert.deepEqual([first.events[0]?.seq, first.events.at(-1)?.seq], [1, 500]);
  assert.deepEqual(
    first.checkpoints.map((c) => c.seq),
    [100, 200, 300, 400, 500],
  );
  assert.equal(outbox.nextBatch()?.events[0]?.seq, 1, 'nothing moves without an acknowledgement');
  assert.equal(outbox.acknowledge(500, first.events.at(-1)?.hash ?? ''), true);
  const second = outbox.nextBatch();
  assert.deepEqual(
    [second?.events[0]?.seq, second?.checkpoints[0]?.seq],
    [501, 500],
    'the checkpoint at the cursor comes along',
  );
  assert.equal(
    outbox.acknowledge(1000, 'f'.repeat(64)),
    false,
    'an ack for a hash this chain does not have is refused',
  );
  assert.equal(outbox.acknowledged, 500);
  assert.equal(outbox.pending, audit.head().seq - 500);
});

test('the cursor survives a restart and follows the head the IT side holds, unless that head is not in this chain', () => {
  const { outbox, audit, state, clock } = setup(120);
  const e100 = audit.get(100);
  assert.ok(e100 !== undefined);
  assert.equal(outbox.acknowledge(100, e100.hash), true);
  assert.equal(new AuditOutbox({ audit, state, clock }).acknowledged, 100, 'persisted');
  const reopened = new AuditOutbox({ audit, state, clock });
  assert.deepEqual(
    reopened.resume({ seq: 0, hash: GENESIS_HASH }),
    { ok: true, cursor: 0 },
    'a fresh IT side gets everything again',
  );
  assert.deepEqual(reopened.resume({ seq: 60, hash: audit.get(60)?.hash ?? '' }), {
    ok: true,
    cursor: 60,
  });
  assert.equal(reopened.nextBatch()?.events[0]?.seq, 61);
  const foreign = reopened.resume({ seq: 60, hash: 'a'.repeat(64) });
  assert.equal(foreign.ok, false);
  const ahead = reopened.resume({ seq: 500, hash: 'a'.repeat(64) });
  assert.match(ahead.ok ? '' : ahead.reason, /holds event 500 but this gateway's log ends at 120/);
});

test('when everything is acknowledged there is no batch', () => {
  const { outbox, audit } = setup(3);
  const head = audit.head();
  assert.equal(outbox.acknowledge(head.seq, head.hash), true);
  assert.equal(outbox.nextBatch(), undefined);
  assert.equal(outbox.pending, 0);
});
