/**
 * A leaver through SCIM, end to end: alice (linked to the provider's identity `alice-oid`, then
 * provisioned) has a live OpenSSH session to the target through the IT gateway's SSH endpoint and
 * the OT gateway's broker, a portal session, an SSH key and a pending request. The identity
 * provider sends `active: false`: within seconds the session ends on both gateways with the
 * reason, the grant is revoked, the request cancelled, the key and portal session gone, every
 * step audited; a new connection is refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { SITE } from '../../helpers/link-fixture.js';
import { keyLogin, startSshChain } from '../../helpers/ssh-chain.js';
import { waitFor } from '../../helpers/wait-for.js';
import { GROUP, PATCH, USER, scimClient, scimProviders } from './scim-client.js';

test(
  'SCIM active:false ends a live OpenSSH session through both gateways and the rest of the leaver access',
  { timeout: 120_000 },
  async (t) => {
    const providers = scimProviders(makeTempDir(t, 'airlock-scim-leaver-'));
    const chain = await startSshChain(t, { sso: providers.sso });
    const s = chain.it.gw.services;
    const ot = chain.ot?.gw.services;
    assert.ok(ot !== undefined);
    const { alice } = chain.users;
    const scim = scimClient(
      chain.it.running.url,
      chain.it.running.tlsFingerprint,
      providers.tokens.corp,
    );

    // The admin had linked alice's account to her identity; provisioning takes it over by
    // (issuer, externalId), and her group gives her role back.
    s.sso.link('corp', 'alice-oid', 'alice', 'cli:test');
    const created = await scim.send('POST', '/Users', {
      schemas: [USER],
      userName: 'alice@corp.example',
      externalId: 'alice-oid',
    });
    assert.equal(created.status, 201, created.body);
    assert.equal(created.json<{ id: string }>().id, alice.user.id);
    const group = await scim.send('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'plant-engineers',
      members: [{ value: alice.user.id }],
    });
    assert.equal(group.status, 201, group.body);
    assert.deepEqual(s.store.users.getById(alice.user.id)?.roles, [{ role: 'engineer' }]);

    const now = Date.now();
    const pending = await s.access.requests.create(alice.user, {
      site: SITE,
      assets: [{ asset: 'hmi-1', profile: 'maintenance' }],
      startsAt: now + 3_600_000,
      endsAt: now + 7_200_000,
      reason: 'tomorrow: backup of the HMI',
    });
    s.auth.sessions.issue(alice.user.id, 'web', '127.0.0.1');

    let seen = '';
    s.sessions.live.subscribe((e) => {
      if (e.type === 'started') e.session.watchOutput((c) => (seen += c.toString()));
    });
    const key = [...chain.baseOptions(), '-p', String(chain.sshPort), ...keyLogin(alice)];
    chain.answers(alice);
    const long = chain.run('ssh', [
      ...key,
      'alice:hmi-1@127.0.0.1',
      'echo started; exec sleep 120',
    ]);
    await waitFor('output from the target', () => seen.includes('started'));
    await waitFor('the session on the OT gateway', () => ot.sessions.liveSessionIds().length === 1);

    const leaving = Date.now();
    const off = await scim.send('PATCH', `/Users/${alice.user.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    assert.equal(off.status, 200, off.body);
    const r = await long;
    const endedAfterMs = Date.now() - leaving;
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stdout, /started/);
    assert.match(r.stderr, /airlock: session ended/);
    t.diagnostic(`the OpenSSH client ended ${endedAfterMs} ms after the SCIM request was sent`);
    assert.ok(endedAfterMs < 5000, `the session ended ${endedAfterMs} ms after the leaver`);
    await waitFor(
      'the OT gateway to end its session',
      () => ot.sessions.liveSessionIds().length === 0,
    );
    assert.equal(s.sessions.live.size, 0);

    // The rest of the exit, each audited.
    assert.equal(s.store.users.getById(alice.user.id)?.state, 'disabled');
    assert.equal(s.store.grants.get(chain.grantId)?.status, 'revoked');
    assert.equal(s.store.requests.get(pending.id)?.status, 'cancelled');
    assert.deepEqual(s.store.sshKeys.listByUser(alice.user.id), []);
    assert.equal(s.auth.sessions.liveOf(alice.user.id).length, 0);
    const disable = chain.audit('user.disable').at(-1);
    assert.deepEqual(
      { keys: disable?.details.sshKeysRemoved, sessions: disable?.details.sessionsEnded },
      { keys: 1, sessions: 1 },
    );
    const revoke = chain.audit('grant.revoke').at(-1);
    assert.equal(revoke?.details.by, 'account-disabled');
    assert.match(String(revoke?.details.reason), /disabled by scim:corp/);
    assert.equal(chain.audit('request.cancel').at(-1)?.details.by, 'account-disabled');
    assert.ok(
      [...ot.audit.iterate()].some((e) => e.action === 'session.end'),
      'the OT gateway recorded the end of its session',
    );

    chain.answers(alice, { stepOffset: 1 });
    const again = await chain.run('ssh', [...key, 'alice:hmi-1@127.0.0.1', 'true']);
    assert.equal(again.code, 255);
  },
);
