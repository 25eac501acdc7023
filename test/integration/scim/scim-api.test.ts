/**
 * SCIM 2.0 over real HTTPS against a running IT gateway, following RFC 7644's examples: create
 * (3.3), get (3.4.1), filter (3.4.2), replace (3.5.1), patch (3.5.2), delete (3.6), discovery (4),
 * errors (3.12: wrong token 401, bad body 400 with scimType, unknown user 404). Groups:
 * scim-groups.test.ts; a leaver with a live session: scim-leaver-ssh.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR, PATCH, USER, startScimGateway as start } from './scim-client.js';

/** RFC 7644 3.3's example user. */
const bjensen = {
  schemas: [USER],
  userName: 'bjensen',
  externalId: 'bjensen',
  name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
};

test(
  'SCIM Users: create, get, filter, replace, patch active, delete, as in RFC 7644',
  { timeout: 60_000 },
  async (t) => {
    const f = await start(t);
    const users = f.it.gw.services.store.users;

    const created = await f.corp.send('POST', '/Users', bjensen);
    assert.equal(created.status, 201, created.body);
    assert.match(String(created.headers['content-type']), /^application\/scim\+json/);
    const u = created.json<
      Record<string, unknown> & { id: string; meta: { location: string; resourceType: string } }
    >();
    assert.equal(created.headers.location, u.meta.location);
    assert.equal(u.meta.location, `${f.it.running.url}/scim/v2/Users/${u.id}`);
    assert.equal(u.meta.resourceType, 'User');
    assert.deepEqual(
      {
        userName: u.userName,
        externalId: u.externalId,
        active: u.active,
        displayName: u.displayName,
      },
      {
        userName: 'bjensen',
        externalId: 'bjensen',
        active: true,
        displayName: 'Ms. Barbara J Jensen III',
      },
    );
    const account = users.getById(u.id);
    assert.equal(account?.name, 'bjensen');
    assert.deepEqual(account?.roles, [], 'no group yet: no role');
    assert.equal(account?.state, 'active');
    const made = f.audit('user.create').at(-1);
    assert.equal(made?.actor, 'scim:corp');
    assert.equal(made?.details.via, 'scim');
    // Bound to the provider by (issuer, externalId): an SSO login with that subject finds it.
    assert.equal(f.it.gw.services.store.sso.identityOfUser(u.id)?.subject, 'bjensen');

    const again = await f.corp.send('POST', '/Users', { ...bjensen, externalId: 'another' });
    assert.equal(again.status, 409);
    assert.deepEqual(again.json(), {
      schemas: [ERROR],
      status: '409',
      scimType: 'uniqueness',
      detail: 'userName bjensen is taken',
    });

    // A local admin linked to an identity is never handed to the provider.
    await f.it.gw.services.auth.userAdmin.createUser(
      { name: 'root', roles: [{ role: 'admin' }] },
      'cli:test',
    );
    f.it.gw.services.sso.link('corp', 'root-oid', 'root', 'cli:test');
    const admin = await f.corp.send('POST', '/Users', {
      schemas: [USER],
      userName: 'root@corp',
      externalId: 'root-oid',
    });
    assert.equal(admin.status, 409);
    assert.match(admin.json<{ detail: string }>().detail, /local admin or break-glass/);
    assert.deepEqual(users.getByName('root')?.roles, [{ role: 'admin' }]);

    const got = await f.corp.send('GET', `/Users/${u.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.json<{ userName: string }>().userName, 'bjensen');

    const byName = await f.corp.send(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "BJensen"')}`,
    );
    assert.equal(byName.status, 200);
    const list = byName.json<{
      schemas: string[];
      totalResults: number;
      Resources: { id: string }[];
    }>();
    assert.deepEqual(list.schemas, ['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
    assert.equal(list.totalResults, 1, 'userName compares case-insensitively');
    assert.equal(list.Resources[0]?.id, u.id);
    const byExternal = await f.corp.send(
      'GET',
      `/Users?filter=${encodeURIComponent('externalId eq "bjensen"')}`,
    );
    assert.equal(byExternal.json<{ totalResults: number }>().totalResults, 1);
    const none = await f.corp.send(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "nobody"')}`,
    );
    assert.equal(none.json<{ totalResults: number }>().totalResults, 0);
    const badFilter = await f.corp.send(
      'GET',
      `/Users?filter=${encodeURIComponent('name.familyName co "J"')}`,
    );
    assert.equal(badFilter.status, 400);
    assert.equal(badFilter.json<{ scimType: string }>().scimType, 'invalidFilter');

    // RFC 7644 3.5.1: replace.
    const replaced = await f.corp.send('PUT', `/Users/${u.id}`, {
      schemas: [USER],
      id: u.id,
      userName: 'bjensen',
      externalId: 'bjensen',
      name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
      displayName: 'Babs Jensen',
      emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
    });
    assert.equal(replaced.status, 200, replaced.body);
    assert.equal(replaced.json<{ displayName: string }>().displayName, 'Babs Jensen');
    assert.equal(users.getById(u.id)?.displayName, 'Babs Jensen');

    // Entra ID's leaver: op "Replace", value "False".
    const off = await f.corp.send('PATCH', `/Users/${u.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    assert.equal(off.status, 200, off.body);
    assert.equal(off.json<{ active: boolean }>().active, false);
    assert.equal(users.getById(u.id)?.state, 'disabled');
    assert.equal(f.audit('user.disable').at(-1)?.actor, 'scim:corp');
    // Okta's rejoin: no path, an object of attributes; and the e-mail by a filtered path.
    const on = await f.corp.send('PATCH', `/Users/${u.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'replace', value: { active: true } },
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'babs@example.com' },
      ],
    });
    assert.equal(on.status, 200, on.body);
    const onBody = on.json<{ active: boolean; emails: { value: string }[] }>();
    assert.equal(onBody.active, true);
    assert.deepEqual(
      onBody.emails.map((e) => e.value),
      ['babs@example.com'],
    );
    assert.equal(users.getById(u.id)?.state, 'active');

    // A PUT without `active` keeps the state: it never re-enables a leaver by omission.
    await f.corp.send('PATCH', `/Users/${u.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    const put = await f.corp.send('PUT', `/Users/${u.id}`, {
      schemas: [USER],
      userName: 'bjensen',
      externalId: 'bjensen',
    });
    assert.equal(put.status, 200, put.body);
    assert.equal(put.json<{ active: boolean }>().active, false);
    assert.equal(users.getById(u.id)?.state, 'disabled');
    await f.corp.send('PATCH', `/Users/${u.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'active', value: true }],
    });

    const badPath = await f.corp.send('PATCH', `/Users/${u.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'password', value: 'x' }],
    });
    assert.equal(badPath.status, 400);
    assert.equal(badPath.json<{ scimType: string }>().scimType, 'invalidPath');
    const noTarget = await f.corp.send('PATCH', `/Users/${u.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: 'emails[type eq "home"]' }],
    });
    assert.equal(noTarget.json<{ scimType: string }>().scimType, 'noTarget');

    // Another provider sees none of corp's users.
    assert.equal((await f.other.send('GET', `/Users/${u.id}`)).status, 404);
    assert.equal(
      (await f.other.send('GET', '/Users')).json<{ totalResults: number }>().totalResults,
      0,
    );

    // RFC 7644 3.6: delete; the account stays, disabled, for its history.
    const deleted = await f.corp.send('DELETE', `/Users/${u.id}`);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.body, '');
    const gone = await f.corp.send('GET', `/Users/${u.id}`);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.json<{ schemas: string[]; status: string }>().status, '404');
    assert.equal(users.getById(u.id)?.state, 'disabled');
    assert.equal(f.audit('scim.user_delete').at(-1)?.details.userName, 'bjensen');
  },
);

