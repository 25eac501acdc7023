/**
 * An evidence pack is an export bundle plus evidence members and a signed list of the events it is
 * about: verify-export checks it unchanged, proves every listed event is in the verified chain, and
 * names what is wrong when a member, an event or the list was changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { canonicalJson } from '../../../shared/src/crypto/canonical.js';
import { EVIDENCE_JSON, EVIDENCE_SUMMARY } from '../../../shared/src/export/evidence-manifest.js';
import { verifyBundle } from '../../../shared/src/export/verify-bundle.js';
import { readBundleFiles, tamper, twoLogs } from './two-logs.fixture.js';
import { writeExportBundle } from './export-bundle.js';

useCrypto();

const FROM = Date.UTC(2026, 5, 1, 19);
const TO = Date.UTC(2026, 5, 1, 21);

async function pack(t: Parameters<typeof makeTempDir>[0]) {
  const logs = twoLogs();
  const dir = makeTempDir(t);
  logs.it.checkpoint();
  const inRange = (e: { time: number }) => e.time >= FROM && e.time <= TO;
  const itEvents = logs.itChain.page(0, 1_000_000, 10_000).filter((e) => e.site === 'plant-1');
  const otEvents = logs.otChain.page(0, 1_000_000, 10_000);
  const chosen = [
    ...itEvents
      .filter(inRange)
      .slice(0, 2)
      .map((e) => ({ log: 'it' as const, e })),
    ...otEvents
      .filter(inRange)
      .slice(0, 3)
      .map((e) => ({ log: 'ot' as const, e })),
  ];
  const path = join(dir, 'pack.tar.gz');
  await writeExportBundle(
    {
      exportId: 'evp-1',
      site: 'plant-1',
      from: FROM,
      to: TO,
      exportedBy: 'audrey',
      createdAt: logs.clock.now(),
    },
    {
      it: logs.itChain,
      ot: logs.sites.otChain('plant-1'),
      artifacts: [],
      signingKey: logs.itKey,
      evidence: {
        manifest: {
          subject: { kind: 'grant', id: 'grt-1' },
          events: chosen.map((c) => ({
            log: c.log,
            seq: c.e.seq,
            hash: c.e.hash,
            role: 'operation' as const,
          })),
        },
        members: [
          { path: EVIDENCE_JSON, text: `${canonicalJson({ grant: 'grt-1' })}\n` },
          { path: EVIDENCE_SUMMARY, text: '# Evidence pack: grant grt-1\n' },
        ],
      },
    },
    dir,
    path,
  );
  return { logs, dir, path, chosen, itEvents };
}

const verify = (path: string, key: Uint8Array) =>
  verifyBundle(createReadStream(path), { expectedPublicKey: key });

test('an evidence pack verifies with the export verifier, members listed after the README', async (t) => {
  const { logs, path } = await pack(t);
  const v = await verify(path, logs.itKey.publicKey);
  assert.deepEqual(
    v.findings.filter((f) => f.level === 'error'),
    [],
  );
  assert.ok(v.ok);
  assert.equal(v.manifest?.evidence?.subject.id, 'grt-1');
  assert.equal(v.manifest?.evidence?.events.length, 5);
  const names = (await readBundleFiles(path)).map((f) => f.name);
  assert.deepEqual(names.slice(0, 5), [
    'manifest.json',
    'manifest.sig',
    'README.txt',
    EVIDENCE_JSON,
    EVIDENCE_SUMMARY,
  ]);
});

test('one changed byte of a member fails, naming the member', async (t) => {
  const { logs, dir, path } = await pack(t);
  const bad = await tamper(path, dir, 'byte', (fs) => {
    const f = fs.find((x) => x.name === EVIDENCE_SUMMARY);
    if (f !== undefined) f.data[2] = 0x58;
  });
  const v = await verify(bad, logs.itKey.publicKey);
  assert.equal(v.ok, false);
  assert.ok(
    v.findings.some((f) => f.check === 'file.hash' && f.file === EVIDENCE_SUMMARY),
    JSON.stringify(v.findings),
  );
});

test('a listed event that is dropped, withheld or swapped fails with evidence.* naming it, even re-signed with the real key', async (t) => {
  const { logs, dir, path, chosen, itEvents } = await pack(t);
  const editManifest =
    (edit: (m: { evidence: { events: { log: string; seq: number; hash: string }[] } }) => void) =>
    (fs: { name: string; data: Buffer }[]) => {
      const f = fs.find((x) => x.name === 'manifest.json');
      if (f === undefined) return;
      const m = JSON.parse(f.data.toString('utf8'));
      edit(m);
      f.data = Buffer.from(canonicalJson(m));
    };
  // A plant-2 event is withheld in plant-1's bundle: listing it cannot be proven.
  const other = logs.itChain
    .page(0, 1_000_000, 10_000)
    .find((e) => e.site === 'plant-2' && e.time >= FROM);
  assert.ok(other);
  const withheld = await tamper(
    path,
    dir,
    'withheld',
    editManifest((m) => {
      m.evidence.events.push({
        log: 'it',
        seq: other.seq,
        hash: other.hash,
        role: 'operation',
      } as never);
    }),
    logs.itKey,
  );
  const w = await verify(withheld, logs.itKey.publicKey);
  assert.equal(w.ok, false);
  assert.ok(
    w.findings.some((f) => f.check === 'evidence.missing' && f.seq === other.seq && f.log === 'it'),
    JSON.stringify(w.findings),
  );

  const swapped = await tamper(
    path,
    dir,
    'swapped',
    editManifest((m) => {
      const first = m.evidence.events[0];
      if (first !== undefined)
        first.hash = itEvents[0]?.hash === first.hash ? 'f'.repeat(64) : (itEvents[0]?.hash ?? '');
    }),
    logs.itKey,
  );
  const s = await verify(swapped, logs.itKey.publicKey);
  assert.ok(
    s.findings.some((f) => f.check === 'evidence.hash' && f.seq === chosen[0]?.e.seq),
    JSON.stringify(s.findings),
  );

  // An OT event the pack is about is dropped from the chain file (hashes re-made, re-signed).
  const target = chosen.find((c) => c.log === 'ot')?.e;
  assert.ok(target);
  const dropped = await tamper(
    path,
    dir,
    'dropped',
    (fs) => {
      const f = fs.find((x) => x.name === 'events/ot.jsonl');
      if (f !== undefined)
        f.data = Buffer.from(
          f.data
            .toString('utf8')
            .split('\n')
            .filter((l) => !l.includes(`"hash":"${target.hash}"`))
            .join('\n'),
        );
    },
    logs.itKey,
  );
  const d = await verify(dropped, logs.itKey.publicKey);
  assert.equal(d.ok, false);
  assert.ok(
    d.findings.some((f) => f.check.startsWith('chain.') && f.log === 'ot'),
    JSON.stringify(d.findings),
  );
  assert.ok(
    d.findings.some((f) => f.check === 'evidence.chain' && f.log === 'ot'),
    JSON.stringify(d.findings),
  );
});

test('a pack that declares evidence but lacks its members fails with evidence.files', async (t) => {
  const { logs, dir, path } = await pack(t);
  const bad = await tamper(
    path,
    dir,
    'nomembers',
    (fs) => {
      const f = fs.find((x) => x.name === 'manifest.json');
      if (f === undefined) return;
      const m = JSON.parse(f.data.toString('utf8'));
      m.files = m.files.filter((x: { path: string }) => x.path !== EVIDENCE_SUMMARY);
      f.data = Buffer.from(canonicalJson(m));
      fs.splice(
        fs.findIndex((x) => x.name === EVIDENCE_SUMMARY),
        1,
      );
    },
    logs.itKey,
  );
  const v = await verify(bad, logs.itKey.publicKey);
  assert.ok(
    v.findings.some((f) => f.check === 'evidence.files'),
    JSON.stringify(v.findings),
  );
});
