/**
 * ReviewRequests: a held line is passed only on an OT owner's decision from the IT side; the OT
 * clock's timeout, the session's end and the link going down each deny it (and the IT side is told
 * when it can be). FakeClock, no link: `send` is captured.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../shared/src/clock.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { silentLogger } from '../../../shared/src/log.js';
import type { ReviewClose, ReviewRequest } from '../../../shared/src/link/control-messages.js';
import type { BrokerSession } from './protocol-broker.js';
import { ReviewRequests } from './review-requests.js';

function setup() {
  const clock = new FakeClock(1_000_000);
  const reviews = new ReviewRequests({ clock, ids: sequentialIds(), log: silentLogger });
  const sent: (ReviewRequest | ReviewClose)[] = [];
  const abort = new AbortController();
  const session = {
    ticket: { sessionId: 'ses_1' },
    signal: abort.signal,
  } as unknown as BrokerSession;
  return {
    clock,
    reviews,
    sent,
    abort,
    session,
    connect: () => reviews.connected((m) => sent.push(m)),
  };
}

test('a decision from the IT side settles the held line; a late one changes nothing', async () => {
  const { reviews, sent, session, connect } = setup();
  connect();
  const v = reviews.request(session, 'systemctl restart hmi', 'rule 2', 60_000);
  const req = sent[0];
  assert.equal(req?.type, 'review.request');
  assert.deepEqual(
    req?.type === 'review.request'
      ? { sessionId: req.sessionId, line: req.line, expiresAt: req.expiresAt }
      : undefined,
    { sessionId: 'ses_1', line: 'systemctl restart hmi', expiresAt: 1_060_000 },
  );
  reviews.decided({
    type: 'review.decision',
    reviewId: req?.reviewId ?? '',
    decision: 'allow',
    reviewer: 'olga',
    comment: 'planned',
  });
  assert.deepEqual(await v, { decision: 'allow', reviewer: 'olga', comment: 'planned' });
  reviews.decided({
    type: 'review.decision',
    reviewId: req?.reviewId ?? '',
    decision: 'deny',
    reviewer: 'olga',
    comment: 'late',
  });
  assert.equal(reviews.pending, 0);
});

test('timeout (OT clock), session end and link down deny; with no link nothing is asked', async () => {
  const { clock, reviews, sent, abort, session, connect } = setup();
  assert.deepEqual(
    await reviews.request(session, 'ls', 'x', 60_000),
    { decision: 'deny' },
    'link down: denied at once',
  );
  assert.equal(sent.length, 0);
  connect();
  const timedOut = reviews.request(session, 'ls', 'x', 60_000);
  clock.advance(59_999);
  assert.equal(reviews.pending, 1);
  clock.advance(1);
  assert.deepEqual(await timedOut, { decision: 'deny' });
  assert.deepEqual(sent.at(-1), {
    type: 'review.close',
    reviewId: (sent[0] as ReviewRequest).reviewId,
    reason: 'timeout',
  });

  const dropped = reviews.request(session, 'ls', 'x', 60_000);
  reviews.disconnected();
  assert.deepEqual(await dropped, { decision: 'deny' });

  connect();
  const ended = reviews.request(session, 'ls', 'x', 60_000);
  abort.abort('grant ended');
  assert.deepEqual(await ended, { decision: 'deny' });
  assert.equal((sent.at(-1) as ReviewClose).reason, 'session_ended');
  assert.equal(reviews.pending, 0);
  assert.deepEqual(
    await reviews.request(session, 'ls', 'x', 60_000),
    { decision: 'deny' },
    'an ended session asks nothing',
  );
});
