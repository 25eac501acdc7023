import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  approvalChallenge,
  approvalContentSchema,
} from '../../../shared/src/model/owner-approval.js';
import { approvalContentOf } from './owner-approval-content.js';

const request = {
  id: 'req_1',
  requesterId: 'u_alice',
  site: 'plant-1',
  startsAt: 1000,
  endsAt: 2000,
  reason: 'fix',
  ticketRef: 'CHG-1',
  breakGlass: false,
  status: 'pending' as const,
  requiredApprovals: 1,
  createdAt: 500,
  closedAt: null,
};

test("the signed content is exactly the request's bounds, assets, requester and ticket", () => {
  const content = approvalContentOf(
    request,
    [
      { asset: 'plc-1', protocol: 'modbus', profile: 'read' },
      { asset: 'plc-1', protocol: 'ssh', profile: 'read' },
      { asset: 'hmi-1', protocol: 'ssh', profile: 'maintenance' },
    ],
    'alice',
  );
  assert.deepEqual(content, {
    site: 'plant-1',
    assets: [
      { asset: 'plc-1', profile: 'read' },
      { asset: 'hmi-1', profile: 'maintenance' },
    ],
    notBefore: 1000,
    notAfter: 2000,
    requester: { id: 'u_alice', name: 'alice' },
    requestId: 'req_1',
    ticketRef: 'CHG-1',
  });
  assert.ok(approvalContentSchema.safeParse(content).success);
  const later = approvalContentOf({ ...request, endsAt: 3000 }, [], 'alice');
  assert.notEqual(
    approvalChallenge({ ...content }),
    approvalChallenge({ ...later, assets: content.assets }),
  );
});
