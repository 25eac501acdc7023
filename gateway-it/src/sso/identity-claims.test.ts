import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  baseUserName,
  groupsOf,
  idpMfaOf,
  rolesFromGroups,
  uniqueUserName,
} from './identity-claims.js';

test('groups come from the configured claim: a list of strings or one string', () => {
  assert.deepEqual(groupsOf({ groups: ['a', 7, 'b'] }, 'groups'), ['a', 'b']);
  assert.deepEqual(groupsOf({ roles: 'x' }, 'roles'), ['x']);
  assert.deepEqual(groupsOf({ groups: { a: 1 } }, 'groups'), []);
  assert.deepEqual(groupsOf({}, 'groups'), []);
});

test('groups map to roles per site, once each, unmapped groups give nothing', () => {
  const mapping = [
    { group: 'eng', role: 'engineer' as const },
    { group: 'p1-owners', role: 'ot-owner' as const, site: 'plant-1' },
    { group: 'p2-owners', role: 'ot-owner' as const, site: 'plant-2' },
    { group: 'eng-2', role: 'engineer' as const },
  ];
  assert.deepEqual(rolesFromGroups(['eng', 'eng-2', 'p2-owners', 'other'], mapping), [
    { role: 'engineer' },
    { role: 'ot-owner', site: 'plant-2' },
  ]);
  assert.deepEqual(rolesFromGroups(['other'], mapping), []);
});

test('the provider’s MFA counts only for configured amr or acr values', () => {
  const accept = { amr: ['mfa', 'hwk'], acr: ['urn:corp:loa:2'] };
  assert.equal(idpMfaOf({ amr: ['pwd', 'mfa'] }, accept).counts, true);
  assert.equal(idpMfaOf({ amr: ['pwd'] }, accept).counts, false);
  assert.equal(idpMfaOf({ acr: 'urn:corp:loa:2' }, accept).counts, true);
  assert.equal(idpMfaOf({ acr: 'urn:corp:loa:1', amr: 'mfa' }, accept).counts, false);
  assert.equal(idpMfaOf({ amr: ['mfa'] }, undefined).counts, false, 'absent: never');
  assert.deepEqual(idpMfaOf({ amr: ['pwd', 3] }, undefined).amr, ['pwd']);
});

test('a new account’s name: from the claim, valid, unique', () => {
  assert.equal(
    baseUserName({ preferred_username: 'Alice.Smith@corp.example' }, 'preferred_username'),
    'alice.smith',
  );
  assert.equal(baseUserName({ upn: '42 Bob O’Neil' }, 'upn'), 'bob-o-neil');
  assert.equal(baseUserName({}, 'preferred_username'), 'sso-user');
  const taken = new Set(['alice', 'alice-2']);
  assert.equal(
    uniqueUserName('alice', (n) => taken.has(n)),
    'alice-3',
  );
  assert.equal(
    uniqueUserName('bob', (n) => taken.has(n)),
    'bob',
  );
  for (const n of ['alice.smith', 'bob-o-neil', 'sso-user', 'alice-3'])
    assert.match(n, /^[a-z][a-z0-9._-]{1,31}$/);
});
