import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../shared/src/clock.js';
import { generateAeadKey } from '../../../shared/src/crypto/aead.js';
import { silentLogger } from '../../../shared/src/log.js';
import { openOtDatabase } from '../store/ot-database.js';
import { createVaultStore } from '../store/vault-store.js';
import { createTestAudit } from '../sessions/broker-session.fixture.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import {
  createRotation,
  generatePassword,
  type LoginOutcome,
  type RotationTarget,
  type SetOutcome,
} from './rotation.js';
import { openVault } from './credential-vault.js';

useCrypto();

/** A target that keeps one password, as a host would; each step can be made to fail or to wait. */
function fakeTarget() {
  const host = { password: 'old', rotatorPassword: 'rot' };
  const calls: string[] = [];
  let onSet: ((pw: string) => Promise<SetOutcome>) | undefined;
  let loginWorks = true;
  const target: RotationTarget = {
    account: 'operator',
    rotationAccount: 'rotator',
    onCheckIn: false,
    intervalMs: undefined,
    async setPassword(rotationSecret, pw) {
      calls.push('set');
      if (rotationSecret.bytes.toString() !== host.rotatorPassword)
        return { ok: false, changed: 'no', code: 'ssh.target_auth_failed', message: 'refused' };
      const text = pw.toString();
      if (onSet !== undefined) return onSet(text);
      host.password = text;
      return { ok: true };
    },
    async verifyLogin(pw): Promise<LoginOutcome> {
      calls.push('login');
      return loginWorks && pw.toString() === host.password
        ? { result: 'accepted' }
        : { result: 'refused' };
    },
  };
  return {
    host,
    calls,
    target,
    setHook: (f: typeof onSet) => (onSet = f),
    breakLogin: (b: boolean) => (loginWorks = !b),
  };
}

function setup(t: { after(fn: () => void): void }, rotatable = true) {
  const db = openOtDatabase(':memory:');
  t.after(() => db.close());
  const clock = new FakeClock();
  const audit = createTestAudit(db, clock);
  const vault = openVault({
    store: createVaultStore(db),
    audit,
    clock,
    site: 'plant-a',
    masterKey: generateAeadKey(),
  });
  vault.set({
    asset: 'hmi-1',
    account: 'operator',
    kind: 'password',
    secret: Buffer.from('old'),
    actor: 'x',
  });
  vault.set({
    asset: 'hmi-1',
    account: 'rotator',
    kind: 'password',
    secret: Buffer.from('rot'),
    actor: 'x',
  });
  const fake = fakeTarget();
  const rotation = createRotation({
    vault,
    audit,
    clock,
    log: silentLogger,
    site: 'plant-a',
    targetOf: (a) => (a === 'hmi-1' && rotatable ? fake.target : undefined),
    assets: () => ['hmi-1'],
  });
  vault.onCheckIn((n) => rotation.onCheckIn(n));
  const rotateEvents = () =>
    Array.from({ length: audit.head().seq }, (_, i) => audit.get(i + 1)).filter(
      (e) => e?.action === 'vault.rotate',
    );
  const committed = () => vault.readForRotation('hmi-1', 'operator', 'test');
  return { vault, rotation, fake, rotateEvents, committed, clock };
}

test('generated passwords: 24 characters of a 64-symbol alphabet, never the same', () => {
  const a = generatePassword().toString();
  assert.match(a, /^[A-Za-z0-9_-]{24}$/);
  assert.notEqual(generatePassword().toString(), a);
});

test('two requests at once: one rotation runs, the second follows it, never both together', async (t) => {
  const { rotation, fake, rotateEvents, committed } = setup(t);
  let active = 0;
  let most = 0;
  fake.setHook(async (pw) => {
    active++;
    most = Math.max(most, active);
    await new Promise((r) => setImmediate(r));
    fake.host.password = pw;
    active--;
    return { ok: true };
  });
  const [a, b] = await Promise.all([
    rotation.rotate('hmi-1', 'manual'),
    rotation.rotate('hmi-1', 'check-in'),
  ]);
  assert.deepEqual([a.outcome, b.outcome], ['committed', 'committed']);
  assert.equal(most, 1);
  assert.equal(rotateEvents().length, 2);
  assert.equal(committed().committed.bytes.toString(), fake.host.password);
});

