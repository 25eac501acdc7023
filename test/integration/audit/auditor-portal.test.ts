/**
 * The auditor's side on real events: alice runs a command on hmi-1 through the whole SSH chain
 * (OpenSSH client, IT gateway, link, OT gateway with its broker and recorder, a real sshd) on a
 * grant olga approved. Then, through the IT gateway's HTTP application:
 *  - the events API filters by user, asset, type and outcome and is scoped to the auditor's sites;
 *  - the one-asset page (API and portal) lists alice's session with its grant, approver, command
 *    and recording;
 *  - four-eyes playback: the requester alone is refused (page, cast URL), cannot approve their own
 *    request, a second person approves, then it plays;
 *  - an export carrying the recording is refused (API and portal) until a second person approves
 *    it (four-eyes playback is on); then one started in the portal is followed to done, downloaded, carries the recording and
 *    verifies with `airlock-it verify-export`; a copy whose recording was replaced (and the
 *    manifest re-signed with the real IT key) fails, naming the replaced recording.
 * Every search, view, playback decision, export and download is found in the IT audit log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSync } from 'otplib';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import { formatLocalInput } from '../../../gateway-it/src/access/zoned-time.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startSshChain } from '../../helpers/ssh-chain.js';
import { SITE } from '../../helpers/link-fixture.js';
import type { Harness, HarnessUser } from '../../helpers/it-harness.js';
import { waitFor } from '../../helpers/wait-for.js';
import { IT_MAIN, runNode } from '../../../shared/src/testing/processes.js';
import { readBundleFiles, tamper } from '../../../gateway-it/src/audit/two-logs.fixture.js';
import { type PortalClient, portalLogin } from '../access/portal-client.js';
import { launchChromium, loggedInPage } from '../../helpers/browser.js';
import { omitUndefined, ifDefined } from '../../../shared/src/omit-undefined.js';
import { createHarnessUser } from '../../helpers/create-user-now.js';
import { runRecordedSession } from '../../helpers/recorded-session.js';

useCrypto();

test(
  'an auditor answers "who was on hmi-1 today and what did they do", plays the recording with four eyes, exports and verifies',
  { timeout: 240_000 },
  async (t) => {
    const chain = await startSshChain(t);
    const s = chain.it.gw.services;
    const { alice, olga } = chain.users;

    // alice's session: key + TOTP, one exec command on hmi-1.
    const { ran, sessionId } = await runRecordedSession(chain, alice, 'echo audit-marker-$((6*7))');
    assert.equal(ran.stdout, 'audit-marker-42\n');

    // The people: two auditors of plant-1, an auditor of another site, an admin.
    s.auth.userAdmin.createSite({ id: 'plant-2', timezone: 'UTC' }, 'cli:test');
    const mk = (name: string, roles: Parameters<typeof createHarnessUser>[2]): HarnessUser =>
      createHarnessUser(s.auth.userAdmin, name, roles);
    const audrey = mk('audrey', [{ role: 'auditor', site: SITE }]);
    const aaron = mk('aaron', [{ role: 'auditor', site: SITE }]);
    const dave = mk('dave', [{ role: 'auditor', site: 'plant-2' }]);
    const root = mk('root', [{ role: 'admin' }]);
    // The portal client drives the real application in process; each user logs in once (one TOTP code each).
    const app = chain.it.gw.httpApp();
    const shim = {
      app,
      clock: { advance: () => undefined },
      code: (u: HarnessUser) =>
        generateSync({ secret: u.totpSecret, epoch: Math.floor(Date.now() / 1000) }),
    } as unknown as Harness;
    const asAudrey = await portalLogin(shim, audrey, '127.0.0.1');
    const asOlga = await portalLogin(shim, olga, '127.0.0.1');
    const asDave = await portalLogin(shim, dave, '127.0.0.1');
    const asRoot = await portalLogin(shim, root, '127.0.0.1');
    const api = async (c: PortalClient, method: string, path: string, body?: unknown) => {
      const cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await app.request(
        `https://airlock.test/api/v1${path}`,
        {
          method,
          headers: {
            cookie,
            'x-csrf-token': c.csrf,
            ...omitUndefined({ 'content-type': ifDefined(body, () => 'application/json') }),
          },
          ...omitUndefined({ body: ifDefined(body, (b) => JSON.stringify(b)) }),
        },
        { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
      );
      const text = await res.text();
      return {
        status: res.status,
        text,
        json: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : undefined,
      };
    };
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

    await t.test(
      "events API: filters by user, asset, type and outcome; scoped to the auditor's sites",
      async () => {
        const cmds = await api(
          asAudrey,
          'GET',
          `/sites/${SITE}/audit/events?${range}&actor=alice&action=ssh.`,
        );
        assert.equal(cmds.status, 200, cmds.text);
        const hits = cmds.json.hits as {
          log: string;
          action: string;
          actor: string;
          details: { command?: string; sessionId?: string };
        }[];
        assert.ok(hits.length > 0);
        assert.ok(hits.every((h) => h.actor === 'alice' && h.action.startsWith('ssh.')));
        assert.ok(
          hits.some(
            (h) =>
              h.log === 'ot' &&
              h.action === 'ssh.command' &&
              h.details.command === 'echo audit-marker-$((6*7))' &&
              h.details.sessionId === sessionId,
          ),
        );

        const onAsset = await api(
          asAudrey,
          'GET',
          `/sites/${SITE}/audit/events?${range}&asset=hmi-1&action=session.start`,
        );
        const starts = onAsset.json.hits as { log: string; target: string; action: string }[];
        assert.deepEqual(
          [...new Set(starts.map((h) => h.log))].sort(),
          ['it', 'ot'],
          'IT and OT logs are both searched',
        );
        assert.ok(starts.every((h) => h.target === 'hmi-1' && h.action === 'session.start'));

        const denied = await api(
          asAudrey,
          'GET',
          `/sites/${SITE}/audit/events?${range}&actor=alice&outcome=denied`,
        );
        assert.ok((denied.json.hits as { outcome: string }[]).every((h) => h.outcome === 'denied'));
        const paged = await api(asAudrey, 'GET', `/sites/${SITE}/audit/events?${range}&limit=2`);
        assert.equal(paged.json.hits.length, 2);
        assert.ok(typeof paged.json.nextCursor === 'string');
        const page2 = await api(
          asAudrey,
          'GET',
          `/sites/${SITE}/audit/events?${range}&limit=2&cursor=${paged.json.nextCursor as string}`,
        );
        assert.notDeepEqual(page2.json.hits, paged.json.hits);

        assert.equal(
          (await api(asDave, 'GET', `/sites/${SITE}/audit/events?${range}`)).status,
          403,
          'an auditor of another site',
        );
        assert.equal(
          (await api(asOlga, 'GET', `/sites/${SITE}/audit/events?${range}`)).status,
          403,
          'an OT owner is not an auditor',
        );
        assert.equal(
          (await api(asRoot, 'GET', `/sites/${SITE}/audit/events?${range}`)).status,
          200,
          'an admin',
        );
        const bad = await api(
          asAudrey,
          'GET',
          `/sites/${SITE}/audit/events?from=yesterday&to=${encodeURIComponent(to)}`,
        );
        assert.equal(bad.status, 400);
        assert.match(bad.text, /from/);
        const other = (await api(asDave, 'GET', `/sites/plant-2/audit/events?${range}`)).json
          .hits as { log: string; site: string; action: string }[];
        assert.ok(other.length > 0, "plant-2 has its own events (its creation, dave's searches)");
        assert.ok(
          other.every((h) => h.log === 'it' && h.site === 'plant-2'),
          "and none of plant-1's",
        );
        assert.ok(
          [...s.store.audit.iterate()].some(
            (e) => e.action === 'audit.search' && e.actor === 'audrey' && e.site === SITE,
          ),
        );
      },
    );

    await t.test(
      'the one-asset page lists the session with its grant, approver, command and recording',
      async () => {
        const r = await api(asAudrey, 'GET', `/sites/${SITE}/audit/assets/hmi-1?${range}`);
        assert.equal(r.status, 200, r.text);
        const ses = (
          r.json.sessions as {
            sessionId: string;
            user: string;
            grantId: string;
            requestedBy: string;
            approvals: { approver: string }[];
            commands: { details: { command?: string } }[];
            recording: { playable: boolean; url: string } | null;
          }[]
        ).find((x) => x.sessionId === sessionId);
        assert.ok(ses, "alice's session is on the page");
        assert.equal(ses.user, 'alice');
        assert.equal(ses.grantId, chain.grantId);
        assert.equal(ses.requestedBy, 'alice');
        assert.deepEqual(
          ses.approvals.map((a) => a.approver),
          ['olga'],
        );
        assert.ok(ses.commands.some((c) => c.details.command === 'echo audit-marker-$((6*7))'));
        assert.deepEqual(ses.recording, {
          status: 'verified',
          playable: true,
          url: `/recordings/${sessionId}`,
        });
        assert.equal(
          (await api(asDave, 'GET', `/sites/${SITE}/audit/assets/hmi-1?${range}`)).status,
          403,
        );

        const page = await asAudrey.get(`/sites/${SITE}/audit/assets/hmi-1`);
        assert.equal(page.status, 200, page.text.slice(0, 300));
        assert.match(page.text, new RegExp(`data-session="${sessionId}"`));
        assert.ok(page.text.includes(chain.grantId));
        assert.match(page.text, /<span class="approvers">olga /);
        assert.ok(page.text.includes('echo audit-marker-$((6*7))'));
        assert.ok(page.text.includes(`href="/recordings/${sessionId}"`));
        const search = await asAudrey.get(`/sites/${SITE}/audit?actor=alice&action=ssh.command`);
        assert.equal(search.status, 200);
        assert.ok(search.text.includes('audit-marker'));
        assert.equal((await asDave.get(`/sites/${SITE}/audit/assets/hmi-1`)).status, 403);
        assert.ok(
          [...s.store.audit.iterate()].some(
            (e) => e.action === 'audit.view' && e.actor === 'audrey' && e.target === 'hmi-1',
          ),
        );
      },
    );

    await t.test(
      'four-eyes playback: the requester alone is refused; a second person approves; then it plays',
      async () => {
        assert.equal(
          (await api(asAudrey, 'PUT', `/sites/${SITE}/playback-policy`, { fourEyes: true })).status,
          403,
          'an auditor does not set the policy',
        );
        const set = await api(asOlga, 'PUT', `/sites/${SITE}/playback-policy`, { fourEyes: true });
        assert.equal(set.status, 200, set.text);

        const gated = await asAudrey.get(`/recordings/${sessionId}`);
        assert.equal(gated.status, 200);
        assert.match(gated.text, /data-gate="four_eyes_required"/);
        assert.doesNotMatch(gated.text, /data-mode="replay"/);
        assert.equal(
          (await asAudrey.get(`/recordings/${sessionId}/cast`)).status,
          403,
          'the cast URL cannot be used around the page',
        );

        const asked = await asAudrey.post(`/recordings/${sessionId}/playback-requests`, {
          reason: 'incident review INC-4711',
        });
        assert.equal(asked.status, 303, asked.text.slice(0, 300));
        const list = await api(asOlga, 'GET', `/sites/${SITE}/playback-requests`);
        const req = (list.json.requests as { id: string; requester: string; state: string }[]).find(
          (x) => x.requester === 'audrey',
        );
        assert.ok(req);
        assert.equal(req.state, 'pending');
        await asAudrey.get(`/sites/${SITE}/playback`);
        assert.equal(
          (await asAudrey.post(`/playback-requests/${req.id}/approve`, {})).status,
          403,
          "not one's own request",
        );
        assert.equal((await asAudrey.get(`/recordings/${sessionId}/cast`)).status, 403);

        const olgaPage = await asOlga.get(`/sites/${SITE}/playback`);
        assert.ok(olgaPage.text.includes(`/playback-requests/${req.id}/approve`));
        assert.equal((await asOlga.post(`/playback-requests/${req.id}/approve`, {})).status, 303);
        const player = await asAudrey.get(`/recordings/${sessionId}`);
        assert.match(player.text, /data-mode="replay"/);
        const cast = await asAudrey.get(`/recordings/${sessionId}/cast`);
        assert.equal(cast.status, 200);
        assert.ok(cast.text.includes('audit-marker-42'));
        const audited = [...s.store.audit.iterate()].filter(
          (e) => e.details.sessionId === sessionId || e.target === sessionId,
        );
        assert.deepEqual(
          audited
            .filter((e) => e.action.startsWith('recording.play'))
            .map((e) => [e.action, e.actor, e.outcome]),
          [
            ['recording.play', 'audrey', 'denied'],
            ['recording.play_request', 'audrey', 'success'],
            ['recording.play_approve', 'audrey', 'denied'],
            ['recording.play', 'audrey', 'denied'],
            ['recording.play_approve', 'olga', 'success'],
            ['recording.play', 'audrey', 'success'],
          ],
        );
      },
    );

    await t.test(
      'an export made in the portal carries the recording and verifies; a replaced recording fails',
      async () => {
        const zone = s.access.directory.timezoneOf(SITE);
        const exportsPage = await asAudrey.get(`/sites/${SITE}/exports`);
        const publicKey = toBase64Url(s.store.keys.audit.publicKey);
        assert.ok(exportsPage.text.includes(`<code id="audit-public-key">${publicKey}</code>`));
        const localRange = {
          from: formatLocalInput(Date.now() - 3_600_000, zone),
          to: formatLocalInput(Date.now() + 60_000, zone),
        };
        // Four-eyes playback is on (above): a bundle with the recording needs a second person too.
        const apiRefused = await api(asAudrey, 'POST', `/sites/${SITE}/exports`, { from, to });
        assert.equal(apiRefused.status, 403, apiRefused.text);
        assert.equal(apiRefused.json.error.code, 'export.four_eyes_required');
        const refused = await asAudrey.post(`/sites/${SITE}/exports`, localRange);
        assert.equal(refused.status, 403);
        assert.match(
          refused.text,
          /requires a second person&#39;s approval|requires a second person's approval/,
        );
        assert.match(refused.text, /data-gate="four_eyes_export"/);
        const asked = await asAudrey.post(`/sites/${SITE}/export-requests`, {
          ...localRange,
          reason: 'evidence for INC-4711',
        });
        assert.equal(asked.status, 303, asked.text.slice(0, 300));
        const xrq = (
          (await api(asOlga, 'GET', `/sites/${SITE}/export-requests`)).json as {
            id: string;
            requester: string;
            state: string;
          }[]
        ).find((x) => x.requester === 'audrey');
        assert.ok(xrq);
        assert.equal(xrq.state, 'pending');
        const self = await api(asAudrey, 'POST', `/export-requests/${xrq.id}/decision`, {
          decision: 'approve',
        });
        assert.equal(self.status, 403, 'not her own');
        assert.equal(self.json.error.code, 'export.self_approval');
        const olgaSees = await asOlga.get(`/sites/${SITE}/playback`);
        assert.ok(olgaSees.text.includes(`/export-requests/${xrq.id}/approve`));
        assert.equal((await asOlga.post(`/export-requests/${xrq.id}/approve`, {})).status, 303);
        const approvedPage = await asAudrey.get(`/sites/${SITE}/exports`);
        assert.match(approvedPage.text, /Export this range/);
        const started = await asAudrey.post(`/sites/${SITE}/exports`, localRange);
        assert.equal(started.status, 303, started.text.slice(0, 300));
        const done = await waitFor(
          'the export to finish',
          async () => {
            const p = await asAudrey.get(`/sites/${SITE}/exports`);
            const m = /data-export="([^"]+)" data-state="(done|failed)"/.exec(p.text);
            return m !== null && { id: m[1] ?? '', state: m[2], text: p.text };
          },
          60_000,
        );
        assert.equal(done.state, 'done', done.text.slice(0, 2000));
        const job = await api(asAudrey, 'GET', `/exports/${done.id}`);
        assert.equal(job.json.progress.phase, 'done');
        assert.equal((await api(asDave, 'GET', `/exports/${done.id}`)).status, 404);

        const cookie = [...asAudrey.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
        const res = await app.request(
          `https://airlock.test/exports/${done.id}/bundle`,
          { headers: { cookie } },
          { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
        );
        assert.equal(res.status, 200);
        const path = join(chain.dir, 'plant-1.tar.gz');
        writeFileSync(path, Buffer.from(await res.arrayBuffer()));
        const files = await readBundleFiles(path);
        const recordingName = `sessions/${sessionId}/recording/${sessionId}.cast`;
        const rec = files.find((f) => f.name === recordingName);
        assert.ok(rec, `the bundle holds ${recordingName}: ${files.map((f) => f.name).join(', ')}`);
        assert.deepEqual(rec.data, readFileSync(s.recording.ingest.pathOf(SITE, sessionId)));

        const ok = await runNode([IT_MAIN, 'verify-export', path, `--public-key=${publicKey}`]);
        assert.equal(ok.code, 0, ok.stdout + ok.stderr);
        assert.match(ok.stdout, /^VERIFIED: /);
        const replaced = await tamper(
          path,
          chain.dir,
          'replaced',
          (fs) => {
            const f = fs.find((x) => x.name === recordingName);
            if (f !== undefined)
              f.data = Buffer.from(
                f.data.toString('utf8').replace('audit-marker-42', 'nothing-to-see'),
              );
          },
          s.store.keys.audit,
        );
        const bad = await runNode([
          IT_MAIN,
          'verify-export',
          replaced,
          `--public-key=${publicKey}`,
        ]);
        assert.equal(bad.code, 1, bad.stdout);
        assert.match(bad.stdout, /FAIL \[recording\.hash\] .*the recording was replaced/);
        const actions = [...s.store.audit.iterate()]
          .filter((e) => e.actor === 'audrey' && e.target === done.id)
          .map((e) => e.action);
        assert.deepEqual(actions, ['audit.export', 'audit.download']);
        const exported = [...s.store.audit.iterate()].find(
          (e) => e.action === 'audit.export' && e.target === done.id,
        );
        assert.equal(exported?.details.approvedBy, 'olga');
        assert.deepEqual(
          [...s.store.audit.iterate()]
            .filter((e) => e.action.startsWith('audit.export') && e.target !== done.id)
            .map((e) => [e.action, e.actor, e.outcome, e.details.code ?? e.details.reason ?? null]),
          [
            ['audit.export', 'audrey', 'denied', 'export.four_eyes_required'],
            ['audit.export', 'audrey', 'denied', 'export.four_eyes_required'],
            ['audit.export_request', 'audrey', 'success', 'evidence for INC-4711'],
            ['audit.export_approve', 'audrey', 'denied', 'export.self_approval'],
            ['audit.export_approve', 'olga', 'success', null],
          ],
        );
      },
    );

    await t.test(
      'in Chromium: the asset page loads from the Audit menu with the session on it',
      async () => {
        const browser = await launchChromium(t);
        const { page, consoleErrors } = await loggedInPage(
          browser,
          chain.it.running.url,
          'aaron',
          aaron,
        );
        await Promise.all([page.waitForURL(/\/audit$/), page.click('header a[href="/audit"]')]);
        await page.goto(`${chain.it.running.url}/sites/${SITE}/audit/assets/hmi-1`);
        const section = page.locator(`section.session[data-session="${sessionId}"]`);
        assert.match(await section.innerText(), /approved by olga/);
        assert.match(await section.innerText(), /echo audit-marker/);
        assert.deepEqual(consoleErrors, []);
      },
    );
  },
);
