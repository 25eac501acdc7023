/**
 * Writes one site's export bundle (format in shared/src/export/bundle-manifest.ts) with bounded
 * memory: events are read from the chains in pages and streamed to temporary files in `workDir`
 * while their SHA-256 is computed; then the manifest is built, signed with the IT audit key, and
 * the tar.gz is packed with the manifest first so a verifier can check everything in one pass.
 *
 * Which events a site's bundle discloses:
 *  - IT log: exactly the events whose `site` is the bundle's site. Every other IT event in the chain
 *    segment (other sites' events and site-less ones such as logins) is replaced by a withheld span
 *    (first and last seq, hash of the last), so the chain still verifies without disclosing them.
 *  - OT log: the site's own OT gateway log, in full (it only holds that site's events).
 * Each log's segment runs from a signed checkpoint before the time range (or the genesis) to the
 * first signed checkpoint after it (or the log's head), so the verifier can show the range complete.
 *
 * Not guaranteed here: authorisation (the caller checks that `exportedBy` may export the site) and
 * auditing (export-jobs.ts appends `audit.export`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { GENESIS_HASH } from '../../../shared/src/audit/audit-event.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { canonicalJson } from '../../../shared/src/crypto/canonical.js';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import { signDetached, type SigningKeyPair } from '../../../shared/src/crypto/signing.js';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  MANIFEST_FILE,
  PATH_SEGMENT,
  README_FILE,
  SIGNATURE_FILE,
  artifactFile,
  checkpointsFile,
  eventsFile,
  type ArtifactKind,
  type BundleManifest,
  type ManifestFile,
  type ManifestLog,
} from '../../../shared/src/export/bundle-manifest.js';
import type { AuditLogName } from '../../../shared/src/export/event-formats.js';
import type { EvidenceAddition } from '../../../shared/src/export/evidence-manifest.js';
import { AIRLOCK_VERSION } from '../../../shared/src/version.js';
import type { AuditChain } from './audit-chain.js';
import { writeSegment, type SegmentFile, type SegmentPlan } from './export-segment.js';
import { HashedFile } from './hashed-file.js';
import { MemberTarGz } from './member-tar-gz.js';

/** A recording or protocol log of a session in the range (issue 5 and the link provide these). */
export interface SessionArtifact {
  readonly sessionId: string;
  readonly kind: ArtifactKind;
  /** File name inside the bundle (letters, digits, . _ -). */
  readonly name: string;
  /** Opens the content; called twice (hash, then pack), both reads must give the same bytes. */
  open(): Readable;
  /** The file `open` reads, when it is one (the export worker opens it by path). */
  readonly path?: string;
}

export interface SessionArtifactSource {
  artifacts(site: string, from: number, to: number): Promise<readonly SessionArtifact[]>;
}

export interface ExportProgress {
  readonly phase: 'events' | 'artifacts' | 'packing' | 'done';
  /** Units done and total: events read plus artifact files. */
  readonly done: number;
  readonly total: number;
}

export interface BundleRequest {
  readonly exportId: string;
  readonly site: string;
  readonly from: number;
  readonly to: number;
  readonly exportedBy: string;
  readonly createdAt: number;
}

/**
 * Signs the manifest without holding the secret key: the export worker asks the main thread, which
 * keeps the audit key (see export-runner.ts).
 */
export interface ManifestSigner {
  readonly publicKey: Uint8Array;
  sign(manifest: Uint8Array): Promise<Uint8Array>;
}

export interface BundleSources {
  readonly it: AuditChain;
  readonly ot: AuditChain | undefined;
  readonly artifacts: readonly SessionArtifact[];
  readonly signingKey: SigningKeyPair | ManifestSigner;
  /** Makes the bundle an evidence pack (evidence-pack.ts): its members and the signed selection. */
  readonly evidence?: EvidenceAddition;
}

async function signManifest(
  key: SigningKeyPair | ManifestSigner,
  bytes: Buffer,
): Promise<Uint8Array> {
  return 'secretKey' in key ? signDetached(bytes, key.secretKey) : key.sign(bytes);
}

export interface WrittenBundle {
  readonly manifest: BundleManifest;
  readonly sha256: string;
  readonly bytes: number;
}

