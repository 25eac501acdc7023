import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../shared/src/clock.js';
import { catalogueSchema } from '../../../shared/src/link/control-messages.js';
import { siteApprovalsSchema } from '../../../shared/src/model/site-approvals.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { testAuditLog } from '../../../shared/src/testing/test-audit-log.js';
import { openItDatabase } from '../store/it-database.js';
import { OwnerApprovalStore } from '../store/owner-approval-store.js';
import { updateSiteApprovals } from './site-approvals.js';

useCrypto();

const ownerSigned = {
  mode: 'owner-signed' as const,
  quorum: 2,
  breakGlassAssets: ['hmi-1'],
  owners: [{ name: 'olga', credentialIds: ['Y3JlZDE'] }],
};

test("a site's published approval mode is stored when it changes, audited as site.approvals", () => {
  const db = openItDatabase(':memory:');
  const clock = new FakeClock();
  const audit = testAuditLog(db, clock, { checkpointIntervalMs: 0 });
  const approvals = new OwnerApprovalStore(db);
  const deps = { db, audit, approvals, clock };
  const events = () => [...audit.iterate()].filter((e) => e.action === 'site.approvals');

  // An older OT gateway publishes nothing: it-signed, nothing stored or audited.
  assert.equal(updateSiteApprovals(deps, 'plant-1', 'gw1', undefined), false);
  assert.equal(approvals.siteApprovals('plant-1'), undefined);

  assert.equal(updateSiteApprovals(deps, 'plant-1', 'gw1', ownerSigned), true);
  assert.deepEqual(approvals.siteApprovals('plant-1'), ownerSigned);
  assert.equal(updateSiteApprovals(deps, 'plant-1', 'gw1', ownerSigned), false);
  assert.equal(events().length, 1);
  assert.deepEqual(events()[0]?.details['owners'], [{ name: 'olga', credentials: 1 }]);

  // Back to it-signed: stored and audited with the previous mode.
  assert.equal(updateSiteApprovals(deps, 'plant-1', 'gw1', undefined), true);
  assert.equal(approvals.siteApprovals('plant-1')?.mode, 'it-signed');
  assert.equal(events()[1]?.details['previousMode'], 'owner-signed');
});

test('the catalogue frame carries approvals parsed at the boundary; a bad one is a violation', () => {
  const frame = (approvals: unknown) =>
    catalogueSchema.safeParse({ type: 'catalogue', assets: [], approvals });
  assert.ok(frame(ownerSigned).success);
  assert.ok(catalogueSchema.safeParse({ type: 'catalogue', assets: [] }).success);
  assert.equal(frame({ ...ownerSigned, mode: 'owner-approved' }).success, false);
  assert.equal(frame({ ...ownerSigned, publicKey: 'x' }).success, false);
  const twice = { ...ownerSigned, owners: [ownerSigned.owners[0], ownerSigned.owners[0]] };
  assert.equal(siteApprovalsSchema.safeParse(twice).success, false);
  assert.equal(frame(twice).success, false);
});
