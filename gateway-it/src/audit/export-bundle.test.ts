import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import {
  HOUR,
  fileArtifact,
  generateSigningKeyPair,
  readBundleFiles,
  tamper,
  twoLogs,
  type TwoLogs,
} from './two-logs.fixture.js';
import { parseSegmentLine } from '../../../shared/src/export/segment-lines.js';
import { verifyBundle, type BundleVerification } from '../../../shared/src/export/verify-bundle.js';
import { writeExportBundle, type ExportProgress } from './export-bundle.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';

useCrypto();

const FROM = Date.UTC(2026, 5, 1, 19);
const TO = Date.UTC(2026, 5, 1, 21);

async function exportPlant1(
  t: Parameters<typeof makeTempDir>[0],
  logs: TwoLogs,
  site = 'plant-1',
): Promise<{ dir: string; path: string; progress: ExportProgress[] }> {
  const dir = makeTempDir(t);
  const rec = join(dir, 'ses-2.cast');
  writeFileSync(rec, logs.recording);
  const plog = join(dir, 'ses-2.modbus.jsonl');
  writeFileSync(plog, '{"fc":6,"address":40001,"value":12}\n');
  const path = join(dir, 'bundle.tar.gz');
  const progress: ExportProgress[] = [];
  logs.it.checkpoint();
  await writeExportBundle(
    {
      exportId: 'exp-1',
      site,
      from: FROM,
      to: TO,
      exportedBy: 'audrey',
      createdAt: logs.clock.now(),
    },
    {
      it: logs.itChain,
      ot: logs.sites.otChain(site),
      artifacts: [
        fileArtifact('ses-2', 'recording', 'session.cast', rec),
        fileArtifact('ses-2', 'protocol-log', 'modbus.jsonl', plog),
      ],
      signingKey: logs.itKey,
    },
    dir,
    path,
    (p) => progress.push(p),
  );
  return { dir, path, progress };
}

function verify(path: string, expectedPublicKey?: Uint8Array): Promise<BundleVerification> {
  return verifyBundle(createReadStream(path), omitUndefined({ expectedPublicKey }));
}

function errorChecks(v: BundleVerification): string[] {
  return v.findings
    .filter((f) => f.level === 'error')
    .map((f) => `${f.check} ${f.file ?? ''}`.trim());
}

test(
  'a fresh bundle verifies, holds the range completely, and reports progress',
  { timeout: 30_000 },
  async (t) => {
    const logs = twoLogs();
    const { path, progress } = await exportPlant1(t, logs);
    const v = await verify(path, logs.itKey.publicKey);
    assert.deepEqual(errorChecks(v), []);
    assert.equal(v.ok, true);
    assert.equal(v.findings.length, 0, v.findings.map((f) => f.message).join('\n'));
    // 19:00..21:00 holds steps i=5..17: 13 plant-1 IT events, 13 OT writes plus the recording.close.
    assert.equal(v.logs.it?.inRange, 13);
    assert.equal(v.logs.ot?.inRange, 14);
    assert.ok((v.logs.it?.withheld ?? 0) > 0, "other sites' IT events are withheld, not disclosed");
    assert.ok((v.logs.ot?.checkpointsVerified ?? 0) > 0);
    assert.equal(progress.at(-1)?.phase, 'done');
    assert.equal(progress.at(-1)?.done, progress.at(-1)?.total);
    const unverified = await verify(path);
    assert.equal(unverified.ok, true);
    assert.deepEqual(
      unverified.findings.map((f) => f.check),
      ['manifest.signer'],
      'without an expected key: a warning only',
    );
  },
);

test(
  'checked on a worker thread, a bundle gives exactly the inline verdict; a dead worker fails it closed',
  { timeout: 30_000 },
  async (t) => {
    const logs = twoLogs();
    const { dir, path } = await exportPlant1(t, logs);
    const key = logs.itKey.publicKey;
    // A tampered copy too (two OT events swapped, re-signed): the findings must come out the same, in the same order.
    const swappedPath = await tamper(
      path,
      dir,
      'swapped',
      (files) => {
        const f = files.find((x) => x.name === 'events/ot.jsonl');
        assert.ok(f !== undefined);
        const l = f.data.toString('utf8').split('\n');
        [l[3], l[4]] = [l[4] ?? '', l[3] ?? ''];
        f.data = Buffer.from(l.join('\n'));
      },
      generateSigningKeyPair(),
    );
    // And the CSV and the CEF each telling another story (re-signed): with the worker, this thread derives them.
    const rewrite =
      (name: string, from: string, to: string) =>
      (files: { name: string; data: Buffer }[]): void => {
        const f = files.find((x) => x.name === name);
        assert.ok(f !== undefined);
        f.data = Buffer.from(f.data.toString('utf8').replace(from, to));
      };
    const csvPath = await tamper(
      path,
      dir,
      'csv',
      rewrite('events/ot.csv', 'vera', 'mallory'),
      generateSigningKeyPair(),
    );
    const cefPath = await tamper(
      path,
      dir,
      'cef',
      rewrite('events/ot.cef', 'suser=vera', 'suser=mallory'),
      generateSigningKeyPair(),
    );
    for (const p of [path, swappedPath, csvPath, cefPath]) {
      const inline = await verifyBundle(createReadStream(p), { expectedPublicKey: key });
      const threaded = await verifyBundle(createReadStream(p), {
        expectedPublicKey: key,
        eventsWorker: { minBytes: 0 },
      });
      assert.equal(inline.ok, p === path);
      assert.deepEqual(threaded, inline);
    }
    const derived = async (p: string): Promise<string[]> =>
      errorChecks(
        await verifyBundle(createReadStream(p), {
          expectedPublicKey: key,
          eventsWorker: { minBytes: 0 },
        }),
      ).filter((c) => c.startsWith('events.derived'));
    assert.deepEqual(await derived(csvPath), ['events.derived events/ot.csv']);
    assert.deepEqual(await derived(cefPath), ['events.derived events/ot.cef']);
    const dead = await verifyBundle(createReadStream(path), {
      expectedPublicKey: key,
      eventsWorker: { minBytes: 0, url: new URL('data:text/javascript,process.exit(1)') },
    });
    assert.equal(dead.ok, false);
    assert.deepEqual(errorChecks(dead), [
      'events.verifier events/it.jsonl',
      'events.verifier events/ot.jsonl',
    ]);
    assert.match(
      dead.findings[0]?.message ?? '',
      /could not be checked: the events worker exited \(code 1\) before reporting/,
    );
    assert.equal(dead.logs.ot, undefined, 'no summary for a log that was not checked');
  },
);

