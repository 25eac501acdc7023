/**
 * Enrollment and authentication of the link, against a real in-process IT gateway on 127.0.0.1:
 * the enrollment call with its token rules, the certificate pin (an impostor with another
 * certificate receives no application data at all: neither the token nor a WebSocket upgrade), and
 * the IT side's refusals of unknown, revoked, replaced, stale and replayed proofs, each audited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { FakeClock, systemClock } from '../../shared/src/clock.js';
import { generateSigningKeyPair } from '../../shared/src/crypto/signing.js';
import { toBase64Url } from '../../shared/src/crypto/encoding.js';
import { createSelfSignedIdentity } from '../../shared/src/crypto/tls-identity.js';
import { ENROLLMENT_TOKEN_TTL_MS } from '../../shared/src/link/enrollment.js';
import { enrollGateway } from '../../gateway-ot/src/link/enroll-gateway.js';
import {
  createEnrollmentStore,
  readEnrollment,
  writeEnrollment,
} from '../../gateway-ot/src/store/enrollment-store.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { auditActions, SITE, startIt, startOt, type ItFixture } from '../helpers/link-fixture.js';
import { connectRawPeer } from '../helpers/raw-link-peer.js';
import { waitFor } from '../helpers/wait-for.js';

useCrypto();

function refusals(it: ItFixture): string[] {
  return auditActions(it.gw)
    .filter((e) => e.action === 'link.refuse')
    .map((e) => String(e.details.code));
}

test(
  'enrollment: the happy path records the IT key and pin; reused, expired and other-site tokens are refused and audited',
  { timeout: 60_000 },
  async (t) => {
    const clock = new FakeClock(Date.now());
    const it = await startIt(t, { clock });
    it.gw.services.auth.userAdmin.createSite({ id: 'plant-2', timezone: 'UTC' }, 'test');
    const ot = await startOt(t, { start: false });
    const s = ot.gw.services;
    const deps = {
      audit: s.audit,
      enrollment: createEnrollmentStore(s.db, s.state),
      clock,
      identity: s.identity,
      site: SITE,
      timeoutMs: 30_000,
    };
    const enroll = (token: string): ReturnType<typeof enrollGateway> =>
      enrollGateway(deps, { itUrl: it.running.url, token, fingerprint: it.running.tlsFingerprint });

    const issued = it.gw.services.sites.enrollment.issueToken(SITE, 'admin');
    const record = await enroll(issued.token);
    assert.equal(record.itFingerprint, it.running.tlsFingerprint);
    assert.equal(record.grantPublicKey, toBase64Url(it.gw.services.store.keys.grant.publicKey));
    assert.deepEqual(readEnrollment(s.state), record);
    assert.equal(
      it.gw.services.store.gateways.active(SITE)?.publicKey,
      toBase64Url(s.identity.publicKey),
    );

    await assert.rejects(
      enroll(issued.token),
      (e: Error & { code?: string }) =>
        e.code === 'enroll.token_used' && /already used/.test(e.message),
    );
    const late = it.gw.services.sites.enrollment.issueToken(SITE, 'admin');
    clock.advance(ENROLLMENT_TOKEN_TTL_MS);
    await assert.rejects(
      enroll(late.token),
      (e: Error & { code?: string }) => e.code === 'enroll.token_expired',
    );
    const other = it.gw.services.sites.enrollment.issueToken('plant-2', 'admin');
    await assert.rejects(
      enroll(other.token),
      (e: Error & { code?: string }) => e.code === 'enroll.wrong_site',
    );
    await assert.rejects(
      enroll(`aet_${'A'.repeat(43)}`),
      (e: Error & { code?: string }) => e.code === 'enroll.bad_token',
    );

    const itEnrolls = auditActions(it.gw)
      .filter((e) => e.action === 'site.enroll')
      .map((e) => `${e.outcome}:${String(e.details.code ?? '')}`);
    assert.deepEqual(itEnrolls, [
      'success:',
      'denied:enroll.token_used',
      'denied:enroll.token_expired',
      'denied:enroll.wrong_site',
      'denied:enroll.bad_token',
    ]);
    const dump =
      JSON.stringify([...it.gw.services.store.audit.iterate()]) +
      JSON.stringify([...s.audit.iterate()]);
    for (const tok of [issued.token, late.token, other.token])
      assert.ok(!dump.includes(tok), 'no token in any audit log');
    assert.deepEqual(
      auditActions(ot.gw)
        .filter((e) => e.action === 'site.enroll')
        .map((e) => e.outcome),
      ['success', 'failure', 'failure', 'failure', 'failure'],
    );
  },
);

test(
  'a wrong IT certificate is refused before any data: an impostor receives neither the token nor a link upgrade',
  { timeout: 60_000 },
  async (t) => {
    const it = await startIt(t);
    const impostorCert = await createSelfSignedIdentity({
      hostnames: ['127.0.0.1'],
      commonName: 'airlock-it',
    });
    let appBytes = 0;
    let closedConnections = 0;
    const impostor = createTlsServer(
      { key: impostorCert.keyPem, cert: impostorCert.certPem },
      (socket) => {
        socket.on('data', (d: Buffer) => (appBytes += d.length));
        socket.on('error', () => undefined);
      },
    );
    impostor.on('connection', (tcp) => tcp.on('close', () => closedConnections++));
    impostor.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => impostor.close(() => resolve())));
    const impostorUrl = `https://127.0.0.1:${(impostor.address() as AddressInfo).port}`;

    const ot = await startOt(t, { start: false });
    const s = ot.gw.services;
    const issued = it.gw.services.sites.enrollment.issueToken(SITE, 'admin');
    await assert.rejects(
      enrollGateway(
        {
          audit: s.audit,
          enrollment: createEnrollmentStore(s.db, s.state),
          clock: systemClock,
          identity: s.identity,
          site: SITE,
          timeoutMs: 30_000,
        },
        { itUrl: impostorUrl, token: issued.token, fingerprint: it.running.tlsFingerprint },
      ),
      (e: Error & { code?: string }) => e.code === 'link.fingerprint_mismatch',
    );
    // Enrolled for real, then pointed at the impostor (as if DNS or routing were hijacked).
    const real = await enrollGateway(
      {
        audit: s.audit,
        enrollment: createEnrollmentStore(s.db, s.state),
        clock: systemClock,
        identity: s.identity,
        site: SITE,
        timeoutMs: 30_000,
      },
      { itUrl: it.running.url, token: issued.token, fingerprint: it.running.tlsFingerprint },
    );
    writeEnrollment(s.state, { ...real, itUrl: impostorUrl });
    await ot.gw.start();
    await waitFor('the OT gateway to refuse the impostor', () =>
      auditActions(ot.gw).some((e) => e.action === 'link.refuse'),
    );
    const refusal = auditActions(ot.gw).find((e) => e.action === 'link.refuse');
    assert.equal(refusal?.details.code, 'link.fingerprint_mismatch');
    assert.equal(refusal?.details.presented, impostorCert.fingerprint);
    // Once the impostor's connections are closed, everything the OT side sent on them has arrived.
    await waitFor('the OT side to hang up on the impostor', () => closedConnections >= 2);
    assert.equal(appBytes, 0, 'not one byte of application data reached the impostor');
  },
);

test(
  'unknown keys, stale and replayed proofs, forged signatures, revoked and replaced gateways are refused and audited',
  { timeout: 60_000 },
  async (t) => {
    const it = await startIt(t);
    const url = it.running.url;
    const fp = it.running.tlsFingerprint;

    const stranger = await connectRawPeer(url, fp, generateSigningKeyPair(), SITE);
    stranger.send(stranger.hello());
    assert.deepEqual(await stranger.closed, { code: 1008, reason: 'link.unknown_key' });

    const ot = await startOt(t, { enrollWith: it, start: false });
    const identity = ot.gw.services.identity;
    // A valid answer captured on one connection is worthless on another.
    const first = await connectRawPeer(url, fp, identity, SITE);
    const captured = first.hello();
    const second = await connectRawPeer(url, fp, identity, SITE);
    second.send(captured);
    assert.deepEqual(await second.closed, { code: 1008, reason: 'link.replayed_proof' });
    first.ws.terminate();
    const stale = await connectRawPeer(url, fp, identity, SITE);
    stale.send(stale.hello({ nonce: toBase64Url(Buffer.alloc(32, 7)) }));
    assert.deepEqual(await stale.closed, { code: 1008, reason: 'link.stale_proof' });
    const forged = await connectRawPeer(url, fp, identity, SITE);
    forged.send(forged.hello({ signer: generateSigningKeyPair() }));
    assert.deepEqual(await forged.closed, { code: 1008, reason: 'link.bad_signature' });
    const wrongSite = await connectRawPeer(url, fp, identity, SITE);
    wrongSite.send(wrongSite.hello({ site: 'plant-9' }));
    assert.deepEqual(await wrongSite.closed, { code: 1008, reason: 'link.wrong_site' });

    // The real gateway gets in. A newer enrollment (a replacement box) replaces its key: its link is
    // closed at the next heartbeat and it is refused from then on.
    await ot.gw.start();
    await waitFor('online', () => it.gw.services.links.get(SITE).state === 'online');
    const replacement = await startOt(t, { enrollWith: it });
    await waitFor('the replaced gateway refused on reconnect', () =>
      refusals(it).includes('link.replaced'),
    );
    await waitFor(
      'the replacement online',
      () => it.gw.services.links.get(SITE).state === 'online',
    );
    await ot.stop();

    // Revoked, the replacement's link is closed at once and it is refused from then on.
    it.gw.services.sites.enrollment.revoke(SITE, 'admin', 'box stolen');
    await waitFor('revoked', () => it.gw.services.links.get(SITE).state === 'revoked');
    await waitFor('the revoked gateway refused on reconnect', () =>
      refusals(it).includes('link.revoked'),
    );
    // Enrolling again with a new token needs a new identity: the revoked key stays refused.
    const r = replacement.gw.services;
    await assert.rejects(
      enrollGateway(
        {
          audit: r.audit,
          enrollment: createEnrollmentStore(r.db, r.state),
          clock: systemClock,
          identity: r.identity,
          site: SITE,
          timeoutMs: 30_000,
        },
        {
          itUrl: url,
          token: it.gw.services.sites.enrollment.issueToken(SITE, 'admin').token,
          fingerprint: fp,
        },
      ),
      (e: Error & { code?: string }) => e.code === 'enroll.key_revoked',
    );

    assert.deepEqual([...new Set(refusals(it))].sort(), [
      'link.bad_signature',
      'link.replaced',
      'link.replayed_proof',
      'link.revoked',
      'link.stale_proof',
      'link.unknown_key',
      'link.wrong_site',
    ]);
    const unknown = auditActions(it.gw).find(
      (e) => e.action === 'link.refuse' && e.details.code === 'link.unknown_key',
    );
    assert.equal(unknown?.details.remote, '127.0.0.1');
  },
);