/** Where a log's segment starts and ends for the time range (see the module comment). */
export function planSegment(chain: AuditChain, from: number, to: number): SegmentPlan {
  const logHead = chain.head();
  const r = chain.seqsInTime(from, to);
  const before = chain.lastSeqBefore(from);
  const inRange = r ?? { first: before + 1, last: before };
  const all = chain.checkpoints(1, logHead.seq);
  const anchorCp = all.filter((c) => c.seq <= inRange.first - 2).at(-1);
  const anchor =
    anchorCp === undefined
      ? { seq: 0, hash: GENESIS_HASH }
      : { seq: anchorCp.seq, hash: anchorCp.hash };
  const target = Math.min(inRange.last + 1, logHead.seq);
  const endCp = all.find((c) => c.seq >= target && c.seq > anchor.seq);
  const head =
    logHead.seq === 0
      ? anchor
      : endCp === undefined
        ? logHead
        : { seq: endCp.seq, hash: endCp.hash };
  return {
    anchor,
    head,
    inRange,
    logHead,
    checkpoints: all.filter((c) => c.seq >= anchor.seq && c.seq <= head.seq),
  };
}

function readme(req: BundleRequest, signer: string, isPack: boolean): string {
  return [
    `Airlock audit export ${req.exportId}`,
    `site ${req.site}, events from ${new Date(req.from).toISOString()} to ${new Date(req.to).toISOString()}, exported by ${req.exportedBy}`,
    '',
    'Verify it offline (no gateway, database or network needed):',
    '  airlock-it verify-export <this file> --public-key <the IT gateway audit key shown in the portal>',
    `The manifest is signed by ${signer}.`,
    'Files: manifest.json (every file with its SHA-256; chain anchors and heads), manifest.sig,',
    'events/<log>.jsonl (the verifiable hash chain), events/<log>.csv and .cef (the same events in range),',
    'checkpoints/<log>.jsonl (signed chain heads), sessions/<id>/... (recordings, protocol logs).',
    ...(isPack
      ? [
          'This is an evidence pack: evidence/summary.md says what it is about, evidence/evidence.json the same',
          "as data; the manifest's evidence list names the chain events, which verify-export proves.",
        ]
      : []),
    '',
  ].join('\n');
}

