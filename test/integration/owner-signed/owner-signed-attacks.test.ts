/**
 * Owner-signed approvals through both gateways (in process, real link on 127.0.0.1): OT owners'
 * passkeys enrolled from the OT side and relayed by the IT gateway, then tickets signed with the
 * real IT grant key (as a fully compromised IT gateway could) that each try one attack. Each is
 * refused at the OT gateway, audited there (`ticket.verify` denied, with the code and an alert),
 * and no session reaches the broker (the plant side). A genuine quorum of owners opens a session,
 * and the OT audit names the verified signers. The soft authenticator stands in for the browser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { generateSigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { randomIds } from '../../../shared/src/ids.js';
import {
  approvalChallenge,
  ownerEnrollmentChallenge,
  toOwnerAssertion,
  type ApprovalContent,
  type OwnerAssertion,
} from '../../../shared/src/model/owner-approval.js';
import type { SessionTicket } from '../../../shared/src/model/session-ticket.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { SoftAuthenticator } from '../../../shared/src/testing/soft-authenticator.js';
import type { BrokerSession } from '../../../gateway-ot/src/sessions/sessions.js';
import { createOwners } from '../../../gateway-ot/src/owners/owners.js';
import { createStore } from '../../../gateway-ot/src/store/store.js';
import {
  auditActions,
  makeTicket,
  startIt,
  startOt,
  TEST_POLICY,
  waitForSiteConnected,
  type ItFixture,
  type OtFixture,
} from '../../helpers/link-fixture.js';
import { echoBroker } from '../../helpers/test-brokers.js';

useCrypto();

const ORIGIN = 'https://localhost:8443';
const RP = 'localhost';

const POLICY = {
  ...TEST_POLICY,
  approvals: { mode: 'owner-signed', quorum: 2 },
  assets: {
    ...TEST_POLICY.assets,
    'plc-2': { ...TEST_POLICY.assets['plc-1'], description: 'line 2 PLC' },
  },
};

async function relayEnrollment(
  it: ItFixture,
  ot: OtFixture,
  owner: string,
  auth: SoftAuthenticator,
  codeOf: (code: string) => string = (c) => c,
) {
  const { code } = ot.gw.services.owners.enrollment.start(owner, 'local:root');
  const reg = auth.register({
    rpId: RP,
    origin: ORIGIN,
    challenge: ownerEnrollmentChallenge(codeOf(code), 'plant-1', owner),
    userVerified: true,
  });
  return it.gw.services.siteCommands.relayOwnerEnrollment('plant-1', owner, JSON.stringify(reg));
}

test(
  'owner-signed site: enrollment only as started OT-side; every forged or replayed approval is refused at the OT gateway',
  { timeout: 120_000 },
  async (t) => {
    const clock = new FakeClock(Date.now());
    const seen: { sessions: BrokerSession[] } = { sessions: [] };
    const it = await startIt(t);
    const ot = await startOt(t, {
      enrollWith: it,
      clock,
      policy: POLICY,
      brokers: [echoBroker('modbus', seen)],
    });
    await waitForSiteConnected(it);

    // Enrollment: one the OT side did not start, and one with a wrong code, are refused there.
    const olga = new SoftAuthenticator();
    const otto = new SoftAuthenticator();
    const unstarted = await it.gw.services.siteCommands.relayOwnerEnrollment(
      'plant-1',
      'mallory',
      JSON.stringify(
        new SoftAuthenticator().register({
          rpId: RP,
          origin: ORIGIN,
          challenge: ownerEnrollmentChallenge('0000-0000-0000', 'plant-1', 'mallory'),
          userVerified: true,
        }),
      ),
    );
    assert.equal(unstarted?.ok === false ? unstarted.code : 'ok', 'owner.not_started');
    const guessed = await relayEnrollment(it, ot, 'olga', olga, () => '0000-0000-0000');
    assert.equal(guessed?.ok === false ? guessed.code : 'ok', 'owner.wrong_challenge');
    assert.equal((await relayEnrollment(it, ot, 'olga', olga))?.ok, true);
    assert.equal((await relayEnrollment(it, ot, 'otto', otto))?.ok, true);
    const enrolls = auditActions(ot.gw).filter((e) => e.action === 'owner.enroll');
    assert.deepEqual(
      enrolls.map((e) => e.outcome),
      ['denied', 'denied', 'success', 'success'],
    );
    assert.ok(enrolls.slice(0, 2).every((e) => e.details['alert'] === true));

    // A passkey of an owner of another site (enrolled at that site's gateway).
    const foreign = new SoftAuthenticator();
    const other = createStore({ dataDir: ':memory:' });
    t.after(() => other.close());
    const otherOwners = createOwners({
      store: other,
      audit: new AuditLog({
        db: other.db,
        clock,
        ids: randomIds,
        signingKey: generateSigningKeyPair(),
        checkpointIntervalMs: 0,
      }),
      clock,
      site: 'plant-2',
    });
    const { code: code2 } = otherOwners.enrollment.start('olga', 'local:root');
    const foreignReg = await otherOwners.enrollment.complete(
      'olga',
      JSON.stringify(
        foreign.register({
          rpId: RP,
          origin: ORIGIN,
          challenge: ownerEnrollmentChallenge(code2, 'plant-2', 'olga'),
          userVerified: true,
        }),
      ),
    );
    assert.ok(foreignReg.ok);
    // A passkey the operator registered with the IT gateway only (never enrolled at the OT side).
    const itOnly = new SoftAuthenticator();

    const now = clock.now();
    const content: ApprovalContent = {
      site: 'plant-1',
      assets: [{ asset: 'plc-1', profile: 'read-only' }],
      notBefore: now - 60_000,
      notAfter: now + 3_600_000,
      requester: { id: 'usr_alice', name: 'alice' },
      requestId: 'req_1',
      ticketRef: 'CHG-7',
    };
    const sign = (a: SoftAuthenticator, counter: number, c = content): OwnerAssertion =>
      toOwnerAssertion(
        a.assert({
          rpId: RP,
          origin: ORIGIN,
          challenge: approvalChallenge(c),
          counter,
          userVerified: true,
        }),
      );
    const ticket = (assertions: OwnerAssertion[] | null, o: Partial<SessionTicket> = {}) =>
      makeTicket(it, clock.now(), {
        grantNotBefore: content.notBefore,
        grantNotAfter: content.notAfter,
        approvers: ['olga', 'otto'],
        ...(assertions === null ? {} : { ownerApproval: { content, assertions } }),
        ...o,
      });
    const later = { ...content, notAfter: content.notAfter + 3_600_000 };

    const attacks: [string, ReturnType<typeof makeTicket>, string, RegExp][] = [
      [
        'an invented approval signed by the IT key',
        ticket(null),
        'approval.unsigned',
        /no owner-signed approval/,
      ],
      [
        'a real approval replayed for another asset',
        ticket([sign(olga, 1), sign(otto, 1)], { asset: 'plc-2' }),
        'approval.unsigned',
        /does not cover plc-2/,
      ],
      [
        'a real approval replayed for another profile',
        ticket([sign(olga, 1), sign(otto, 1)], { profile: 'maintenance' }),
        'approval.unsigned',
        /does not cover plc-1 with profile maintenance/,
      ],
      [
        'a real approval replayed with a later end',
        ticket([sign(olga, 1), sign(otto, 1)], { grantNotAfter: content.notAfter + 60_000 }),
        'approval.unsigned',
        /ends after/,
      ],
      [
        'a real approval replayed for another requester',
        ticket([sign(olga, 1), sign(otto, 1)], { user: { id: 'usr_mallory', name: 'mallory' } }),
        'approval.unsigned',
        /requester/,
      ],
      [
        'widened content carried with the real assertions',
        makeTicket(it, clock.now(), {
          grantNotBefore: later.notBefore,
          grantNotAfter: later.notAfter,
          ownerApproval: { content: later, assertions: [sign(olga, 1), sign(otto, 1)] },
        }),
        'approval.unsigned',
        /wrong_challenge/,
      ],
      [
        'an assertion from an owner of another site',
        ticket([sign(olga, 1), sign(foreign, 1)]),
        'approval.below_quorum',
        /not an owner passkey enrolled here/,
      ],
      [
        'an assertion from a passkey enrolled only on IT',
        ticket([sign(olga, 1), sign(itOnly, 1)]),
        'approval.below_quorum',
        /not an owner passkey enrolled here/,
      ],
      [
        'one owner signing twice (below quorum)',
        ticket([sign(olga, 1), sign(olga, 1)]),
        'approval.below_quorum',
        /1 distinct enrolled owner/,
      ],
      [
        'break-glass where the OT policy does not allow it',
        ticket(null, { breakGlass: true, approvers: [] }),
        'approval.break_glass_not_allowed',
        /break-glass/,
      ],
    ];
    for (const [name, signed, code, reason] of attacks) {
      const e = await refusal(it.gw.services.siteCommands.openSession('plant-1', signed));
      assert.match(e.message, reason, name);
      const verdict = auditActions(ot.gw)
        .filter((a) => a.action === 'ticket.verify')
        .at(-1);
      assert.equal(verdict?.outcome, 'denied', name);
      assert.equal(verdict?.details['code'], code, name);
      assert.equal(verdict?.details['alert'], true, name);
      assert.equal(seen.sessions.length, 0, `${name}: nothing reached the plant side`);
    }

    // The genuine approval: both owners, counters 5 — the session opens, the audit names them.
    const good = await it.gw.services.siteCommands.openSession(
      'plant-1',
      ticket([sign(olga, 5), sign(otto, 5)]),
    );
    assert.equal(seen.sessions.length, 1);
    const accepted = auditActions(ot.gw)
      .filter((a) => a.action === 'ticket.verify')
      .at(-1);
    assert.equal(accepted?.outcome, 'success');
    assert.deepEqual(accepted?.details['signers'], ['olga', 'otto']);
    good.close('done');

    // A counter going backwards (an old assertion, or a cloned authenticator) is refused.
    const e = await refusal(
      it.gw.services.siteCommands.openSession('plant-1', ticket([sign(olga, 5), sign(otto, 4)])),
    );
    assert.match(e.message, /counter_regressed/);
    assert.equal(seen.sessions.length, 1);

    // Removing an owner OT-side: their signatures no longer count.
    assert.equal(ot.gw.services.owners.enrollment.remove('otto', 'local:root'), 1);
    const removed = await refusal(
      it.gw.services.siteCommands.openSession('plant-1', ticket([sign(olga, 6), sign(otto, 6)])),
    );
    assert.match(removed.message, /below|distinct/);
    assert.equal(seen.sessions.length, 1);
  },
);

async function refusal(p: Promise<unknown>): Promise<AirlockError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AirlockError) return e;
    throw e;
  }
  throw new Error('expected the session to be refused');
}
