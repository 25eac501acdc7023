import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch } from './scim-patch.js';
import { GROUP_SHAPE, USER_SHAPE } from './scim-resources.js';

const user = {
  userName: 'bjensen',
  active: true,
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [
    { value: 'bjensen@example.com', type: 'work' },
    { value: 'babs@jensen.org', type: 'home' },
  ],
};

test('PATCH paths: simple, sub-attribute, filtered, filtered sub-attribute, and no path', () => {
  const table: [string, Parameters<typeof applyPatch>[1], unknown][] = [
    ['replace active', [{ op: 'replace', path: 'active', value: false }], { active: false }],
    ['op and name case', [{ op: 'Replace', path: 'ACTIVE', value: false }], { active: false }],
    [
      'schema prefix',
      [{ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:userName', value: 'b' }],
      { userName: 'b' },
    ],
    [
      'sub-attribute',
      [{ op: 'replace', path: 'name.givenName', value: 'Babs' }],
      { name: { givenName: 'Babs', familyName: 'Jensen' } },
    ],
    [
      'remove sub-attribute',
      [{ op: 'remove', path: 'name.familyName' }],
      { name: { givenName: 'Barbara' } },
    ],
    [
      'filtered sub-attribute',
      [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'b@example.com' }],
      { emails: [{ value: 'b@example.com', type: 'work' }, user.emails[1]] },
    ],
    [
      'remove filtered',
      [{ op: 'remove', path: 'emails[type eq "home"]' }],
      { emails: [user.emails[0]] },
    ],
    [
      'filtered with no match adds',
      [{ op: 'add', path: 'emails[type eq "other"].value', value: 'o@example.com' }],
      { emails: [...user.emails, { type: 'other', value: 'o@example.com' }] },
    ],
    [
      'no path',
      [{ op: 'replace', value: { active: false, 'name.givenName': 'B' } }],
      { active: false, name: { givenName: 'B', familyName: 'Jensen' } },
    ],
    ['remove attribute', [{ op: 'remove', path: 'name' }], { name: undefined }],
  ];
  for (const [name, ops, expected] of table) {
    const r = applyPatch(user, ops, USER_SHAPE);
    assert.ok(r.ok, name);
    const want = { ...user, ...(expected as object) };
    for (const [k, v] of Object.entries(want))
      if (v === undefined) delete (want as Record<string, unknown>)[k];
    assert.deepEqual(r.value, want, name);
  }
  assert.deepEqual(user.emails.length, 2, 'the input is not changed');
});

test('PATCH members: add without duplicates, remove listed values or by filter, replace', () => {
  const group = { displayName: 'g', members: [{ value: 'a' }, { value: 'b' }] };
  const run = (ops: Parameters<typeof applyPatch>[1]): unknown => {
    const r = applyPatch(group, ops, GROUP_SHAPE);
    assert.ok(r.ok, JSON.stringify(r));
    return r.value.members;
  };
  assert.deepEqual(run([{ op: 'add', path: 'members', value: [{ value: 'b' }, { value: 'c' }] }]), [
    { value: 'a' },
    { value: 'b' },
    { value: 'c' },
  ]);
  assert.deepEqual(run([{ op: 'remove', path: 'members', value: [{ value: 'a' }] }]), [
    { value: 'b' },
  ]);
  assert.deepEqual(run([{ op: 'remove', path: 'members[value eq "b"]' }]), [{ value: 'a' }]);
  assert.deepEqual(run([{ op: 'remove', path: 'members' }]), []);
  assert.deepEqual(run([{ op: 'replace', path: 'members', value: [{ value: 'z' }] }]), [
    { value: 'z' },
  ]);
});

test('PATCH refusals name the operation and the SCIM error type', () => {
  const table: [Parameters<typeof applyPatch>[1], string][] = [
    [[{ op: 'move', path: 'active' }], 'invalidValue'],
    [[{ op: 'replace', path: 'password', value: 'x' }], 'invalidPath'],
    [[{ op: 'replace', path: 'active[type eq "x"]', value: 1 }], 'invalidPath'],
    [[{ op: 'remove' }], 'noTarget'],
    [[{ op: 'replace', value: 'not an object' }], 'invalidValue'],
    [[{ op: 'remove', path: 'emails[type eq "fax"]' }], 'noTarget'],
    [[{ op: 'replace', path: 'emails.value', value: 'x' }], 'invalidPath'],
  ];
  for (const [ops, scimType] of table) {
    const r = applyPatch(user, ops, USER_SHAPE);
    assert.ok(!r.ok, JSON.stringify(ops));
    assert.equal(r.error.scimType, scimType, JSON.stringify(ops));
    assert.match(r.error.message, /^operation 1: /);
  }
});
