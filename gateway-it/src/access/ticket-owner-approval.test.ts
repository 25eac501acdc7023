import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownerApprovalOf } from './ticket-issuer.js';

const content = {
  site: 'plant-1',
  assets: [{ asset: 'plc-1', profile: 'maintenance' }],
  notBefore: 1000,
  notAfter: 2000,
  requester: { id: 'u_alice', name: 'alice' },
  requestId: 'req_1',
  ticketRef: null,
};
const assertion = (id: string) => ({
  id,
  rawId: id,
  type: 'public-key' as const,
  response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'c2ln' },
});

test('a ticket carries the signed content once and every assertion over that same content', () => {
  assert.equal(ownerApprovalOf([]), undefined);
  const approval = ownerApprovalOf([
    { approverId: 'u_olga', content, assertion: assertion('a'), createdAt: 1 },
    { approverId: 'u_otto', content: { ...content }, assertion: assertion('b'), createdAt: 2 },
    // Signed over a later end: it could not count at the OT gateway, so it is not carried.
    {
      approverId: 'u_oleg',
      content: { ...content, notAfter: 3000 },
      assertion: assertion('c'),
      createdAt: 3,
    },
  ]);
  assert.deepEqual(approval?.content, content);
  assert.deepEqual(
    approval?.assertions.map((a) => a.id),
    ['a', 'b'],
  );
});