test(
  "a site's bundle never contains another site's events, nor site-less IT events",
  { timeout: 30_000 },
  async (t) => {
    const logs = twoLogs();
    const { path } = await exportPlant1(t, logs);
    const files = await readBundleFiles(path);
    for (const f of files) {
      const text = f.data.toString('utf8');
      assert.ok(!text.includes('plant-2'), `${f.name} mentions plant-2`);
      assert.ok(!text.includes('otto'), `${f.name} mentions otto's events`);
      assert.ok(!text.includes('auth.login'), `${f.name} discloses a site-less IT event`);
    }
    const itLines =
      files
        .find((f) => f.name === 'events/it.jsonl')
        ?.data.toString('utf8')
        .trim()
        .split('\n') ?? [];
    let disclosed = 0;
    for (const line of itLines) {
      const p = parseSegmentLine(line);
      assert.ok(p.ok);
      if (p.value.kind === 'event') {
        disclosed++;
        assert.equal(p.value.event.site, 'plant-1');
      }
    }
    assert.ok(disclosed >= 13);
    // And plant-2's own export holds none of plant-1's.
    const other = await exportPlant1(t, logs, 'plant-2');
    const v = await verify(other.path, logs.itKey.publicKey);
    assert.equal(v.ok, true, v.findings.map((f) => f.message).join('\n'));
    for (const f of await readBundleFiles(other.path)) {
      if (f.name.startsWith('events/'))
        assert.ok(
          !f.data.toString('utf8').includes('"vera"'),
          `${f.name} of plant-2 holds plant-1's events`,
        );
    }
  },
);

test(
  'changing any byte of any file fails verification, naming the file',
  { timeout: 60_000 },
  async (t) => {
    const logs = twoLogs();
    const { dir, path } = await exportPlant1(t, logs);
    const names = (await readBundleFiles(path)).map((f) => f.name);
    assert.ok(names.includes('sessions/ses-2/recording/session.cast'));
    for (const name of names) {
      const bad = await tamper(path, dir, `flip-${names.indexOf(name)}`, (files) => {
        const f = files.find((x) => x.name === name);
        assert.ok(f !== undefined);
        const at = Math.floor(f.data.length / 2);
        f.data[at] = (f.data[at] ?? 0) ^ 0x01;
      });
      const v = await verify(bad, logs.itKey.publicKey);
      assert.equal(v.ok, false, `flipping a byte of ${name} went unnoticed`);
      const expected =
        name === 'manifest.json' || name === 'manifest.sig' ? 'manifest.' : `file.hash ${name}`;
      assert.ok(
        errorChecks(v).some((c) => c.startsWith(expected)),
        `${name}: ${errorChecks(v).join('; ')}`,
      );
    }
  },
);