export async function writeExportBundle(
  req: BundleRequest,
  src: BundleSources,
  workDir: string,
  outPath: string,
  onProgress: (p: ExportProgress) => void = () => undefined,
): Promise<WrittenBundle> {
  for (const a of src.artifacts) {
    if (!PATH_SEGMENT.test(a.sessionId) || !PATH_SEGMENT.test(a.name))
      throw new AirlockError(
        'internal',
        'export.artifact_name',
        `artifact ${a.sessionId}/${a.name} has a name that cannot be a bundle path`,
      );
  }
  const dir = join(workDir, `${req.exportId}.parts`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    const plans = {
      it: planSegment(src.it, req.from, req.to),
      ot: src.ot === undefined ? undefined : planSegment(src.ot, req.from, req.to),
    };
    const total =
      plans.it.head.seq -
      plans.it.anchor.seq +
      (plans.ot === undefined ? 0 : plans.ot.head.seq - plans.ot.anchor.seq) +
      src.artifacts.length;
    let done = 0;
    const tick = (phase: ExportProgress['phase'], n: number): void => {
      done += n;
      onProgress({ phase, done, total });
    };
    const files: { entry: ManifestFile; path: string }[] = [];
    const add = (entry: Omit<ManifestFile, 'sha256' | 'bytes'>, f: SegmentFile): void => {
      files.push({
        entry: { ...entry, sha256: f.sha256, bytes: f.bytes } as ManifestFile,
        path: f.path,
      });
    };
    const notes: string[] = [];
    const logs: { it?: ManifestLog; ot?: ManifestLog } = {};

    const segment = async (
      name: AuditLogName,
      chain: AuditChain,
      plan: SegmentPlan,
    ): Promise<void> => {
      const w = await writeSegment(name, chain, plan, req.site, dir, (n) => tick('events', n));
      const log = { log: name } as const;
      add({ path: checkpointsFile(name), kind: 'checkpoints', ...log }, w.checkpoints);
      add({ path: eventsFile(name, 'jsonl'), kind: 'events', ...log, format: 'jsonl' }, w.jsonl);
      add({ path: eventsFile(name, 'csv'), kind: 'events', ...log, format: 'csv' }, w.csv);
      add({ path: eventsFile(name, 'cef'), kind: 'events', ...log, format: 'cef' }, w.cef);
      logs[name] = {
        publicKey: toBase64Url(chain.publicKey),
        anchor: plan.anchor,
        head: plan.head,
        inRange: plan.inRange,
        logHead: plan.logHead,
        events: w.events,
        withheld: w.withheld,
        checkpoints: plan.checkpoints.length,
      };
      if (plan.head.seq > 0 && !plan.checkpoints.some((c) => c.seq === plan.head.seq)) {
        notes.push(
          `${name.toUpperCase()} log: events after the last signed checkpoint up to ${plan.head.seq} are vouched for by this export's signature, not yet by a checkpoint of their own log`,
        );
      }
    };

    await segment('it', src.it, plans.it);
    if (src.ot !== undefined && plans.ot !== undefined) await segment('ot', src.ot, plans.ot);
    else
      notes.push(
        `no OT events of site ${req.site} have been ingested: the bundle holds the IT gateway's events only`,
      );

    const signer = toBase64Url(src.signingKey.publicKey);
    const readmePath = join(dir, 'README');
    const readmeFile = new HashedFile(readmePath);
    readmeFile.write(readme(req, signer, src.evidence !== undefined));
    files.unshift({
      entry: { path: README_FILE, kind: 'readme', ...(await readmeFile.end()) } as ManifestFile,
      path: readmePath,
    });
    for (const [i, m] of (src.evidence?.members ?? []).entries()) {
      const part = new HashedFile(join(dir, `evidence-${i}`));
      part.write(m.text);
      files.splice(1 + i, 0, {
        entry: { path: m.path, kind: 'evidence', ...(await part.end()) },
        path: part.path,
      });
    }

    for (const a of src.artifacts) {
      const sha = createHash('sha256');
      let bytes = 0;
      for await (const chunk of a.open()) {
        const b = chunk as Buffer;
        sha.update(b);
        bytes += b.length;
      }
      files.push({
        entry: {
          path: artifactFile(a.sessionId, a.kind, a.name),
          kind: a.kind,
          sessionId: a.sessionId,
          sha256: sha.digest('hex'),
          bytes,
        },
        path: '',
      });
      tick('artifacts', 1);
    }

    if (logs.it === undefined)
      throw new AirlockError('internal', 'export.no_it_log', 'the IT log segment was not written');
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      exportId: req.exportId,
      site: req.site,
      range: { from: req.from, to: req.to },
      createdAt: req.createdAt,
      exportedBy: req.exportedBy,
      generator: { product: 'airlock', version: AIRLOCK_VERSION },
      signer: { algorithm: 'Ed25519', publicKey: signer },
      logs: { it: logs.it, ot: logs.ot ?? null },
      notes,
      files: files.map((f) => f.entry),
      ...(src.evidence === undefined ? {} : { evidence: src.evidence.manifest }),
    };
    const manifestBytes = Buffer.from(canonicalJson(manifest), 'utf8');
    const signature = toBase64Url(await signManifest(src.signingKey, manifestBytes));

    onProgress({ phase: 'packing', done, total });
    const tar = new MemberTarGz(outPath, req.createdAt);
    let sha256: string;
    try {
      await tar.addBuffer(MANIFEST_FILE, manifestBytes);
      await tar.addBuffer(SIGNATURE_FILE, Buffer.from(`${signature}\n`, 'utf8'));
      for (const f of files) {
        if (f.path !== '') {
          await tar.addCompressed(f.entry.path, f.entry.bytes, f.path);
          continue;
        }
        const a = src.artifacts.find(
          (x) => artifactFile(x.sessionId, x.kind, x.name) === f.entry.path,
        );
        if (a === undefined)
          throw new AirlockError('internal', 'export.artifact_lost', `${f.entry.path} vanished`);
        await tar.addStream(f.entry.path, f.entry.bytes, a.open(), f.entry.sha256);
      }
      sha256 = await tar.finish();
    } catch (e) {
      tar.destroy();
      rmSync(outPath, { force: true });
      throw e;
    }
    onProgress({ phase: 'done', done: total, total });
    return { manifest, sha256, bytes: statSync(outPath).size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
