/**
 * Recordings shipped from the OT gateway to the IT gateway over the real link (both gateways
 * in-process, a cuttable TCP proxy between them): a live recording is shipped as it grows, the link
 * is cut in the middle, the recording grows and closes while the link is down, and after the link
 * is back the IT side holds exactly the OT file, verified against the hash in the OT audit chain.
 * A recording whose bytes do not match the SHA-256 the site claims is refused, kept out of the
 * portal and audited on the IT side; one whose claim disagrees with the site's audit chain too.
 * An auditor of the site finds the verified recording in the portal and plays it in Chromium
 * (xterm.js replaying the asciicast events with their timing; pause, resume, speed).
 *
 * The OT recording store is stood in for by a small file-backed outbox (the recorder has its own
 * tests); what it writes into the OT audit chain (`recording.close` with the SHA-256) is what the
 * recorder writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../shared/src/crypto/hash.js';
import type { AuditLog } from '../../shared/src/audit/audit-log.js';
import type {
  RecordingOutbox,
  ShippableRecording,
} from '../../gateway-ot/src/recording/recording.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { SITE, startIt, startOt } from '../helpers/link-fixture.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  launchChromium,
  loggedInPage,
  waitForTermState,
  waitForTerminal,
} from '../helpers/browser.js';

useCrypto();

interface Entry {
  path: string;
  asset: string;
  sha256: string | null;
  acknowledged: number;
  complete: boolean;
  refused: string | null;
}

/** Recording files in a directory, with the acknowledged length per recording (the store's job). */
class FileOutbox implements RecordingOutbox {
  readonly entries = new Map<string, Entry>();
  constructor(private readonly dir: string) {}

  add(sessionId: string, asset: string, text: string): string {
    const path = join(this.dir, `${sessionId}.cast`);
    writeFileSync(path, text);
    this.entries.set(sessionId, {
      path,
      asset,
      sha256: null,
      acknowledged: 0,
      complete: false,
      refused: null,
    });
    return path;
  }

  /** Closes a recording: the claim shipped with it (default: the file's hash) and the hash put in the audit chain (default: the same). */
  close(
    sessionId: string,
    audit: AuditLog,
    o: { claimed?: string; chained?: string } = {},
  ): string {
    const e = this.entries.get(sessionId);
    assert.ok(e);
    const hash = sha256Hex(readFileSync(e.path));
    e.sha256 = o.claimed ?? hash;
    // Appending to the audit log wakes the link client, which may ship at once.
    audit.append({
      action: 'recording.close',
      actor: 'system:ot:plant-1',
      site: SITE,
      target: e.asset,
      outcome: 'success',
      details: { sessionId, sha256: o.chained ?? hash, bytes: statSync(e.path).size },
    });
    return hash;
  }

  unsent(): ShippableRecording[] {
    return [...this.entries.entries()]
      .filter(([, e]) => !e.complete && e.refused === null)
      .map(([sessionId, e]) => ({
        sessionId,
        asset: e.asset,
        user: 'alice',
        startedAt: 1_700_000_000_000,
        size: statSync(e.path).size,
        sha256: e.sha256,
        acknowledged: e.acknowledged,
      }));
  }

  read(sessionId: string, offset: number, maxBytes: number): Uint8Array {
    const e = this.entries.get(sessionId);
    assert.ok(e);
    return readFileSync(e.path).subarray(offset, offset + maxBytes);
  }

  acknowledge(sessionId: string, held: number, complete: boolean): void {
    const e = this.entries.get(sessionId);
    if (e === undefined) return;
    e.acknowledged = held;
    e.complete = complete;
  }

  refused(sessionId: string, problem: string): void {
    const e = this.entries.get(sessionId);
    if (e !== undefined) e.refused = problem;
  }
}

/** An asciicast v2 file of `lines` output events (about 100 bytes each). */
function cast(lines: number, from = 0): string {
  const header =
    from === 0
      ? `${JSON.stringify({ version: 2, width: 80, height: 24, timestamp: 1_700_000_000 })}\n`
      : '';
  return (
    header +
    Array.from(
      { length: lines },
      (_, i) =>
        `${JSON.stringify([(from + i) / 100, 'o', `line ${from + i} ${'x'.repeat(80)}\r\n`])}\n`,
    ).join('')
  );
}

