import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { User } from '../store/store.js';
import { eligibleApprovers, quorumOf, quorumWarning } from './quorum.js';

const person = (id: string, roles: User['roles'], state: User['state'] = 'active'): User =>
  ({ id, name: id, roles, state }) as unknown as User;
const owner = (id: string, extra: User['roles'] = [], state: User['state'] = 'active') =>
  person(id, [{ role: 'ot-owner', site: 'plant-1' }, ...extra], state);

function users(list: readonly User[]) {
  return {
    listWithSiteRole: (role: string, site: string) =>
      list.filter((u) => u.roles.some((r) => r.role === role && r.site === site)),
  };
}

test('eligible approvers: active OT owners of the site, never an admin, never the requester', () => {
  const store = users([
    owner('olga'),
    owner('oscar', [{ role: 'engineer' }]),
    owner('ada', [{ role: 'admin' }]),
    owner('gone', [], 'disabled'),
    person('paul', [{ role: 'ot-owner', site: 'plant-2' }]),
  ]);
  assert.deepEqual(eligibleApprovers(store, 'plant-1', 'alice'), ['olga', 'oscar']);
  assert.deepEqual(eligibleApprovers(store, 'plant-1', 'oscar'), ['olga']);
});

test('quorum, table-driven: required vs approvals given and people left who may approve', () => {
  const store = users([owner('olga'), owner('oscar', [{ role: 'engineer' }])]);
  const cases: [string, number, string[], boolean, number][] = [
    // requester, required, approved by, can be met, remaining approvers
    ['alice', 2, [], true, 2],
    ['oscar', 2, [], false, 1],
    ['oscar', 2, ['olga'], false, 0],
    ['oscar', 1, [], true, 1],
    ['oscar', 1, ['olga'], true, 0],
    ['alice', 3, ['olga'], false, 1],
    ['alice', 2, ['olga', 'oscar'], true, 0],
  ];
  for (const [requesterId, required, approved, canBeMet, remaining] of cases) {
    const q = quorumOf(
      store,
      { site: 'plant-1', requesterId, requiredApprovals: required },
      approved,
    );
    const label = `${requesterId} needs ${required}, approved by [${approved.join(',')}]`;
    assert.equal(q.canBeMet, canBeMet, label);
    assert.equal(q.remainingApprovers, remaining, label);
    assert.equal(quorumWarning(q) === undefined, canBeMet, label);
  }
  const q = quorumOf(store, { site: 'plant-1', requesterId: 'oscar', requiredApprovals: 2 }, []);
  assert.match(quorumWarning(q) ?? '', /needs 2 OT-owner approval\(s\) and only 1 more person/);
});
