/**
 * Command review over the real link (both gateways in process, enrolled for real): the OT
 * gateway's ReviewRequests sends `review.request`, the IT gateway answers with `review.decision`,
 * both validated by the shared codec on the way. A line of a session the IT gateway did not open is
 * denied by the IT side at once and audited there; with the link down the OT side denies without
 * asking. (Deciding a held line of a live session is in sessions/command-reviews.test.ts, the OT
 * half on a real sshd in ssh-broker.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrokerSession } from '../../gateway-ot/src/sessions/protocol-broker.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { auditActions, startIt, startOt } from '../helpers/link-fixture.js';
import { waitFor } from '../helpers/wait-for.js';

useCrypto();

test(
  'review messages cross the link both ways; an unknown session is denied by the IT side; link down denies on the OT side',
  { timeout: 60_000 },
  async (t) => {
    const it = await startIt(t);
    const ot = await startOt(t, { enrollWith: it });
    await waitFor('the link up', () => ot.gw.services.link.state === 'online', 20_000);
    const session = {
      ticket: { sessionId: 'ses_notopenedbyit' },
      signal: new AbortController().signal,
    } as unknown as BrokerSession;

    const v = await ot.gw.services.reviews.request(
      session,
      'systemctl restart hmi',
      'matches rule 2 (review)',
      30_000,
    );
    assert.equal(v.decision, 'deny');
    assert.equal(v.reviewer, 'airlock-it');
    assert.match(v.comment ?? '', /no live session ses_notopenedbyit at plant-1/);
    const refused = auditActions(it.gw).find((e) => e.action === 'review.request');
    assert.equal(refused?.outcome, 'denied');
    assert.equal(
      auditActions(it.gw).some((e) => e.action === 'link.violation'),
      false,
      'both frames passed the codec',
    );
    assert.equal(
      auditActions(ot.gw).some((e) => e.action === 'link.violation'),
      false,
    );

    await ot.gw.services.link.stop();
    assert.deepEqual(
      await ot.gw.services.reviews.request(session, 'ls', 'x', 30_000),
      { decision: 'deny' },
      'no link: denied without asking',
    );
  },
);
