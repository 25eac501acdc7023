import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  approvalChallenge,
  canonicalApprovalContent,
  ownerEnrollmentChallenge,
  type ApprovalContent,
} from './owner-approval.js';

const c: ApprovalContent = {
  site: 'plant-1',
  assets: [
    { asset: 'plc-2', profile: 'read-only' },
    { asset: 'hmi-1', profile: 'maintenance' },
  ],
  notBefore: 1000,
  notAfter: 2000,
  requester: { id: 'usr_1', name: 'alice' },
  requestId: 'req_1',
  ticketRef: null,
};

test('canonical approval content: fixed positions, assets sorted, one exact string', () => {
  assert.equal(
    canonicalApprovalContent(c),
    '["airlock-approval-v1","plant-1",[["hmi-1","maintenance"],["plc-2","read-only"]],1000,2000,"usr_1","alice","req_1",null]',
  );
  assert.equal(
    approvalChallenge({ ...c, assets: [...c.assets].reverse() }),
    approvalChallenge(c),
    'asset order does not matter',
  );
  assert.match(approvalChallenge(c), /^[A-Za-z0-9_-]{43}$/);
});

test('canonical approval content: any change of any field changes the challenge', () => {
  const variants: ApprovalContent[] = [
    { ...c, site: 'plant-2' },
    { ...c, assets: [{ asset: 'plc-2', profile: 'read-only' }] },
    { ...c, assets: [...c.assets, { asset: 'plc-3', profile: 'read-only' }] },
    { ...c, assets: [{ asset: 'plc-2', profile: 'write' }, c.assets[1]!] },
    { ...c, notBefore: 999 },
    { ...c, notAfter: 2001 },
    { ...c, requester: { id: 'usr_2', name: 'alice' } },
    { ...c, requester: { id: 'usr_1', name: 'alicf' } },
    { ...c, requestId: 'req_2' },
    { ...c, ticketRef: 'CHG-1' },
    // A field boundary moved: JSON escaping keeps these apart.
    { ...c, requester: { id: 'usr_1","alice', name: '' } },
  ];
  const seen = new Set([approvalChallenge(c)]);
  for (const v of variants) seen.add(approvalChallenge(v));
  assert.equal(seen.size, variants.length + 1);
});

test('enrollment challenge: bound to code, site and owner; the code as typed is normalised', () => {
  const base = ownerEnrollmentChallenge('ABCD-EFGH-JKMN', 'plant-1', 'olga');
  assert.equal(ownerEnrollmentChallenge('abcd efgh jkmn', 'plant-1', 'olga'), base);
  assert.notEqual(ownerEnrollmentChallenge('ABCD-EFGH-JKMP', 'plant-1', 'olga'), base);
  assert.notEqual(ownerEnrollmentChallenge('ABCD-EFGH-JKMN', 'plant-2', 'olga'), base);
  assert.notEqual(ownerEnrollmentChallenge('ABCD-EFGH-JKMN', 'plant-1', 'otto'), base);
});
