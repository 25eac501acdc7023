import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AirlockError } from '../../../shared/src/errors.js';
import { ownerEnrollmentChallenge } from '../../../shared/src/model/owner-approval.js';
import { OwnerEnrollmentRelay } from './owner-enrollment-relay.js';

const rp = { id: 'localhost', origins: ['https://localhost:8443'], name: 'Airlock' };
const olga = {
  id: 'u_olga',
  name: 'olga',
  displayName: 'Olga',
  roles: [{ role: 'ot-owner', site: 'plant-1' }],
};

function setup(answer: unknown) {
  const events: { action: string; outcome: string; details: unknown }[] = [];
  const relayed: unknown[] = [];
  const relay = new OwnerEnrollmentRelay({
    audit: { append: (e: unknown) => void events.push(e as never) } as never,
    commands: {
      relayOwnerEnrollment: (site, owner, registration) => {
        relayed.push({ site, owner, registration });
        return Promise.resolve(answer as never);
      },
    },
    relyingParty: () => rp,
  });
  return { relay, events, relayed };
}

test('the registration challenge commits to the typed code, the site and the owner', async () => {
  const { relay } = setup(undefined);
  const options = await relay.options(olga, 'plant-1', 'abcd-efgh-jkmn');
  assert.equal(options.challenge, ownerEnrollmentChallenge('ABCDEFGHJKMN', 'plant-1', 'olga'));
  assert.equal(options.rp.id, 'localhost');
  assert.equal(options.authenticatorSelection?.userVerification, 'required');
});

test('only an OT owner of the site gets options or a relay, and the refusal is audited', async () => {
  const { relay, events, relayed } = setup({ type: 'result', id: 'c1', ok: true });
  await assert.rejects(
    relay.options(olga, 'plant-2', 'ABCDEFGHJKMN'),
    (e) => e instanceof AirlockError && e.code === 'owner.not_owner',
  );
  await assert.rejects(
    relay.complete({ ...olga, roles: [{ role: 'engineer', site: 'plant-1' }] }, 'plant-1', '{}'),
    (e) => e instanceof AirlockError && e.code === 'owner.not_owner',
  );
  assert.equal(relayed.length, 0);
  assert.deepEqual(
    events.map((e) => [e.action, e.outcome]),
    [
      ['owner.enroll_relay', 'denied'],
      ['owner.enroll_relay', 'denied'],
    ],
  );
});

test('a malformed code is refused before any ceremony', async () => {
  const { relay } = setup(undefined);
  await assert.rejects(
    relay.options(olga, 'plant-1', 'x!'),
    (e) => e instanceof AirlockError && e.code === 'owner.bad_code',
  );
});

test("the site's answer is returned and audited; an offline site is a refusal", async () => {
  const yes = setup({ type: 'result', id: 'c1', ok: true });
  assert.deepEqual(await yes.relay.complete(olga, 'plant-1', '{"id":"x"}'), { ok: true });
  assert.deepEqual(yes.relayed, [{ site: 'plant-1', owner: 'olga', registration: '{"id":"x"}' }]);
  assert.equal(yes.events[0]?.outcome, 'success');

  const no = setup({
    type: 'result',
    id: 'c1',
    ok: false,
    code: 'owner.not_started',
    reason: 'no enrollment of olga was started',
  });
  const refused = await no.relay.complete(olga, 'plant-1', '{}');
  assert.deepEqual(refused, {
    ok: false,
    code: 'owner.not_started',
    reason: 'no enrollment of olga was started',
  });
  assert.deepEqual(no.events[0]?.details, {
    code: 'owner.not_started',
    reason: 'no enrollment of olga was started',
  });

  const off = setup(undefined);
  const offline = await off.relay.complete(olga, 'plant-1', '{}');
  assert.equal(offline.ok, false);
  assert.equal(off.events[0]?.outcome, 'denied');
});