test(
  'recording store and forward: resumes after a cut link, verified against the OT audit chain; mismatches refused and audited',
  { timeout: 120_000 },
  async (t) => {
    const it = await startIt(t);
    const proxy = await startTcpProxy(t, it.running.httpsPort);
    const outbox = new FileOutbox(makeTempDir(t, 'airlock-rec-'));
    const ot = await startOt(t, {
      enrollWith: it,
      itUrl: `https://127.0.0.1:${proxy.port}`,
      recordingOutbox: outbox,
    });
    const recordings = it.gw.services.recording.ingest;
    const received = (id: string): Buffer => readFileSync(recordings.pathOf(SITE, id));

    await t.test(
      'a live recording is shipped as it grows; a cut link resumes where the IT side is',
      async () => {
        const path = outbox.add('ses_live1', 'hmi-1', cast(8000));
        const held = await waitFor('part of the live recording at IT', () => {
          const r = recordings.get('ses_live1');
          return r !== undefined && r.heldBytes >= 256 * 1024 && r.heldBytes;
        });
        proxy.cut();
        const atCut = recordings.get('ses_live1')?.heldBytes ?? 0;
        assert.ok(atCut >= held);
        assert.deepEqual(
          received('ses_live1'),
          readFileSync(path).subarray(0, atCut),
          'what the IT side held at the cut is the start of the OT file',
        );
        appendFileSync(path, cast(2000, 8000));
        const hash = outbox.close('ses_live1', ot.gw.services.audit);
        proxy.restore();
        const row = await waitFor(
          'the recording verified at IT',
          () => {
            const r = recordings.get('ses_live1');
            return r?.status === 'verified' && r;
          },
          60_000,
        );
        assert.equal(row.sha256, hash);
        assert.deepEqual(
          received('ses_live1'),
          readFileSync(path),
          'the IT copy is the OT file, byte for byte',
        );
        await waitFor(
          'the OT side to hear it is complete',
          () => outbox.entries.get('ses_live1')?.complete === true,
        );
        assert.ok(proxy.accepted >= 2, 'the link was re-established');
        const events = [...it.gw.services.store.audit.iterate()].filter(
          (e) => e.action === 'recording.receive' && e.details.sessionId === 'ses_live1',
        );
        assert.equal(events.at(-1)?.outcome, 'success');
        assert.equal(events.at(-1)?.details.auditChain, 'matched');
      },
    );

    await t.test(
      'bytes that do not match the claimed SHA-256 are refused, not playable, audited',
      async () => {
        outbox.add('ses_bad1', 'hmi-1', cast(50));
        outbox.close('ses_bad1', ot.gw.services.audit, { claimed: 'f'.repeat(64) });
        await waitFor(
          'the refusal reaching the OT side',
          () => outbox.entries.get('ses_bad1')?.refused === 'hash_mismatch',
        );
        assert.equal(recordings.get('ses_bad1')?.status, 'rejected');
        const e = [...it.gw.services.store.audit.iterate()].find(
          (x) => x.action === 'recording.receive' && x.details.sessionId === 'ses_bad1',
        );
        assert.equal(e?.outcome, 'failure');
        assert.equal(e?.details.problem, 'hash_mismatch');
      },
    );

    await t.test(
      'a recording whose hash differs from the one in the OT audit chain is refused',
      async () => {
        const path = outbox.add('ses_bad2', 'hmi-1', cast(50));
        const chained = sha256Hex(readFileSync(path));
        // The file changes after the site hashed it into its chain; the claim follows the changed file.
        appendFileSync(path, cast(1, 50));
        outbox.close('ses_bad2', ot.gw.services.audit, { chained });
        await waitFor(
          'a verdict on ses_bad2',
          () =>
            recordings.get('ses_bad2')?.status === 'rejected' ||
            recordings.get('ses_bad2')?.status === 'verified',
        );
        assert.equal(recordings.get('ses_bad2')?.status, 'rejected');
        assert.equal(recordings.get('ses_bad2')?.problem, 'audit_hash_mismatch');
      },
    );

    await t.test(
      'an auditor lists the recordings of the site and plays a verified one in the browser',
      async () => {
        const lines = Array.from(
          { length: 30 },
          (_, i) => `${JSON.stringify([i * 0.04, 'o', `\u001b[1mplay ${i}\u001b[0m\r\n`])}\n`,
        ).join('');
        outbox.add(
          'ses_play',
          'hmi-1',
          `${JSON.stringify({ version: 2, width: 80, height: 24, timestamp: 1_700_000_000 })}\n${JSON.stringify([0.01, 'i', 'ls\r'])}\n${lines}`,
        );
        outbox.close('ses_play', ot.gw.services.audit);
        await waitFor(
          'ses_play verified at IT',
          () => recordings.get('ses_play')?.status === 'verified',
        );
        const s = it.gw.services;
        const audrey = await s.auth.userAdmin.createUser(
          {
            name: 'audrey',
            displayName: 'Audrey Auditor',
            roles: [{ role: 'auditor', site: SITE }],
          },
          'cli:test',
        );
        const browser = await launchChromium(t);
        const { page, consoleErrors } = await loggedInPage(
          browser,
          it.running.url,
          'audrey',
          audrey,
        );
        await page.goto(`${it.running.url}/sites/${SITE}/recordings`);
        assert.equal(
          await page.locator('tr.recording[data-session="ses_bad1"] a:has-text("Play")').count(),
          0,
          'a rejected recording has no Play link',
        );
        assert.match(
          (await page.textContent('tr.recording[data-session="ses_bad1"]')) ?? '',
          /rejected.*hash_mismatch/s,
        );
        await Promise.all([
          page.waitForURL(/\/recordings\/ses_play$/),
          page.click('tr.recording[data-session="ses_play"] a:has-text("Play")'),
        ]);
        await waitForTermState(page, 'playing');
        await waitForTerminal(page, /play 0/, 'the first output event');
        await page.click('#pause');
        await waitForTermState(page, 'paused');
        await page.selectOption('#speed', '4');
        await page.click('#pause');
        await waitForTermState(page, 'done');
        const text = await waitForTerminal(page, /play 29/, 'the last output event');
        assert.doesNotMatch(text, /ls/, 'input events are not drawn');
        assert.equal(await page.getAttribute('#terminal', 'data-events'), '31');
        const play = [...s.store.audit.iterate()].find(
          (e) => e.action === 'recording.play' && e.details.sessionId === 'ses_play',
        );
        assert.equal(play?.actor, 'audrey');
        const refused = await page.request.get(`${it.running.url}/recordings/ses_bad1/cast`);
        assert.equal(refused.status(), 409, 'a rejected recording is not served');
        assert.deepEqual(
          consoleErrors.filter((e) => !e.includes('409')),
          [],
        );
      },
    );
  },
);
