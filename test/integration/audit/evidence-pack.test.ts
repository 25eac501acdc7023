/**
 * The evidence pack on real events: alice runs a command on hmi-1 through the whole SSH chain
 * (OpenSSH client, IT gateway, link, OT gateway with its broker and recorder, a real sshd) on the
 * grant olga approved. Then:
 *  - with four-eyes playback on, a pack with recordings is refused (audited) until a second person
 *    approves an export request covering its range; a pack without recordings needs none;
 *  - the grant's pack (API, and the portal button on the grant page) carries the request, olga's
 *    approval, the scope, alice's session with its recording and command, the OT policy hash, and
 *    the signed list of its events; `airlock-it verify-export` verifies it offline;
 *  - one changed byte of the summary, and an OT event of the grant dropped from the chain (even
 *    with the manifest re-signed by the real IT key), each fail naming the problem;
 *  - an auditor of another site gets 404; the window's pack holds the same grant;
 *  - every pack and refusal is an `audit.evidence_pack` event (AL1008).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSync } from 'otplib';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { IT_MAIN, runNode } from '../../../shared/src/testing/processes.js';
import { readBundleFiles, tamper } from '../../../gateway-it/src/audit/two-logs.fixture.js';
import { startSshChain } from '../../helpers/ssh-chain.js';
import { SITE } from '../../helpers/link-fixture.js';
import type { Harness, HarnessUser } from '../../helpers/it-harness.js';
import { createHarnessUser } from '../../helpers/create-user-now.js';
import { runRecordedSession } from '../../helpers/recorded-session.js';
import { type PortalClient, portalLogin } from '../access/portal-client.js';

useCrypto();

test(
  'the evidence pack of a grant with a real session verifies offline and names tampering',
  { timeout: 240_000 },
  async (t) => {
    const chain = await startSshChain(t);
    const s = chain.it.gw.services;
    const { alice, olga } = chain.users;
    const { sessionId, grantId, otEvents } = await runRecordedSession(
      chain,
      alice,
      'echo pack-marker-$((6*7))',
    );
    assert.equal(grantId, chain.grantId);
    const publicKey = toBase64Url(s.store.keys.audit.publicKey);
    const mk = (name: string, roles: Parameters<typeof createHarnessUser>[2]) =>
      createHarnessUser(s.auth.userAdmin, name, roles);
    s.auth.userAdmin.createSite({ id: 'plant-2', timezone: 'UTC' }, 'cli:test');
    const audrey = mk('audrey', [{ role: 'auditor', site: SITE }]);
    const dave = mk('dave', [{ role: 'auditor', site: 'plant-2' }]);
    const ev = s.audit.evidence;
    const packs = () =>
      [...s.store.audit.iterate()]
        .filter((e) => e.action === 'audit.evidence_pack')
        .map((e) => [e.actor, e.outcome, e.details.code ?? e.details.error ?? null]);

    await t.test(
      'four eyes: a pack with recordings waits for an approved export request',
      async () => {
        s.recording.playback.setFourEyes(olga.user, SITE, true);
        await assert.rejects(
          ev.write(
            { kind: 'grant', id: grantId, requestedBy: 'audrey' },
            join(chain.dir, 'refused.tar.gz'),
          ),
          (e: Error & { code?: string }) => e.code === 'export.four_eyes_required',
        );
        const bare = await ev.write(
          { kind: 'grant', id: grantId, requestedBy: 'audrey', recordings: false },
          join(chain.dir, 'bare.tar.gz'),
        );
        assert.equal(bare.recordings, 0);
        const subject = ev.subject({ kind: 'grant', id: grantId });
        const xrq = s.audit.exportApprovals.request(
          audrey.user,
          SITE,
          subject.from,
          Date.now() + 3_600_000,
          'evidence pack for the HMI firmware job',
        );
        s.audit.exportApprovals.decide(olga.user, xrq.id, true);
        assert.deepEqual(packs(), [
          ['audrey', 'denied', 'export.four_eyes_required'],
          ['audrey', 'success', null],
        ]);
      },
    );

    const path = join(chain.dir, 'grant.tar.gz');
    await t.test('the grant pack: contents and offline verification', async () => {
      const pack = await ev.write({ kind: 'grant', id: grantId, requestedBy: 'audrey' }, path);
      assert.equal(pack.recordings, 1);
      assert.equal(pack.sessions, 1);
      const files = await readBundleFiles(path);
      const names = files.map((f) => f.name);
      assert.ok(
        names.includes(`sessions/${sessionId}/recording/${sessionId}.cast`),
        names.join(', '),
      );
      const summary =
        files.find((f) => f.name === 'evidence/summary.md')?.data.toString('utf8') ?? '';
      assert.match(summary, new RegExp(`# Evidence pack: grant ${grantId} \\(site ${SITE}\\)`));
      assert.match(summary, /Requested by alice .*firmware update on the HMI/);
      assert.match(summary, /approve by olga/);
      assert.match(summary, /Scope: hmi-1 \(ssh, profile maintenance\), plc-1/);
      assert.match(
        summary,
        new RegExp(`- ${sessionId}: alice on hmi-1, .*recording: sessions/${sessionId}/recording/`),
      );
      assert.match(summary, /ssh\.command hmi-1: echo pack-marker/);
      assert.match(summary, /config\.load: SHA-256 [0-9a-f]{64}/);
      const evidence = JSON.parse(
        files.find((f) => f.name === 'evidence/evidence.json')?.data.toString('utf8') ?? '{}',
      );
      assert.equal(evidence.grants[0].decisions[0].approver, 'olga');
      assert.ok(evidence.policies.length >= 1);
      const manifest = JSON.parse(files[0]?.data.toString('utf8') ?? '{}');
      assert.deepEqual(manifest.evidence.subject, { kind: 'grant', id: grantId });
      const roles = new Set(manifest.evidence.events.map((e: { role: string }) => e.role));
      for (const r of [
        'request',
        'approval',
        'grant',
        'session',
        'operation',
        'recording',
        'policy',
      ])
        assert.ok(roles.has(r), `a ${r} event is listed: ${[...roles].join(', ')}`);

      const ok = await runNode([IT_MAIN, 'verify-export', path, `--public-key=${publicKey}`]);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /^VERIFIED: /);
      assert.match(
        ok.stdout,
        new RegExp(
          `evidence pack: grant ${grantId}, \\d+ listed events proven in the signed chain`,
        ),
      );
    });

    await t.test('tampering: a changed byte of a member, a dropped event', async () => {
      const byte = await tamper(path, chain.dir, 'byte', (fs) => {
        const f = fs.find((x) => x.name === 'evidence/summary.md');
        if (f !== undefined) f.data = Buffer.from(f.data.toString('utf8').replace('olga', 'oleg'));
      });
      const b = await runNode([IT_MAIN, 'verify-export', byte, `--public-key=${publicKey}`]);
      assert.equal(b.code, 1, b.stdout);
      assert.match(b.stdout, /FAIL \[file\.hash\] evidence\/summary\.md: .*changed or replaced/);
      const otStart = otEvents().find(
        (e) => e.action === 'session.start' && e.details.sessionId === sessionId,
      );
      assert.ok(otStart);
      const dropped = await tamper(
        path,
        chain.dir,
        'dropped',
        (fs) => {
          const f = fs.find((x) => x.name === 'events/ot.jsonl');
          if (f !== undefined)
            f.data = Buffer.from(
              f.data
                .toString('utf8')
                .split('\n')
                .filter((l) => !l.includes(`"hash":"${otStart.hash}"`))
                .join('\n'),
            );
        },
        s.store.keys.audit,
      );
      const d = await runNode([IT_MAIN, 'verify-export', dropped, `--public-key=${publicKey}`]);
      assert.equal(d.code, 1, d.stdout);
      assert.match(d.stdout, /FAIL \[chain\.[a-z_]+\]/);
      assert.match(d.stdout, /FAIL \[evidence\.chain\] .*OT chain segment did not verify/);
    });

    await t.test(
      'API and portal: scoped to the site; the window pack holds the grant',
      async () => {
        const app = chain.it.gw.httpApp();
        const shim = {
          app,
          clock: { advance: () => undefined },
          code: (u: HarnessUser) =>
            generateSync({ secret: u.totpSecret, epoch: Math.floor(Date.now() / 1000) }),
        } as unknown as Harness;
        const asAudrey = await portalLogin(shim, audrey, '127.0.0.1');
        const asDave = await portalLogin(shim, dave, '127.0.0.1');
        const send = async (c: PortalClient, path: string, body: string, type: string) => {
          const cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
          return app.request(
            `https://airlock.test${path}`,
            {
              method: 'POST',
              headers: { cookie, 'x-csrf-token': c.csrf, 'content-type': type },
              body,
            },
            { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
          );
        };
        const json = 'application/json';
        const other = await send(
          asDave,
          `/api/v1/grants/${grantId}/evidence-pack`,
          '{"recordings":false}',
          json,
        );
        assert.equal(other.status, 404, await other.text());
        const denied = [...s.store.audit.iterate()].filter(
          (e) => e.action === 'access.deny' && e.actor === 'dave',
        );
        assert.equal(denied.at(-1)?.details.code, 'evidence.unknown_grant');

        const grantPage = await asAudrey.get(`/grants/${grantId}`);
        assert.ok(
          grantPage.text.includes(`action="/grants/${grantId}/evidence-pack"`),
          grantPage.text.slice(0, 3000),
        );
        const form = new URLSearchParams({
          _csrf: asAudrey.csrf,
          _pre: asAudrey.pre,
          recordings: 'off',
        });
        const viaPortal = await send(
          asAudrey,
          `/grants/${grantId}/evidence-pack`,
          form.toString(),
          'application/x-www-form-urlencoded',
        );
        assert.equal(viaPortal.status, 200);
        assert.match(
          viaPortal.headers.get('content-disposition') ?? '',
          /attachment; filename="evidence-plant-1-grant-/,
        );
        const portalPath = join(chain.dir, 'portal.tar.gz');
        writeFileSync(portalPath, Buffer.from(await viaPortal.arrayBuffer()));
        const v = await runNode([
          IT_MAIN,
          'verify-export',
          portalPath,
          `--public-key=${publicKey}`,
        ]);
        assert.equal(v.code, 0, v.stdout + v.stderr);

        const sitePage = await asAudrey.get(`/sites/${SITE}`);
        const windowId = /action="\/windows\/([^/"]+)\/evidence-pack"/.exec(sitePage.text)?.[1];
        assert.ok(windowId, 'the site page offers a window pack');
        const win = await send(
          asAudrey,
          `/api/v1/windows/${windowId}/evidence-pack`,
          '{"recordings":false}',
          json,
        );
        assert.equal(win.status, 200);
        const winPath = join(chain.dir, 'window.tar.gz');
        writeFileSync(winPath, Buffer.from(await win.arrayBuffer()));
        const files = await readBundleFiles(winPath);
        const evidence = JSON.parse(
          files.find((f) => f.name === 'evidence/evidence.json')?.data.toString('utf8') ?? '{}',
        );
        assert.equal(evidence.subject.kind, 'window');
        assert.deepEqual(
          evidence.grants.map((g: { id: string }) => g.id),
          [grantId],
        );
        const w = await runNode([IT_MAIN, 'verify-export', winPath, `--public-key=${publicKey}`]);
        assert.equal(w.code, 0, w.stdout + w.stderr);
        assert.deepEqual(packs().slice(-2), [
          ['audrey', 'success', null],
          ['audrey', 'success', null],
        ]);
      },
    );
  },
);