test('a session checking out during a rotation gets the committed password first', async (t) => {
  const { vault, rotation, fake } = setup(t);
  let seen: string[] = [];
  fake.setHook(async (pw) => {
    const lease = vault.checkOut({
      asset: 'hmi-1',
      account: 'operator',
      sessionId: 'ses_1',
      user: 'alice',
      breakGlass: false,
    });
    seen = lease.candidates.map((c) => c.bytes.toString());
    lease.confirm(0);
    lease.checkIn();
    fake.host.password = pw;
    return { ok: true };
  });
  assert.equal((await rotation.rotate('hmi-1', 'manual')).outcome, 'committed');
  assert.equal(seen[0], 'old');
  assert.equal(
    vault.list().find((e) => e.account === 'operator')?.hasPending,
    false,
    'the rotation, not the login, settled it',
  );
});

test('a rotation whose outcome is unknown keeps both; the next one settles it first', async (t) => {
  const { rotation, fake, rotateEvents, vault, committed } = setup(t);
  // The connection drops after chpasswd got the password: the host has it, nobody confirmed.
  fake.setHook(async (pw) => {
    fake.host.password = pw;
    return { ok: false, changed: 'unknown', code: 'vault.rotate_lost', message: 'lost' };
  });
  const r = await rotation.rotate('hmi-1', 'manual');
  assert.equal(r.outcome === 'failed' && r.state, 'unknown');
  assert.equal(rotateEvents().at(-1)?.details['alert'], true);
  const lease = vault.checkOut({
    asset: 'hmi-1',
    account: 'operator',
    sessionId: 'ses_1',
    user: 'alice',
    breakGlass: false,
  });
  assert.deepEqual(
    lease.candidates.map((c) => c.bytes.toString()),
    ['old', fake.host.password],
    'both are offered',
  );
  lease.checkIn();
  fake.setHook(undefined);
  const hostHad = fake.host.password;
  fake.calls.length = 0;
  assert.equal((await rotation.rotate('hmi-1', 'manual')).outcome, 'committed');
  assert.deepEqual(
    fake.calls,
    ['login', 'login', 'set', 'login'],
    'old refused, pending accepted (committed), then a new rotation',
  );
  assert.deepEqual(
    rotateEvents()
      .slice(-2)
      .map((e) => [e?.outcome, e?.details['confirmedBy'] ?? e?.details['trigger']]),
    [
      ['success', 'rotation-check'],
      ['success', 'manual'],
    ],
  );
  assert.notEqual(committed().committed.bytes.toString(), hostHad);
  assert.equal(committed().committed.bytes.toString(), fake.host.password);
});

test('the new password set but refused at login: the old one is checked and kept', async (t) => {
  const { rotation, fake, committed } = setup(t);
  fake.setHook(async () => ({ ok: true })); // says yes, changes nothing
  const r = await rotation.rotate('hmi-1', 'manual');
  assert.deepEqual(r.outcome === 'failed' && [r.code, r.state], [
    'vault.rotate_verify_failed',
    'kept-old',
  ]);
  assert.equal(committed().committed.bytes.toString(), 'old');
  assert.equal(committed().pending, undefined);
  // Neither works any more (say the host is broken): both are kept, nothing new is staged.
  fake.setHook(undefined);
  fake.breakLogin(true);
  const r2 = await rotation.rotate('hmi-1', 'manual');
  assert.equal(r2.outcome === 'failed' && r2.state, 'unknown');
  const r3 = await rotation.rotate('hmi-1', 'manual');
  assert.deepEqual(r3.outcome === 'failed' && [r3.code, r3.state], [
    'vault.rotate_unsettled',
    'unknown',
  ]);
});

test('another process rotating: busy, nothing done; a crashed one is settled when stale', async (t) => {
  const { rotation, vault, fake, clock } = setup(t);
  vault.stagePending('hmi-1', 'operator', Buffer.from('theirs'));
  const r = await rotation.rotate('hmi-1', 'manual');
  assert.equal(r.outcome, 'busy');
  assert.deepEqual(fake.calls, []);
  clock.advance(11 * 60_000);
  assert.equal((await rotation.rotate('hmi-1', 'manual')).outcome, 'committed');
});

test('a break-glass session on an asset without rotation settings alerts', (t) => {
  const { vault, rotateEvents } = setup(t, false);
  const lease = vault.checkOut({
    asset: 'hmi-1',
    account: 'operator',
    sessionId: 'ses_bg',
    user: 'bob',
    breakGlass: true,
  });
  lease.checkIn();
  const ev = rotateEvents().at(-1);
  assert.deepEqual(
    [ev?.outcome, ev?.details['reason'], ev?.details['trigger'], ev?.details['alert']],
    ['failure', 'vault.not_rotatable', 'break-glass', true],
  );
});
