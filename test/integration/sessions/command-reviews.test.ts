/**
 * Command review, IT side (gateway-it/src/sessions/command-reviews.ts, the API and the portal page):
 * a line a site holds is kept only for a live session this gateway opened there, is shown to that
 * site's OT owners only, is decided by one of them (never the operator of the session, never an
 * owner of another site), the decision is audited and handed to the link, and lines the site stops
 * holding (its timeout, the link lost) are closed. The site is the recording fake; the OT half
 * and the link are tested in ssh-broker.test.ts and review-requests.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReviewRequest } from '../../../shared/src/link/control-messages.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { fakeStream } from '../../helpers/fake-session-stream.js';
import { startHarness } from '../../helpers/it-harness.js';
import { seedPlant } from '../access/plant-fixture.js';
import { portalLogin } from '../access/portal-client.js';

useCrypto();

test(
  "command reviews: shown to and decided by the site's OT owners only, audited, sent to the site; closed when the site stops holding",
  { timeout: 90_000 },
  async (t) => {
    const p = await seedPlant(await startHarness(t));
    const { h } = p;
    const reviews = h.gw.services.sessions.reviews;
    h.sites.opener = async (_site, ticket) => fakeStream(ticket.ticket.sessionId);
    // oscar is an engineer and an OT owner of plant-1: he works on hmi-1, olga approves.
    const reqId = (
      await h.call('POST', '/api/v1/requests', {
        token: await p.token('oscar'),
        body: p.requestBody(0, 120),
      })
    ).json.id as string;
    assert.equal(
      (
        await h.call('POST', `/api/v1/requests/${reqId}/decision`, {
          token: await p.token('olga'),
          body: { decision: 'approve', comment: 'ok' },
        })
      ).json.outcome,
      'granted',
    );
    const session = await h.gw.services.sessions.live.open({
      user: p.users.oscar.user.id,
      site: 'plant-1',
      asset: 'hmi-1',
      protocol: 'ssh',
      channel: 'ssh-session',
      via: 'ssh',
    });
    const held = (
      reviewId: string,
      line: string | null = 'systemctl restart hmi',
    ): ReviewRequest => ({
      type: 'review.request',
      reviewId,
      sessionId: session.id,
      line,
      why: 'matches rule 2 (review)',
      expiresAt: h.clock.now() + 120_000,
    });

    // A line of a session this gateway does not know (or of another site) is denied at once.
    reviews.received('plant-2', held('rev_x'));
    const auto = h.sites.of('sendReviewDecision');
    assert.equal(auto.length, 1);
    assert.deepEqual(
      {
        site: auto[0]?.site,
        decision: auto[0]?.decision.decision,
        reviewer: auto[0]?.decision.reviewer,
      },
      { site: 'plant-2', decision: 'deny', reviewer: 'airlock-it' },
    );

    reviews.received('plant-1', held('rev_1'));
    reviews.received('plant-1', held('rev_1')); // a resent request adds nothing
    const list = async (who: 'olga' | 'paul' | 'oscar') =>
      (await h.call('GET', '/api/v1/reviews', { token: await p.token(who) })).json as Record<
        string,
        unknown
      >[];
    const mine = await list('olga');
    assert.equal(mine.length, 1);
    assert.deepEqual(
      {
        requester: mine[0]?.['requester'],
        line: mine[0]?.['line'],
        asset: mine[0]?.['asset'],
        state: mine[0]?.['state'],
      },
      { requester: 'oscar', line: 'systemctl restart hmi', asset: 'hmi-1', state: 'pending' },
    );
    assert.deepEqual(await list('paul'), [], 'an OT owner of another site does not see it');
    const id = mine[0]?.['id'] as string;
    const decide = async (who: 'olga' | 'paul' | 'oscar' | 'alice', body: unknown) =>
      h.call('POST', `/api/v1/reviews/${id}/decision`, { token: await p.token(who), body });

    const paul = await decide('paul', { decision: 'approve', comment: 'looks fine' });
    assert.equal(paul.status, 403);
    assert.equal(paul.json.error.code, 'review.not_owner');
    const own = await decide('oscar', { decision: 'approve', comment: 'my own' });
    assert.equal(own.status, 403);
    assert.equal(own.json.error.code, 'review.own_session');
    assert.equal(
      (await decide('alice', { decision: 'approve', comment: 'x' })).status,
      403,
      'not an OT owner at all',
    );
    assert.equal(
      (await decide('olga', { decision: 'approve' })).status,
      400,
      'a comment is required',
    );

    // The site cannot be told: nothing is recorded, the line stays pending (the site's timeout denies it).
    h.sites.delivered = false;
    const offline = await decide('olga', { decision: 'approve', comment: 'restart is planned' });
    assert.equal(offline.status, 503);
    assert.equal((await list('olga')).length, 1);
    h.sites.delivered = true;
    const ok = await decide('olga', { decision: 'approve', comment: 'restart is planned' });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(
      { state: ok.json.state, reviewer: ok.json.reviewer, comment: ok.json.comment },
      { state: 'allowed', reviewer: 'olga', comment: 'restart is planned' },
    );
    const sent = h.sites.of('sendReviewDecision').at(-1);
    assert.deepEqual(sent, {
      command: 'sendReviewDecision',
      site: 'plant-1',
      decision: {
        type: 'review.decision',
        reviewId: 'rev_1',
        decision: 'allow',
        reviewer: 'olga',
        comment: 'restart is planned',
      },
    });
    assert.equal((await decide('olga', { decision: 'deny', comment: 'again' })).status, 409);
    assert.deepEqual(await list('olga'), []);

    // Audited: the request, the refused attempts and the decision (with its comment).
    const events = h.gw.services.store.db
      .prepare<[], { action: string; actor: string; outcome: string; details: string }>(
        "SELECT action, actor, outcome, details FROM audit_events WHERE action LIKE 'review.%' ORDER BY seq",
      )
      .all();
    assert.deepEqual(
      events.map((e) => `${e.action} ${e.actor} ${e.outcome}`),
      [
        'review.request gateway:plant-2 denied',
        'review.request gateway:plant-1 success',
        'review.decide paul denied',
        'review.decide oscar denied',
        'review.decide olga success',
      ],
    );
    assert.match(events.at(-1)?.details ?? '', /restart is planned/);

    // The portal page: the owner sees the line and decides with the form (CSRF checked); the operator sees no form for their own line.
    reviews.received('plant-1', held('rev_2', null));
    const olga = await portalLogin(h, p.users.olga);
    const pageText = (await olga.get('/reviews')).text;
    assert.match(pageText, /typed at a password prompt: not shown/);
    const id2 = /data-review="([^"]+)"/.exec(pageText)?.[1] ?? '';
    assert.equal(
      (await olga.post(`/reviews/${id2}/decision`, { _csrf: '', decision: 'deny', comment: 'no' }))
        .status,
      403,
      'no CSRF token, no decision',
    );
    const posted = await olga.post(`/reviews/${id2}/decision`, {
      decision: 'deny',
      comment: 'not now',
    });
    assert.equal(posted.status, 303);
    assert.equal(h.sites.of('sendReviewDecision').at(-1)?.decision.decision, 'deny');
    reviews.received('plant-1', held('rev_3'));
    const oscar = await portalLogin(h, p.users.oscar);
    assert.match((await oscar.get('/reviews')).text, /your own session: another OT owner decides/);
    assert.equal(
      (await (await portalLogin(h, p.users.paul)).get('/reviews')).text.includes('rev_3'),
      false,
    );

    // The site stopped holding it (its timeout), or the link went down: closed, audited, no longer shown.
    reviews.closed('plant-1', { type: 'review.close', reviewId: 'rev_3', reason: 'timeout' });
    reviews.received('plant-1', held('rev_4'));
    reviews.linkDown('plant-1');
    assert.deepEqual(await list('olga'), []);
    const closes = h.gw.services.store.db
      .prepare<[], { details: string }>(
        "SELECT details FROM audit_events WHERE action = 'review.close' ORDER BY seq",
      )
      .all();
    assert.deepEqual(
      closes.map((e) => JSON.parse(e.details).reason),
      ['timeout', 'link_lost'],
    );
  },
);
