import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openItDatabase } from '../store/it-database.js';
import { LoginThrottleStore } from '../store/login-throttle-store.js';
import { LoginThrottle } from './login-throttle.js';

const DAY = 86_400_000;
const limits = {
  lockoutThreshold: 5,
  lockoutWindowMs: 900_000,
  lockoutMs: 900_000,
  sourceFailureLimit: 1000,
  sourceWindowMs: 600_000,
  backoffAfterFailures: 3,
  backoffBaseMs: 2_000,
  backoffMaxMs: 60_000,
  knownSourceMs: 30 * DAY,
};

function throttle() {
  const db = openItDatabase(':memory:');
  return { db, t: new LoginThrottle(new LoginThrottleStore(db), limits) };
}

test('backoff per (account, source) doubles past the free failures up to its maximum', () => {
  const { t } = throttle();
  const now = 10 * DAY;
  // A source the account logged in from: the account lock (at five) does not hide the backoff.
  t.recordSuccess('alice', '192.0.2.1', now - DAY);
  const until: (number | null)[] = [];
  for (let i = 0; i < 10; i++) until.push(t.recordFailure('Alice', '192.0.2.1', now).backoffUntil);
  assert.deepEqual(
    until.map((u) => (u === null ? null : u - now)),
    [null, null, null, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000],
  );
  assert.deepEqual(t.gate('alice', '192.0.2.1', now + 59_999).state, 'throttled');
  // Another source for the same name is not in backoff, only (past five failures) locked.
  assert.equal(t.gate('alice', '192.0.2.2', now).state, 'locked');
});

test('an account lock holds back only sources the account has not logged in from', () => {
  const { t } = throttle();
  const now = 5 * DAY;
  t.recordSuccess('alice', '10.0.0.1', now - 10 * DAY);
  t.recordSuccess('alice', '10.0.0.2', now - 40 * DAY);
  for (let i = 0; i < 5; i++) t.recordFailure('alice', `203.0.113.${i}`, now);
  assert.equal(t.gate('alice', '10.0.0.1', now).state, 'open');
  assert.equal(t.gate('alice', '10.0.0.2', now).state, 'locked', 'known too long ago');
  assert.equal(t.gate('alice', '203.0.113.99', now).state, 'locked');
  // Her login from the known source does not lift the lock for strangers.
  t.recordSuccess('alice', '10.0.0.1', now);
  assert.equal(t.gate('alice', '203.0.113.99', now).state, 'locked');
  // An admin unlock clears the lock and every backoff of the account.
  assert.equal(t.unlock('alice'), true);
  assert.equal(t.gate('alice', '203.0.113.99', now).state, 'open');
  assert.equal(t.unlock('alice'), false);
});

test('the lock runs out by time; pruning forgets old pairs and sources', () => {
  const { t, db } = throttle();
  const now = 100 * DAY;
  for (let i = 0; i < 5; i++) t.recordFailure('bob', `203.0.113.${i}`, now);
  t.recordSuccess('bob', '10.0.0.9', now - 31 * DAY);
  const later = now + limits.lockoutMs;
  assert.deepEqual(t.gate('bob', '203.0.113.1', later), { state: 'open', unlockedByTime: true });
  t.prune(later + limits.lockoutWindowMs);
  const count = (table: string): number =>
    (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  assert.equal(count('login_throttle_pairs'), 0);
  assert.equal(count('login_known_sources'), 0);
});