test(
  'removed, swapped and replaced content fails with the cause named, even when re-hashed and re-signed',
  { timeout: 60_000 },
  async (t) => {
    const logs = twoLogs();
    const { dir, path } = await exportPlant1(t, logs);
    const attacker = generateSigningKeyPair();
    const lines = (
      files: { name: string; data: Buffer }[],
      name: string,
      edit: (l: string[]) => void,
    ): void => {
      const f = files.find((x) => x.name === name);
      assert.ok(f !== undefined);
      const l = f.data.toString('utf8').split('\n');
      edit(l);
      f.data = Buffer.from(l.join('\n'));
    };
    const otEventLines = (l: string[]): number[] =>
      l.flatMap((s, i) => (s.includes('"modbus.write"') ? [i] : []));

    // An event removed: the file hash fails; re-hashed and re-signed, the chain shows the gap.
    const removeOt = (files: { name: string; data: Buffer }[]): void =>
      lines(files, 'events/ot.jsonl', (l) => void l.splice(otEventLines(l)[6] ?? 0, 1));
    const removed = await verify(
      await tamper(path, dir, 'removed', removeOt),
      logs.itKey.publicKey,
    );
    assert.ok(errorChecks(removed).includes('file.hash events/ot.jsonl'));
    const removedResigned = await verify(
      await tamper(path, dir, 'removed-resigned', removeOt, attacker),
    );
    assert.ok(
      errorChecks(removedResigned).includes('chain.gap events/ot.jsonl'),
      errorChecks(removedResigned).join('; '),
    );
    const gap = removedResigned.findings.find((f) => f.check === 'chain.gap');
    assert.match(gap?.message ?? '', /event \d+ is missing/);
    assert.equal(gap?.log, 'ot');

    // Two events swapped.
    const swap = (files: { name: string; data: Buffer }[]): void =>
      lines(files, 'events/ot.jsonl', (l) => {
        const [a, b] = [otEventLines(l)[3] ?? 0, otEventLines(l)[4] ?? 0];
        [l[a], l[b]] = [l[b] ?? '', l[a] ?? ''];
      });
    const swapped = await verify(await tamper(path, dir, 'swapped', swap, attacker));
    // Read in order, a swap first shows as a hole where the later event was moved from.
    assert.deepEqual(errorChecks(swapped), ['chain.gap events/ot.jsonl']);
    assert.match(
      swapped.findings.find((f) => f.check === 'chain.gap')?.message ?? '',
      /missing before event \d+ \(deleted, or moved out of order\)/,
    );

    // A recording replaced (manifest re-hashed and re-signed): the OT recording.close event's hash still names the original.
    const replace = (files: { name: string; data: Buffer }[]): void => {
      const f = files.find((x) => x.name === 'sessions/ses-2/recording/session.cast');
      assert.ok(f !== undefined);
      f.data = Buffer.from('{"version":2,"width":80,"height":24}\n[0.5,"o","$ ls\\r\\n"]\n');
    };
    const replaced = await verify(
      await tamper(path, dir, 'replaced', replace),
      logs.itKey.publicKey,
    );
    assert.ok(errorChecks(replaced).includes('file.hash sessions/ses-2/recording/session.cast'));
    const replacedResigned = await verify(
      await tamper(path, dir, 'replaced-resigned', replace, attacker),
    );
    assert.ok(
      errorChecks(replacedResigned).includes(
        'recording.hash sessions/ses-2/recording/session.cast',
      ),
      errorChecks(replacedResigned).join('; '),
    );

    // The manifest re-signed with another key: the signature is valid, but not by the expected key.
    const resigned = await verify(
      await tamper(path, dir, 'resigned', () => undefined, attacker),
      logs.itKey.publicKey,
    );
    assert.deepEqual(errorChecks(resigned), ['manifest.signer manifest.sig']);

    // An IT event of the site edited in place and re-signed: the event no longer matches its hash.
    const edit = (files: { name: string; data: Buffer }[]): void =>
      lines(files, 'events/it.jsonl', (l) => {
        const i = l.findIndex((s) => s.includes('"request.create"'));
        l[i] = (l[i] ?? '').replace('"vera"', '"mallory"');
      });
    const edited = await verify(await tamper(path, dir, 'edited', edit, attacker));
    assert.ok(
      errorChecks(edited).includes('chain.hash_mismatch events/it.jsonl'),
      errorChecks(edited).join('; '),
    );

    // The CSV rewritten to tell another story (re-signed): it no longer says what the verified events say.
    const csv = (files: { name: string; data: Buffer }[]): void =>
      lines(files, 'events/ot.csv', (l) => {
        l[1] = (l[1] ?? '').replace('vera', 'mallory');
      });
    const csvEdited = await verify(await tamper(path, dir, 'csv', csv, attacker));
    assert.deepEqual(errorChecks(csvEdited), ['events.derived events/ot.csv']);
  },
);

test(
  'an export of a range with no events still proves the range empty',
  { timeout: 30_000 },
  async (t) => {
    const logs = twoLogs();
    logs.clock.advance(3 * HOUR);
    logs.it.append({
      action: 'request.create',
      actor: 'vera',
      site: 'plant-1',
      outcome: 'success',
    });
    const dir = makeTempDir(t);
    const path = join(dir, 'empty.tar.gz');
    const from = Date.UTC(2026, 5, 1, 23);
    await writeExportBundle(
      {
        exportId: 'exp-2',
        site: 'plant-1',
        from,
        to: from + HOUR,
        exportedBy: 'audrey',
        createdAt: logs.clock.now(),
      },
      { it: logs.itChain, ot: logs.otChain, artifacts: [], signingKey: logs.itKey },
      dir,
      path,
    );
    const v = await verify(path, logs.itKey.publicKey);
    assert.equal(v.ok, true, v.findings.map((f) => f.message).join('\n'));
    assert.equal(v.logs.it?.inRange, 0);
    assert.equal(v.logs.ot?.inRange, 0);
  },
);
