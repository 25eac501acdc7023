import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../shared/src/clock.js';
import { isAirlockError } from '../../../shared/src/errors.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { openItDatabase } from '../store/it-database.js';
import { CONFIRM_CODE, SshConfirmations } from './ssh-confirmations.js';
import { testAuditLog } from '../../../shared/src/testing/test-audit-log.js';

useCrypto();

const MIN = 60_000;
const alice = { id: 'u1', name: 'alice' };
const bob = { id: 'u2', name: 'bob' };

function setUp() {
  const db = openItDatabase(':memory:');
  const clock = new FakeClock(Date.UTC(2026, 11, 7, 6, 0));
  const audit = testAuditLog(db, clock, { checkpointIntervalMs: 0 });
  const marked: string[] = [];
  const c = new SshConfirmations({
    clock,
    audit,
    db,
    ttlMs: 5 * MIN,
    fresh: {
      mark: (key) => {
        marked.push(key.id);
        return clock.now() + 8 * 60 * MIN;
      },
    },
  });
  const issue = (user = alice) => {
    const v = c.issue({
      user,
      key: { id: `k-${user.name}`, userId: user.id },
      keyFingerprint: `SHA256:${user.name}`,
      source: '127.0.0.1:40000',
    });
    assert.ok(v !== undefined);
    return v.code;
  };
  const events = (action: string) =>
    [...audit.iterate()]
      .filter((e) => e.action === action)
      .map((e) => [e.actor, e.outcome, e.details.reason ?? null]);
  return { c, clock, marked, issue, events };
}

const refusal = (code: string) => (e: unknown) => isAirlockError(e) && e.code === code;
const from = (u: { id: string; name: string }) => ({ ...u, source: '10.0.0.5' });

test('ssh confirmations: the owner confirms once; the key is marked; the connection takes it once', () => {
  const { c, marked, issue, events } = setUp();
  const code = issue();
  assert.match(code, CONFIRM_CODE);
  assert.equal(c.take(code), 'pending', 'not confirmed yet');
  assert.equal(c.describe(code, from(alice)).keyFingerprint, 'SHA256:alice');
  c.confirm(code, from(alice));
  assert.deepEqual(marked, ['k-alice']);
  assert.throws(() => c.confirm(code, from(alice)), refusal('ssh.confirm_used'));
  assert.equal(c.take(code), 'confirmed');
  assert.equal(c.take(code), 'expired', 'single use: gone once taken');
  assert.throws(() => c.describe(code, from(alice)), refusal('ssh.confirm_unknown'));
  assert.deepEqual(events('ssh.confirm'), [
    ['alice', 'success', null],
    ['alice', 'denied', 'already-used'],
    ['alice', 'denied', 'unknown'],
  ]);
});

test("ssh confirmations: another user's link, an unknown or malformed code are refused and audited", () => {
  const { c, marked, issue, events } = setUp();
  const code = issue();
  assert.throws(() => c.describe(code, from(bob)), refusal('ssh.confirm_other_user'));
  assert.throws(() => c.confirm(code, from(bob)), refusal('ssh.confirm_other_user'));
  assert.throws(() => c.confirm('abcdefghjk', from(alice)), refusal('ssh.confirm_unknown'));
  assert.throws(() => c.confirm('../../etc', from(alice)), refusal('ssh.confirm_unknown'));
  assert.deepEqual(marked, [], 'nothing marked');
  assert.equal(c.take(code), 'pending', "bob's attempt changed nothing");
  assert.deepEqual(events('ssh.confirm'), [
    ['bob', 'denied', 'other-user'],
    ['bob', 'denied', 'other-user'],
    ['alice', 'denied', 'unknown'],
    ['alice', 'denied', 'unknown'],
  ]);
});

test('ssh confirmations: a link past its 5 minutes is refused, audited as expired once', () => {
  const { c, clock, marked, issue, events } = setUp();
  const a = issue();
  const b = issue();
  clock.advance(5 * MIN);
  assert.throws(() => c.confirm(a, from(alice)), refusal('ssh.confirm_expired'));
  assert.equal(c.take(b), 'expired');
  assert.equal(c.take(b), 'expired');
  assert.deepEqual(marked, []);
  assert.deepEqual(events('ssh.confirm'), [['alice', 'denied', 'expired']]);
  assert.deepEqual(events('ssh.confirm_expire'), [
    ['alice', 'failure', null],
    ['alice', 'failure', null],
  ]);
});

test('ssh confirmations: open links are capped per user; a dropped link is gone', () => {
  const { c, issue } = setUp();
  const codes = Array.from({ length: 10 }, () => issue());
  assert.equal(new Set(codes).size, 10);
  const more = c.issue({
    user: alice,
    key: { id: 'k', userId: alice.id },
    keyFingerprint: 'SHA256:x',
    source: 's',
  });
  assert.equal(more, undefined, 'the eleventh shows no link');
  assert.ok(issue(bob), 'another user is not affected');
  c.drop(codes[0] ?? '');
  assert.equal(c.take(codes[0] ?? ''), 'expired');
  assert.ok(issue(), 'room again');
});
