import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UserId } from '../../../shared/src/ids.js';
import { openItDatabase } from './it-database.js';
import { SsoStore } from './sso-store.js';

const attempt = (state: string, browser: string, source: string, createdAt: number) => ({
  stateHash: state,
  browserHash: browser,
  provider: 'corp',
  nonce: 'n',
  verifierSealed: new Uint8Array([1, 2, 3]),
  source,
  createdAt,
  expiresAt: createdAt + 600_000,
});

test('an attempt is taken once, and only by the browser that started it', () => {
  const db = openItDatabase(':memory:');
  const store = new SsoStore(db);
  store.addAttempt(attempt('s1', 'b1', '10.0.0.1', 1000));
  assert.equal(store.take('nope', 'b1', 2000), undefined);
  const foreign = store.take('s1', 'other', 2000);
  assert.equal(foreign?.fresh, false, 'another browser does not spend it');
  assert.equal(foreign?.attempt.usedAt, null);
  const first = store.take('s1', 'b1', 2000);
  assert.equal(first?.fresh, true);
  assert.deepEqual([...(first?.attempt.verifierSealed ?? [])], [1, 2, 3]);
  const again = store.take('s1', 'b1', 3000);
  assert.equal(again?.fresh, false);
  assert.equal(again?.attempt.usedAt, 2000);
  db.close();
});

test('pending counts unused, unexpired attempts (per source and in all); prune forgets old ones', () => {
  const db = openItDatabase(':memory:');
  const store = new SsoStore(db);
  store.addAttempt(attempt('a', 'b', '10.0.0.1', 0));
  store.addAttempt(attempt('c', 'd', '10.0.0.1', 0));
  store.addAttempt(attempt('e', 'f', '10.0.0.2', 0));
  assert.equal(store.pending(1000), 3);
  assert.equal(store.pending(1000, '10.0.0.1'), 2);
  store.take('a', 'b', 1000);
  assert.equal(store.pending(1000, '10.0.0.1'), 1);
  assert.equal(store.pending(600_000), 0, 'expired attempts are not pending');
  store.prune(1);
  assert.equal(store.take('c', 'd', 2000), undefined);
  db.close();
});

test('an identity is found by issuer and subject only', () => {
  const db = openItDatabase(':memory:');
  db.prepare(
    "INSERT INTO users (id, name, display_name, created_at) VALUES ('usr_1', 'alice', 'Alice', 0)",
  ).run();
  const store = new SsoStore(db);
  store.bind({
    issuer: 'https://idp',
    subject: 'sub-1',
    userId: 'usr_1' as UserId,
    provider: 'corp',
    email: 'alice@corp.example',
    createdAt: 0,
  });
  assert.equal(store.identity('https://idp', 'sub-1')?.userId, 'usr_1');
  assert.equal(store.identity('https://other', 'sub-1'), undefined);
  assert.equal(store.identity('https://idp', 'alice@corp.example'), undefined);
  assert.equal(store.identityOfUser('usr_1')?.subject, 'sub-1');
  assert.throws(() =>
    store.bind({
      issuer: 'https://idp',
      subject: 'sub-2',
      userId: 'usr_1' as UserId,
      provider: 'corp',
      email: null,
      createdAt: 0,
    }),
  );
  db.close();
});
