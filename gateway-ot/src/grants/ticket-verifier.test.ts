import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { FakeClock } from '../../../shared/src/clock.js';
import { randomIds } from '../../../shared/src/ids.js';
import { generateSigningKeyPair, type SigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import {
  signTicket,
  type SessionTicket,
  type SignedTicket,
} from '../../../shared/src/model/session-ticket.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { LocalPolicy } from '../policy/policy.js';
import { testPolicies } from '../policy/local-policy.fixture.js';
import { openOtDatabase } from '../store/ot-database.js';
import { TicketNonceStore } from '../store/ticket-nonce-store.js';
import { GatewayStateStore } from '../store/gateway-state-store.js';
import { Lockdown } from './lockdown.js';
import {
  NONCE_RETENTION_MS,
  TICKET_CLOCK_SKEW_MS,
  TicketVerifier,
  type TicketContext,
} from './ticket-verifier.js';

useCrypto();

const policyResult = testPolicies.parse(
  {
    limits: { maxSessionMinutes: 60, maxConcurrentSessions: 2 },
    assets: {
      'plc-1': {
        protocol: 'modbus',
        address: '10.0.1.10',
        profiles: { 'read-only': { unitIds: [1] } },
      },
      'hmi-1': {
        protocol: 'ssh',
        address: '10.0.0.5',
        hostKey: 'ssh-ed25519 AAAA',
        username: 'svc',
        profiles: { maintenance: { mode: 'interactive' } },
      },
    },
  },
  'h',
);
if (!policyResult.ok) throw new Error('test policy invalid');
const policy: LocalPolicy = policyResult.value;

interface Fixture {
  db: Db;
  clock: FakeClock;
  audit: AuditLog;
  verifier: TicketVerifier;
  lockdown: Lockdown;
  itKey: SigningKeyPair;
  ticket(overrides?: Partial<SessionTicket>): SignedTicket;
  verify(
    input: unknown,
    ctx?: Partial<Omit<TicketContext, 'now' | 'site' | 'isNonceSeen'>>,
  ): ReturnType<TicketVerifier['verify']>;
}

function fixture(
  path = ':memory:',
  itKey = generateSigningKeyPair(),
  clock = new FakeClock(),
): Fixture {
  const db = path === ':memory:' ? openOtDatabase(':memory:') : openOtDatabase(path);
  const audit = new AuditLog({
    db,
    clock,
    ids: randomIds,
    signingKey: generateSigningKeyPair(),
    checkpointIntervalMs: 0,
  });
  const verifier = new TicketVerifier({
    db,
    audit,
    nonces: new TicketNonceStore(db),
    clock,
    site: 'plant-1',
  });
  const lockdown = new Lockdown({
    db,
    state: new GatewayStateStore(db),
    audit,
    clock,
    site: 'plant-1',
  });
  const ticket = (o: Partial<SessionTicket> = {}): SignedTicket =>
    signTicket(
      {
        v: 1,
        sessionId: `ses_${toBase64Url(randomBytes(6))}`,
        grantId: 'grt_1',
        user: { id: 'usr_1', name: 'alice' },
        site: 'plant-1',
        asset: 'plc-1',
        protocol: 'modbus',
        profile: 'read-only',
        channel: 'tcp-forward',
        grantNotBefore: clock.now() - 60_000,
        grantNotAfter: clock.now() + 3_600_000,
        approvers: ['olga'],
        breakGlass: false,
        nonce: toBase64Url(randomBytes(16)),
        issuedAt: clock.now(),
        expiresAt: clock.now() + 30_000,
        ...o,
      },
      itKey.secretKey,
    );
  const verify: Fixture['verify'] = (input, ctx = {}) =>
    verifier.verify(input, {
      grantPublicKey: itKey.publicKey,
      policy,
      lockdown: lockdown.status(),
      protocols: new Set(['modbus', 'ssh']),
      liveSessions: 0,
      isLive: () => false,
      ...ctx,
    });
  return { db, clock, audit, verifier, lockdown, itKey, ticket, verify };
}

test('ticket verification: every refusal, table-driven, each with its code', () => {
  const f = fixture();
  const now = f.clock.now();
  const skew = TICKET_CLOCK_SKEW_MS;
  const other = generateSigningKeyPair();
  const good = f.ticket();
  const cases: [
    string,
    unknown,
    Partial<Omit<TicketContext, 'now' | 'site' | 'isNonceSeen'>>,
    string,
  ][] = [
    [
      'forged (signed by another key)',
      signTicket(f.ticket().ticket, other.secretKey),
      {},
      'ticket.bad_signature',
    ],
    [
      'altered after signing',
      { ...good, ticket: { ...good.ticket, asset: 'hmi-1' } },
      {},
      'ticket.bad_signature',
    ],
    [
      'malformed',
      { ticket: { ...good.ticket, admin: true }, signature: good.signature },
      {},
      'ticket.malformed',
    ],
    ['not enrolled', f.ticket(), { grantPublicKey: undefined }, 'ticket.not_enrolled'],
    ['other site', f.ticket({ site: 'plant-2' }), {}, 'ticket.wrong_site'],
    ['expired', f.ticket({ issuedAt: now - 60_000, expiresAt: now - skew }), {}, 'ticket.expired'],
    [
      'issued in the future',
      f.ticket({ issuedAt: now + skew + 1, expiresAt: now + skew + 30_000 }),
      {},
      'ticket.not_yet_valid',
    ],
    ['lives too long', f.ticket({ expiresAt: now + 10 * 60_000 }), {}, 'ticket.bad_lifetime'],
    ['grant not started', f.ticket({ grantNotBefore: now + skew + 1 }), {}, 'grant.not_started'],
    ['grant ended', f.ticket({ grantNotAfter: now }), {}, 'grant.ended'],
    [
      'grant bounds inverted',
      f.ticket({ grantNotBefore: now - 10, grantNotAfter: now - 20 }),
      {},
      'grant.bad_bounds',
    ],
    ['unknown asset', f.ticket({ asset: 'plc-9' }), {}, 'policy.unknown_asset'],
    ['unknown profile', f.ticket({ profile: 'engineering' }), {}, 'policy.unknown_profile'],
    ['protocol mismatch', f.ticket({ protocol: 'opcua' }), {}, 'policy.protocol_mismatch'],
    [
      'locked down (local)',
      f.ticket(),
      {
        lockdown: {
          locked: true,
          local: { reason: 'fire drill', since: now, by: 'cli:olga' },
          it: null,
        },
      },
      'site.lockdown',
    ],
    [
      'locked down (IT side)',
      f.ticket(),
      {
        lockdown: {
          locked: true,
          local: null,
          it: { reason: 'incident', since: now, by: 'it-gateway' },
        },
      },
      'site.lockdown',
    ],
    [
      'no broker for the protocol',
      f.ticket(),
      { protocols: new Set(['ssh']) },
      'session.no_broker',
    ],
    ['session id already live', f.ticket(), { isLive: () => true }, 'session.duplicate'],
    ['over the session limit', f.ticket(), { liveSessions: 2 }, 'session.limit'],
  ];
  for (const [name, input, ctx, code] of cases) {
    const d = f.verify(input, ctx);
    assert.equal(d.accepted, false, name);
    if (!d.accepted) assert.equal(d.code, code, `${name}: ${d.reason}`);
  }
  const accepted = f.verify(good);
  assert.equal(accepted.accepted, true);
  const verdicts = [...f.audit.iterate()].filter((e) => e.action === 'ticket.verify');
  assert.equal(verdicts.length, cases.length + 1, 'every verdict is audited');
  assert.deepEqual(
    verdicts.map((e) => e.details.code ?? 'accepted'),
    [...cases.map((c) => c[3]), 'accepted'],
  );
  assert.equal(verdicts.at(-1)?.outcome, 'success');
  assert.equal(verdicts[0]?.actor, 'system:ot:plant-1', 'a forged ticket names no user');
  assert.equal(verdicts.at(-1)?.actor, 'alice');
});

test('the clock-skew allowance is exactly 30 s at each boundary, and the grant end gets none', () => {
  const f = fixture();
  const now = f.clock.now();
  const skew = TICKET_CLOCK_SKEW_MS;
  assert.equal(
    f.verify(f.ticket({ issuedAt: now + skew, expiresAt: now + skew + 30_000 })).accepted,
    true,
    'issued up to 30 s ahead',
  );
  assert.equal(
    f.verify(f.ticket({ issuedAt: now - 60_000, expiresAt: now - skew + 1 })).accepted,
    true,
    'expired less than 30 s ago',
  );
  assert.equal(
    f.verify(f.ticket({ grantNotBefore: now + skew })).accepted,
    true,
    'grant starting within 30 s',
  );
  assert.equal(f.verify(f.ticket({ grantNotAfter: now + 1 })).accepted, true);
  const ended = f.verify(f.ticket({ grantNotAfter: now }));
  assert.equal(ended.accepted ? '' : ended.code, 'grant.ended');
});

test('replays are refused, also after a restart; a ticket refused during a lockdown cannot be used after it', (t) => {
  const path = join(makeTempDir(t), 'ot.db');
  const itKey = generateSigningKeyPair();
  const clock = new FakeClock();
  const f = fixture(path, itKey, clock);
  const ticket = f.ticket();
  assert.equal(f.verify(ticket).accepted, true);
  const again = f.verify(ticket);
  assert.equal(again.accepted ? '' : again.code, 'ticket.replayed');

  f.lockdown.set('local', true, 'drill', 'cli:olga');
  const during = f.ticket();
  const refused = f.verify(during, { lockdown: f.lockdown.status() });
  assert.equal(refused.accepted ? '' : refused.code, 'site.lockdown');
  f.lockdown.set('local', false, 'drill over', 'cli:olga');
  f.audit.close();
  f.db.close();

  const restarted = fixture(path, itKey, clock);
  const replay = restarted.verify(ticket);
  assert.equal(
    replay.accepted ? '' : replay.code,
    'ticket.replayed',
    'the nonce survived the restart',
  );
  const later = restarted.verify(during);
  assert.equal(
    later.accepted ? '' : later.code,
    'ticket.replayed',
    'the refused ticket burned its nonce',
  );
  restarted.audit.close();
  restarted.db.close();
});

test("nonces are pruned after the retention, when the ticket's own times refuse it anyway", () => {
  const f = fixture();
  const ticket = f.ticket();
  assert.equal(f.verify(ticket).accepted, true);
  const nonces = new TicketNonceStore(f.db);
  f.clock.advance(NONCE_RETENTION_MS - 1);
  f.verify(f.ticket());
  assert.ok(nonces.has(ticket.ticket.nonce), 'kept while the ticket could still be presented');
  f.clock.advance(2);
  const late = f.verify(ticket);
  assert.equal(
    late.accepted ? '' : late.code,
    'ticket.expired',
    'past the retention the ticket is expired by its own times',
  );
  assert.equal(
    nonces.has(ticket.ticket.nonce),
    false,
    'and its nonce is gone: the table stays bounded',
  );
});

test('owner-signed: a ticket the IT key signed is refused without verified owners, and audited', () => {
  const f = fixture();
  const owned: LocalPolicy = {
    ...policy,
    approvals: { mode: 'owner-signed', breakGlassAssets: ['hmi-1'] },
  };
  const d = f.verify(f.ticket(), { policy: owned });
  assert.equal(d.accepted ? 'accepted' : d.code, 'approval.unsigned');
  const ok = f.verify(f.ticket(), {
    policy: owned,
    ownerSignatures: { owners: ['olga'], problems: [] },
  });
  assert.equal(ok.accepted, true);
  const bg = f.verify(f.ticket({ breakGlass: true }), { policy: owned });
  assert.equal(bg.accepted ? 'accepted' : bg.code, 'approval.break_glass_not_allowed');
  const first = [...f.audit.iterate()].find((e) => e.action === 'ticket.verify');
  assert.match(JSON.stringify(first?.details), /approval\.unsigned/);
});
