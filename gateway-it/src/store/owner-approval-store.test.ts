import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openItDatabase } from './it-database.js';
import { OwnerApprovalStore } from './owner-approval-store.js';

const content = {
  site: 'plant-1',
  assets: [{ asset: 'plc-1', profile: 'maintenance' }],
  notBefore: 1000,
  notAfter: 2000,
  requester: { id: 'u_alice', name: 'alice' },
  requestId: 'req_1',
  ticketRef: null,
};
const assertion = {
  id: 'cred1',
  rawId: 'cred1',
  type: 'public-key' as const,
  response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'c2ln' },
};

test("owners' assertions are kept per request and approver and read back parsed", () => {
  const db = openItDatabase(':memory:');
  // Only this table is under test: the request and user rows it references are not built here.
  db.pragma('foreign_keys = OFF');
  const store = new OwnerApprovalStore(db);
  store.insert('req_1', { approverId: 'u_olga', content, assertion, createdAt: 5 });
  store.insert('req_1', { approverId: 'u_otto', content, assertion, createdAt: 6 });
  store.insert('req_2', { approverId: 'u_olga', content, assertion, createdAt: 7 });
  const rows = store.ofRequest('req_1');
  assert.deepEqual(
    rows.map((r) => r.approverId),
    ['u_olga', 'u_otto'],
  );
  assert.deepEqual(rows[0]?.content, content);
  assert.deepEqual(rows[0]?.assertion, assertion);
  assert.throws(() =>
    store.insert('req_1', { approverId: 'u_olga', content, assertion, createdAt: 8 }),
  );
  // A row that no longer parses is left out rather than put in a ticket.
  db.prepare(
    `UPDATE owner_approval_assertions SET assertion = '{"id":1}' WHERE approver_id = 'u_otto'`,
  ).run();
  assert.deepEqual(
    store.ofRequest('req_1').map((r) => r.approverId),
    ['u_olga'],
  );
});
