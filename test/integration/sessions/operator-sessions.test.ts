/**
 * The IT-side session path (gateway-it/src/sessions): refusals say why and are audited, an allowed
 * session carries a signed ticket to the site and is registered, its output tap reaches watchers,
 * and it ends by the operator, by an IT command, by revocation and by lockdown, each audited.
 * The site is the recording fake with a scripted `openSession`; the link has its own tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AirlockError } from '../../../shared/src/errors.js';
import { fakeStream } from '../../helpers/fake-session-stream.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';
import { seedPlant, type Plant } from '../access/plant-fixture.js';

useCrypto();

async function grantFor(p: Plant): Promise<string> {
  const { h } = p;
  const id = (
    await h.call('POST', '/api/v1/requests', {
      token: await p.token('alice'),
      body: p.requestBody(0, 120),
    })
  ).json.id as string;
  const d = await h.call('POST', `/api/v1/requests/${id}/decision`, {
    token: await p.token('olga'),
    body: { decision: 'approve', comment: 'ok' },
  });
  assert.equal(d.json.outcome, 'granted', d.text);
  return d.json.grantId as string;
}

test(
  'operator sessions: refusals say why, an allowed session is ticketed, registered, tapped and ended (operator, IT command, revocation, lockdown)',
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const sessions = h.gw.services.sessions;
    const streams: ReturnType<typeof fakeStream>[] = [];
    h.sites.opener = async (_site, ticket) => {
      const s = fakeStream(ticket.ticket.sessionId);
      streams.push(s);
      return s;
    };
    const alice = p.users.alice.user.id;
    const req = {
      user: alice,
      site: 'plant-1',
      asset: 'hmi-1',
      protocol: 'ssh' as const,
      channel: 'ssh-session' as const,
      via: 'ssh' as const,
      source: '10.0.0.7:50022',
    };

    // No grant: refused with the checker's reason, audited, nothing asked of the site.
    await assert.rejects(
      sessions.live.open(req),
      (e: unknown) =>
        e instanceof AirlockError &&
        e.kind === 'access_denied' &&
        e.code === 'access.no_grant' &&
        /no grant for hmi-1/.test(e.message),
    );
    assert.equal(h.sites.of('openSession').length, 0);
    assert.ok(h.auditActions().includes('session.deny'));

    const grantId = await grantFor(p);
    const s1 = await sessions.live.open(req);
    const call = h.sites.of('openSession')[0];
    assert.equal(call?.ticket.ticket.sessionId, s1.id);
    assert.equal(call?.ticket.ticket.channel, 'ssh-session');
    assert.equal(call?.ticket.ticket.grantId, grantId);
    assert.deepEqual(
      {
        user: s1.info.userName,
        site: s1.info.site,
        asset: s1.info.asset,
        via: s1.info.via,
        source: s1.info.source,
        grantId: s1.info.grantId,
        profile: s1.info.profile,
      },
      {
        user: 'alice',
        site: 'plant-1',
        asset: 'hmi-1',
        via: 'ssh',
        source: '10.0.0.7:50022',
        grantId,
        profile: 'maintenance',
      },
    );
    assert.deepEqual(
      sessions.live.list({ user: alice }).map((s) => s.id),
      [s1.id],
    );

    // Output tap: a watcher sees what is published from the moment it subscribes.
    const seen: string[] = [];
    s1.publishOutput(Buffer.from('before '));
    const stop = s1.watchOutput((c) => seen.push(c.toString()));
    s1.publishOutput(Buffer.from('login: '));
    stop();
    s1.publishOutput(Buffer.from('after'));
    assert.deepEqual(seen, ['login: ']);

    // Ended by the operator: audited with the reason, gone from the registry.
    const events: string[] = [];
    sessions.live.subscribe((e) => events.push(`${e.type}:${e.session.id}`));
    s1.end('operator closed the connection');
    assert.equal(sessions.live.size, 0);
    assert.deepEqual(events, [`ended:${s1.id}`]);
    const endEvent = [...h.gw.services.store.audit.iterate()]
      .filter((e) => e.action === 'session.end')
      .at(-1);
    assert.equal(endEvent?.details.reason, 'operator closed the connection');

    // Ended by an IT command: audited as terminate, the site is told.
    const s2 = await sessions.live.open(req);
    assert.equal(await sessions.live.terminate(s2.id, 'olga', 'unplanned change'), true);
    assert.ok(s2.isEnded && /ended by olga/.test(s2.endReason ?? ''));
    assert.deepEqual(
      h.sites.of('endSession').map((c) => c.sessionId),
      [s2.id],
    );
    assert.ok(h.auditActions().includes('session.terminate'));
    assert.equal(await sessions.live.terminate(s2.id, 'olga', 'again'), false, 'no longer live');

    // Lockdown ends the site's local sessions at once, and then refuses with the reason.
    const s3 = await sessions.live.open(req);
    const olga = await p.token('olga');
    const lock = await h.call('POST', '/api/v1/sites/plant-1/lockdown', {
      token: olga,
      body: { reason: 'incident 7' },
    });
    assert.ok(lock.status < 300, lock.text);
    assert.ok(s3.isEnded && /locked down/.test(s3.endReason ?? ''), s3.endReason);
    await assert.rejects(
      sessions.live.open(req),
      (e: unknown) => e instanceof AirlockError && e.code === 'access.site_locked_down',
    );
    const lift = await h.call('POST', '/api/v1/sites/plant-1/lockdown/lift', {
      token: olga,
      body: { reason: 'incident closed' },
    });
    assert.equal(lift.status, 200, lift.text);

    // Revocation ends the grant's local sessions at once (and tells the site).
    const s4 = await sessions.live.open(req);
    const rev = await h.call('POST', `/api/v1/grants/${grantId}/revoke`, {
      token: await p.token('alice'),
      body: { reason: 'done' },
    });
    assert.equal(rev.status, 200, rev.text);
    assert.ok(s4.isEnded, 'revocation ended the live session');
    assert.deepEqual(
      h.sites.of('endGrantSessions').map((c) => c.grantId),
      [grantId],
    );
    assert.equal(sessions.live.size, 0);
    await assert.rejects(
      sessions.live.open(req),
      (e: unknown) => e instanceof AirlockError && e.code === 'access.revoked',
    );
  },
);

test(
  'operator sessions: a site that is offline or refuses is reported as such and audited',
  { timeout: 60_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    await grantFor(p);
    const req = {
      user: p.users.alice.user.id,
      site: 'plant-1',
      asset: 'hmi-1',
      protocol: 'ssh' as const,
      channel: 'ssh-session' as const,
      via: 'web' as const,
    };
    h.sites.opener = async () => {
      throw new AirlockError('unavailable', 'link.site_offline', 'site plant-1 is not connected');
    };
    await assert.rejects(
      h.gw.services.sessions.live.open(req),
      (e: unknown) =>
        e instanceof AirlockError && e.kind === 'unavailable' && e.code === 'link.site_offline',
    );
    h.sites.opener = async () => {
      throw new AirlockError(
        'access_denied',
        'ticket.replayed',
        'site plant-1 refused the session: nonce already used',
      );
    };
    await assert.rejects(
      h.gw.services.sessions.live.open(req),
      (e: unknown) => e instanceof AirlockError && e.code === 'ticket.replayed',
    );
    const denies = [...h.gw.services.store.audit.iterate()]
      .filter((e) => e.action === 'session.deny')
      .map((e) => e.details.code);
    assert.deepEqual(denies, ['link.site_offline', 'ticket.replayed']);
    assert.equal(h.gw.services.sessions.live.size, 0);
  },
);