test(
  'SCIM refusals: wrong or missing token 401, bad bodies 400 with scimType and nothing stored, unknown 404',
  { timeout: 60_000 },
  async (t) => {
    const f = await start(t);
    const users = f.it.gw.services.store.users;
    const before = users.list().length;

    const wrong = await f.corp.send('GET', '/Users', undefined, {
      token: 'not-the-token-'.repeat(4),
    });
    assert.equal(wrong.status, 401);
    assert.match(String(wrong.headers['www-authenticate']), /^Bearer/);
    assert.deepEqual(wrong.json<{ schemas: string[] }>().schemas, [ERROR]);
    const missing = await f.corp.send('POST', '/Users', bjensen, { token: null });
    assert.equal(missing.status, 401);
    const refusals = f.audit('scim.refuse');
    assert.equal(refusals.length, 1, 'one audit per address per window, not per probe');
    assert.equal(refusals[0]?.details.reason, 'wrong-token');
    assert.ok(!JSON.stringify(refusals).includes('not-the-token'), 'the token is never audited');

    const cases: [unknown, string | undefined, string, RegExp][] = [
      [{ schemas: [USER] }, undefined, 'invalidValue', /userName/],
      [{ schemas: ['urn:x'], userName: 'x' }, undefined, 'invalidSyntax', /schemas/],
      [{ ...bjensen, active: 'maybe' }, undefined, 'invalidValue', /active/],
      [undefined, '{"schemas": [', 'invalidSyntax', /not valid JSON/],
    ];
    for (const [body, raw, scimType, detail] of cases) {
      const r = await f.corp.send('POST', '/Users', body, raw === undefined ? {} : { raw });
      assert.equal(r.status, 400, r.body);
      const e = r.json<{ scimType: string; detail: string; status: string }>();
      assert.equal(e.scimType, scimType, r.body);
      assert.equal(e.status, '400');
      assert.match(e.detail, detail);
    }
    const form = await f.corp.send('POST', '/Users', undefined, {
      raw: 'userName=x',
      contentType: 'application/x-www-form-urlencoded',
    });
    assert.equal(form.status, 400);
    assert.equal(users.list().length, before, 'no bad request created an account');

    const unknown = await f.corp.send('GET', '/Users/usr_nobody');
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json(), {
      schemas: [ERROR],
      status: '404',
      detail: 'no user usr_nobody',
    });
    assert.equal((await f.corp.send('DELETE', '/Users/usr_nobody')).status, 404);
    assert.equal((await f.corp.send('GET', '/Things')).status, 404);
  },
);

