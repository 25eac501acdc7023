import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import type { RoleAssignment, ScheduleRow } from '../store/store.js';
import { grantFor, isJobScoped, requestFor, seesPeople, SiteScopes, SOMEONE } from './scope.js';
import type { Actor } from './visibility.js';
import type { GrantView, RequestView } from './views.js';

const actor = (id: string, roles: RoleAssignment[]): Actor =>
  ({
    id,
    name: id,
    roles,
    state: 'active',
    contractEnd: null,
    canBreakGlass: false,
  }) as unknown as Actor;
const victor = actor('victor', [{ role: 'vendor' }]);
const both = actor('vera', [{ role: 'vendor' }, { role: 'engineer' }]);
const olga = actor('olga', [{ role: 'ot-owner', site: 'plant-1' }]);

const schedule = (vendorId: string, asset: string, profile: string): ScheduleRow => ({
  id: `s-${asset}-${profile}`,
  site: 'plant-1',
  vendorId,
  asset,
  profile,
  label: 'job',
  ruleJson: '{}',
  createdBy: 'olga',
  createdAt: 0,
});
const cat = (name: string, profiles: string[]): CatalogueAsset => ({
  name,
  protocol: 'modbus',
  description: '',
  address: '10.0.0.5',
  servicePort: 502,
  profiles: profiles.map((p) => ({ name: p, description: '' })),
});

test('who is scoped to their job: a vendor and nothing more at that site', () => {
  assert.equal(isJobScoped(victor, 'plant-1'), true);
  assert.equal(isJobScoped(both, 'plant-1'), false);
  assert.equal(isJobScoped(olga, 'plant-1'), false);
  assert.equal(
    isJobScoped(actor('v', [{ role: 'vendor' }, { role: 'auditor', site: 'plant-2' }]), 'plant-1'),
    true,
  );
  assert.equal(seesPeople(victor), false);
  assert.equal(seesPeople(both), true);
});

test('a vendor sees only the scheduled assets and profiles, without address or port', () => {
  const scopes = new SiteScopes({
    schedulesOfSite: () => [
      schedule('victor', 'plc-1', 'tuning'),
      schedule('someone-else', 'hmi-1', 'maintenance'),
    ],
  });
  const all = [cat('plc-1', ['read-only', 'tuning']), cat('hmi-1', ['maintenance'])];
  assert.deepEqual(scopes.assets(victor, 'plant-1', all), [
    { ...cat('plc-1', ['tuning']), address: null, servicePort: null },
  ]);
  assert.equal(scopes.canPick(victor, 'plant-1', 'plc-1', 'tuning'), true);
  assert.equal(scopes.canPick(victor, 'plant-1', 'plc-1', 'read-only'), false);
  assert.equal(scopes.canPick(victor, 'plant-1', 'hmi-1'), false);
  assert.deepEqual(scopes.assets(olga, 'plant-1', all), all);
  const none = new SiteScopes({ schedulesOfSite: () => [] });
  assert.deepEqual(none.assets(victor, 'plant-1', all), [], 'no schedule, no asset');
});

test('approvers, reviewers and who ended a grant appear to a vendor by role only', () => {
  const r = {
    decisions: [{ approver: 'olga', decision: 'approve', comment: 'ok', decidedAt: 1 }],
  } as unknown as RequestView;
  assert.equal(requestFor(victor, r).decisions[0]?.approver, SOMEONE);
  assert.equal(requestFor(olga, r).decisions[0]?.approver, 'olga');
  const g = {
    approvers: ['olga', 'oscar'],
    endedBy: 'olga',
    review: { by: 'oscar', at: 2, comment: 'fine' },
  } as unknown as GrantView;
  const seen = grantFor(victor, g);
  assert.deepEqual(seen.approvers, [SOMEONE, SOMEONE]);
  assert.equal(seen.endedBy, SOMEONE);
  assert.equal(seen.review?.by, SOMEONE);
  assert.equal(grantFor(victor, { ...g, endedBy: 'system:it' }).endedBy, 'system:it');
  assert.equal(grantFor(victor, { ...g, endedBy: 'victor' }).endedBy, 'victor');
});
