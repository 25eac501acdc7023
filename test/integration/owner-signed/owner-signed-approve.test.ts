/**
 * Approving at an owner-signed site, IT side, through both gateways in process (real link on
 * 127.0.0.1; the soft authenticator stands in for the browser, test/integration/owner-signed/
 * owner-signed-browser.test.ts does it in Chromium). The OT gateway publishes its mode and olga's
 * credential once she enrolls; approving without an assertion is refused (409, naming what is
 * missing), as are an answer over another challenge, one never issued or reused, and one from a
 * credential the site does not list; the signed approval is stored with the approval, the grant's
 * ticket carries it and the OT gateway opens the session naming olga as verified signer. A grant
 * approved without a signature (an IT gateway that believed the site it-signed) gets no session,
 * and break-glass still alerts the owners IT-side while the site refuses it (no break-glass asset).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AirlockError } from '../../../shared/src/errors.js';
import { freePort } from '../../../image/demo/plant/free-port.js';
import {
  approvalChallenge,
  ownerEnrollmentChallenge,
} from '../../../shared/src/model/owner-approval.js';
import { IT_SIGNED } from '../../../shared/src/model/site-approvals.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { SoftAuthenticator } from '../../../shared/src/testing/soft-authenticator.js';
import type { BrokerSession } from '../../../gateway-ot/src/sessions/sessions.js';
import { createUserNow } from '../../helpers/create-user-now.js';
import {
  auditActions,
  startIt,
  startOt,
  TEST_POLICY,
  waitForSiteConnected,
} from '../../helpers/link-fixture.js';
import { echoBroker } from '../../helpers/test-brokers.js';
import { waitFor } from '../../helpers/wait-for.js';

useCrypto();

test(
  'owner-signed site: approving needs the owner passkey over the request; the OT gateway verifies it',
  { timeout: 120_000 },
  async (t) => {
    const port = await freePort();
    const origin = `https://localhost:${port}`;
    const seen: { sessions: BrokerSession[] } = { sessions: [] };
    const it = await startIt(t, { port, publicUrl: origin });
    const ot = await startOt(t, {
      enrollWith: it,
      policy: { ...TEST_POLICY, approvals: { mode: 'owner-signed', quorum: 1 } },
      brokers: [echoBroker('modbus', seen)],
    });
    await waitForSiteConnected(it);
    const s = it.gw.services;
    const sig = s.access.signatures;
    await waitFor('the published mode', () => sig.isOwnerSigned('plant-1'));
    const mk = (name: string, roles: Parameters<typeof createUserNow>[1]['roles']) =>
      createUserNow(s.auth.userAdmin, { name, roles }).user;
    const olga = mk('olga', [{ role: 'ot-owner', site: 'plant-1' }]);
    const alice = mk('alice', [{ role: 'engineer' }]);
    const events = (action: string) =>
      [...s.store.audit.iterate()].filter((e) => e.action === action);

    // olga enrolls (started OT-side); the site republishes before answering: IT knows her key id.
    const key = new SoftAuthenticator();
    const { code } = ot.gw.services.owners.enrollment.start('olga', 'local:root');
    const reg = key.register({
      rpId: 'localhost',
      origin,
      challenge: ownerEnrollmentChallenge(code, 'plant-1', 'olga'),
      userVerified: true,
    });
    const relayed = await s.siteCommands.relayOwnerEnrollment(
      'plant-1',
      'olga',
      JSON.stringify(reg),
    );
    assert.equal(relayed?.ok, true);
    assert.deepEqual(sig.credentialsOf('plant-1', 'olga'), [key.credentialId]);
    assert.equal(events('site.approvals').at(-1)?.details['mode'], 'owner-signed');
    assert.equal(s.access.directory.get(olga, 'plant-1').approvalMode, 'owner-signed');

    const now = Date.now();
    s.access.windows.addWindow({ cli: 'cli:test' }, 'plant-1', {
      asset: null,
      label: 'test window',
      rule: { kind: 'once', start: now - 3_600_000, end: now + 6 * 3_600_000 },
    });
    const request = (requester = alice) =>
      s.access.requests.create(requester, {
        site: 'plant-1',
        assets: [{ asset: 'plc-1', profile: 'read-only' }],
        startsAt: now,
        endsAt: now + 3_600_000,
        reason: 'read the line 1 counters',
      });
    const req = await request();
    const refused = async (p: Promise<unknown>): Promise<AirlockError> => {
      try {
        await p;
      } catch (e) {
        if (e instanceof AirlockError) return e;
        throw e;
      }
      throw new Error('expected a refusal');
    };
    const answer = (challenge: string, counter: number, k = key) =>
      JSON.stringify(
        k.assert({ rpId: 'localhost', origin, challenge, counter, userVerified: true }),
      );

    // No assertion: a conflict naming what is missing; nothing recorded.
    const missing = await refused(s.access.approvals.decide(olga, req.id, 'approve', 'ok'));
    assert.equal(missing.kind, 'conflict');
    assert.equal(missing.code, 'approval.signature_required');
    assert.match(missing.message, /owner-signed.*passkey/);
    assert.equal(s.access.requests.get(olga, req.id).approvals, 0);

    // The options commit to exactly the request's content, and allow only olga's credential.
    const options = await sig.optionsFor(olga, req.id);
    const row = s.store.requests.get(req.id);
    assert.ok(row !== undefined);
    const content = sig.contentOf(row);
    assert.equal(options.challenge, approvalChallenge(content));
    assert.deepEqual(content.assets, [{ asset: 'plc-1', profile: 'read-only' }]);
    assert.deepEqual(
      options.allowCredentials?.map((c) => c.id),
      [key.credentialId],
    );
    assert.equal(options.userVerification, 'required');

    // Over another content: refused, and the challenge is used up (single use).
    const other = approvalChallenge({ ...content, notAfter: content.notAfter + 60_000 });
    const wrong = await refused(
      s.access.approvals.decide(olga, req.id, 'approve', 'ok', answer(other, 1)),
    );
    assert.equal(wrong.code, 'approval.wrong_challenge');
    const reused = await refused(
      s.access.approvals.decide(olga, req.id, 'approve', 'ok', answer(options.challenge, 2)),
    );
    assert.equal(reused.code, 'approval.challenge_expired');
    // A passkey the site does not list for olga.
    await sig.optionsFor(olga, req.id);
    const stranger = await refused(
      s.access.approvals.decide(
        olga,
        req.id,
        'approve',
        'ok',
        answer(options.challenge, 1, new SoftAuthenticator()),
      ),
    );
    assert.equal(stranger.code, 'approval.unknown_credential');
    assert.deepEqual(
      events('approval.assertion').map((e) => e.details['code']),
      [
        'approval.signature_required',
        'approval.wrong_challenge',
        'approval.challenge_expired',
        'approval.unknown_credential',
      ],
    );

    // Signed: granted, stored with the approval, carried by the ticket, verified at the OT gateway.
    await sig.optionsFor(olga, req.id);
    const decided = await s.access.approvals.decide(
      olga,
      req.id,
      'approve',
      'ok',
      answer(options.challenge, 3),
    );
    assert.equal(decided.outcome, 'granted');
    assert.deepEqual(events('request.approve').at(-1)?.details['signed'], {
      credentialId: key.credentialId,
    });
    assert.equal(s.store.ownerApprovals.ofRequest(req.id).length, 1);
    const issue = s.access.tickets.issue({
      user: alice.id,
      site: 'plant-1',
      asset: 'plc-1',
      protocol: 'modbus',
      channel: 'tcp-forward',
    });
    assert.ok(issue.ok);
    const stream = await s.siteCommands.openSession('plant-1', issue.signed);
    assert.equal(seen.sessions.length, 1);
    const verdict = auditActions(ot.gw)
      .filter((e) => e.action === 'ticket.verify')
      .at(-1);
    assert.equal(verdict?.outcome, 'success');
    assert.deepEqual(verdict?.details['signers'], ['olga']);
    stream.close('done');

    // An IT gateway that believes the site it-signed approves without a signature: no session.
    // (carol, not alice: alice's signed grant is still active and would be picked for her.)
    s.store.ownerApprovals.putSiteApprovals('plant-1', IT_SIGNED, Date.now());
    const carol = mk('carol', [{ role: 'engineer' }]);
    const req2 = await request(carol);
    const unsigned = await s.access.approvals.decide(olga, req2.id, 'approve', 'ok');
    assert.equal(unsigned.outcome, 'granted');
    const issue2 = s.access.tickets.issue({
      user: carol.id,
      site: 'plant-1',
      asset: 'plc-1',
      protocol: 'modbus',
      channel: 'tcp-forward',
    });
    assert.ok(issue2.ok);
    const e = await refused(s.siteCommands.openSession('plant-1', issue2.signed));
    assert.match(e.message, /no owner-signed approval/);
    const refusedAtOt = auditActions(ot.gw)
      .filter((a) => a.action === 'ticket.verify')
      .at(-1);
    assert.equal(refusedAtOt?.outcome, 'denied');
    assert.equal(refusedAtOt?.details['code'], 'approval.unsigned');
    assert.equal(refusedAtOt?.details['alert'], true);
    assert.equal(seen.sessions.length, 1);

    // Break-glass at the owner-signed site: the IT side alerts the owners as on any site; the OT
    // policy lists no break-glass asset, so the site refuses it (unsigned), audited with an alert.
    const bob = createUserNow(s.auth.userAdmin, {
      name: 'bob',
      roles: [{ role: 'engineer' }],
      canBreakGlass: true,
    }).user;
    s.access.breakGlass.take(bob, {
      site: 'plant-1',
      assets: [{ asset: 'plc-1', profile: 'read-only' }],
      durationMinutes: 30,
      justification: 'line 1 stopped, the counters must be read now',
    });
    assert.deepEqual(events('grant.break_glass').at(-1)?.details['alerted'], ['olga']);
    const glass = s.access.tickets.issue({
      user: bob.id,
      site: 'plant-1',
      asset: 'plc-1',
      protocol: 'modbus',
      channel: 'tcp-forward',
    });
    assert.ok(glass.ok);
    await refused(s.siteCommands.openSession('plant-1', glass.signed));
    const glassVerdict = auditActions(ot.gw)
      .filter((a) => a.action === 'ticket.verify')
      .at(-1);
    assert.equal(glassVerdict?.details['code'], 'approval.break_glass_not_allowed');
    assert.equal(glassVerdict?.details['alert'], true);
    assert.equal(seen.sessions.length, 1);
  },
);