test(
  'SCIM discovery: ServiceProviderConfig, ResourceTypes and Schemas',
  { timeout: 60_000 },
  async (t) => {
    const f = await start(t);
    const spc = await f.corp.send('GET', '/ServiceProviderConfig');
    assert.equal(spc.status, 200);
    const c = spc.json<{
      patch: { supported: boolean };
      bulk: { supported: boolean };
      filter: { supported: boolean };
    }>();
    assert.deepEqual(
      [c.patch.supported, c.bulk.supported, c.filter.supported],
      [true, false, true],
    );
    const types = await f.corp.send('GET', '/ResourceTypes');
    assert.deepEqual(
      types
        .json<{ Resources: { id: string; endpoint: string }[] }>()
        .Resources.map((r) => r.endpoint),
      ['/Users', '/Groups'],
    );
    const userSchema = await f.corp.send('GET', `/Schemas/${USER}`);
    assert.equal(userSchema.status, 200);
    const names = userSchema
      .json<{ attributes: { name: string }[] }>()
      .attributes.map((a) => a.name);
    assert.ok(names.includes('userName') && names.includes('active'), names.join());
    assert.equal(
      (await f.corp.send('GET', '/Schemas')).json<{ totalResults: number }>().totalResults,
      2,
    );
    assert.equal(
      (await f.corp.send('GET', '/ServiceProviderConfig', undefined, { token: null })).status,
      401,
    );
  },
);
