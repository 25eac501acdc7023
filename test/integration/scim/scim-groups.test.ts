/**
 * SCIM Groups over real HTTPS (RFC 7644 3.5.2's member examples): membership changes move an
 * account's roles through the provider's SSO role mapping, each move audited; a member that is
 * not the provider's user is refused and changes nothing; a deleted group takes its roles along.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SITE } from '../../helpers/link-fixture.js';
import { GROUP, PATCH, USER, startScimGateway as start } from './scim-client.js';

test(
  'SCIM Groups: membership changes move roles through the SSO mapping, audited',
  { timeout: 60_000 },
  async (t) => {
    const f = await start(t);
    const users = f.it.gw.services.store.users;
    const mk = async (userName: string): Promise<string> => {
      const r = await f.corp.send('POST', '/Users', {
        schemas: [USER],
        userName,
        externalId: `${userName}-oid`,
      });
      assert.equal(r.status, 201, r.body);
      return r.json<{ id: string }>().id;
    };
    const alice = await mk('alice@corp.example');
    const bob = await mk('bob@corp.example');
    assert.equal(users.getById(alice)?.name, 'alice', 'an e-mail userName gives its local part');

    const group = await f.corp.send('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'plant-engineers',
      members: [{ value: alice, display: 'alice' }],
    });
    assert.equal(group.status, 201, group.body);
    const g = group.json<{ id: string; members: { value: string }[] }>();
    assert.deepEqual(
      g.members.map((m) => m.value),
      [alice],
    );
    assert.deepEqual(users.getById(alice)?.roles, [{ role: 'engineer' }]);
    const moved = f.audit('user.update').filter((e) => e.details.via === 'scim-groups');
    assert.deepEqual(moved.at(-1)?.details.roles, ['engineer']);
    assert.deepEqual(moved.at(-1)?.details.previousRoles, []);

    // RFC 7644 3.5.2.1: add a member.
    const added = await f.corp.send('PATCH', `/Groups/${g.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ display: 'bob', value: bob }] }],
    });
    assert.equal(added.status, 200, added.body);
    assert.deepEqual(users.getById(bob)?.roles, [{ role: 'engineer' }]);
    // RFC 7644 3.5.2.2: remove one member by a filtered path.
    const removed = await f.corp.send('PATCH', `/Groups/${g.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: `members[value eq "${alice}"]` }],
    });
    assert.equal(removed.status, 200, removed.body);
    assert.deepEqual(users.getById(alice)?.roles, []);
    assert.deepEqual(users.getById(bob)?.roles, [{ role: 'engineer' }]);
    const change = f.audit('scim.group_change').at(-1);
    assert.deepEqual(change?.details.removed, ['alice']);

    // A member that is no user of this provider: refused, nothing changes.
    const unknown = await f.corp.send('PATCH', `/Groups/${g.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: 'usr_elsewhere' }] }],
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json<{ scimType: string }>().scimType, 'invalidValue');

    // The owners group gives a per-site role; moving bob there moves his roles.
    const owners = await f.corp.send('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'plant-owners',
    });
    const ownersId = owners.json<{ id: string }>().id;
    await f.corp.send('PUT', `/Groups/${ownersId}`, {
      schemas: [GROUP],
      displayName: 'plant-owners',
      members: [{ value: bob }],
    });
    await f.corp.send('PATCH', `/Groups/${g.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'members', value: [] }],
    });
    assert.deepEqual(users.getById(bob)?.roles, [{ role: 'ot-owner', site: SITE }]);
    const bobView = await f.corp.send('GET', `/Users/${bob}`);
    assert.deepEqual(
      bobView.json<{ groups: { display: string }[] }>().groups.map((x) => x.display),
      ['plant-owners'],
    );

    const filtered = await f.corp.send(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "plant-owners"')}`,
    );
    assert.equal(filtered.json<{ totalResults: number }>().totalResults, 1);
    assert.equal((await f.corp.send('DELETE', `/Groups/${ownersId}`)).status, 204);
    assert.deepEqual(users.getById(bob)?.roles, [], 'a deleted group takes its roles with it');
    assert.equal((await f.corp.send('GET', `/Groups/${ownersId}`)).status, 404);
  },
);
