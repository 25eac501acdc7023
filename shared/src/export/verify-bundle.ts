/**
 * Offline verification of an export bundle, in one streaming pass over the tar.gz and with nothing
 * but the bundle (and, optionally, the public key the verifier expects): no database, no config.
 *
 * Checks, each reported as a Finding naming the check, the file and, for events, the log and seq:
 *  - `manifest.*`     manifest.json is first, parses, and manifest.sig is a valid Ed25519 signature
 *                     over its exact bytes by the key in the manifest; with `expectedPublicKey`, that
 *                     key is the expected one (without it, a warning: anyone can sign with their own key);
 *  - `file.*`         every entry is a regular file listed in the manifest, with its size and SHA-256;
 *                     every listed file is present; nothing appears twice;
 *  - `chain.*`        each log's events link from their anchor (a signed checkpoint or the genesis) to
 *                     the declared head, through every signed checkpoint in between (ChainVerifier, the
 *                     one chain verifier);
 *  - `events.*`       every disclosed event belongs to the bundle's site, the declared in-range run is
 *                     the whole time range (the events around it lie outside it), counts match the
 *                     manifest, and the CSV and CEF files say exactly what the verified JSON Lines say;
 *  - `recording.hash` a recording whose session's OT `recording.close` event carries a hash matches it.
 * The manifest and signature entries are judged in manifest-entries.ts, what is missing or does not
 * match once everything is read in bundle-completeness.ts, an evidence pack's list in evidence-check.ts.
 * A big events file's check runs on a worker thread (segment-job.ts) with the same verdict as inline.
 * What it cannot prove is listed in docs/audit.md (withheld IT spans are taken on the signer's word;
 * events after the last signed checkpoint of a log are only as good as the export signature).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Checkpoint } from '../audit/audit-event.js';
import { fromBase64Url } from '../crypto/encoding.js';
import { createBlake2b } from '../crypto/hash.js';
import {
  MANIFEST_FILE,
  MAX_LINE_BYTES,
  SIGNATURE_FILE,
  checkpointsFile,
  parseCheckpointLine,
  type BundleManifest,
  type ManifestFile,
} from './bundle-manifest.js';
import { forEachLine, readBundleEntries, type BundleEntry } from './bundle-reader.js';
import {
  checkBundleCompleteness,
  type LogState,
  type RecordingHash,
} from './bundle-completeness.js';
import { AUDIT_LOG_NAMES, type AuditLogName } from './event-formats.js';
import { checkSignatureEntry, readManifestEntry } from './manifest-entries.js';
import {
  SegmentCheck,
  type Finding,
  type RecordingClose,
  type SegmentSummary,
} from './segment-check.js';
import { SegmentJob } from './segment-job.js';
import { EvidenceCheck } from './evidence-check.js';
import { omitUndefined } from '../omit-undefined.js';

export type { Finding } from './segment-check.js';

export interface VerifyBundleOptions {
  /** The IT gateway audit key the verifier trusts (from the portal, or an out-of-band copy). */
  readonly expectedPublicKey?: Uint8Array;
  /**
   * Events files of at least `minBytes` (default EVENTS_WORKER_MIN_BYTES) are checked on a worker
   * thread; smaller ones inline, where starting a thread costs more than it saves. Tests set
   * `minBytes: 0` to force the worker, and `url` to a worker that dies to show verify fails closed.
   */
  readonly eventsWorker?: { readonly minBytes?: number; readonly url?: URL };
}

/** About 10,000 events: below that a worker thread's start (~0.1 to 0.3 s) is not won back. */
export const EVENTS_WORKER_MIN_BYTES = 4 * 1024 * 1024;

export interface BundleVerification {
  readonly ok: boolean;
  readonly findings: readonly Finding[];
  readonly manifest?: BundleManifest;
  /** base64url key that signed the manifest (whether or not the signature held). */
  readonly signer?: string;
  readonly signatureValid: boolean;
  readonly logs: Partial<Record<AuditLogName, SegmentSummary>>;
  readonly files: number;
}

const MAX_CHECKPOINT_LINES = 1_000_000;

export async function verifyBundle(
  input: Readable,
  options: VerifyBundleOptions = {},
): Promise<BundleVerification> {
  const findings: Finding[] = [];
  const error = (check: string, message: string, file?: string): void => {
    findings.push({ level: 'error', check, message, ...omitUndefined({ file }) });
  };
  let manifest: BundleManifest | undefined;
  let signer: string | undefined;
  let signatureValid = false;
  let index = 0;
  const listed = new Map<string, ManifestFile>();
  const seen = new Set<string>();
  const actualSha = new Map<string, string>();
  const recordingHashes = new Map<string, RecordingHash>();
  const recordingCloses = new Map<string, RecordingClose>();
  const logs: Record<AuditLogName, LogState> = { it: {}, ot: {} };
  let evidence: EvidenceCheck | undefined;

  let manifestBytes: Buffer | undefined;

  const onManifest = async (entry: BundleEntry): Promise<boolean> => {
    const read = await readManifestEntry(entry, error);
    if (read === undefined) return false;
    manifest = read.manifest;
    for (const f of manifest.files) listed.set(f.path, f);
    if (manifest.evidence !== undefined) evidence = new EvidenceCheck(manifest.evidence, findings);
    manifestBytes = read.bytes;
    return true;
  };

  const onFile = async (entry: BundleEntry, m: BundleManifest): Promise<void> => {
    const name = entry.name;
    if (seen.has(name)) {
      error('file.duplicate', `${name} appears twice in the bundle`, name);
      return;
    }
    seen.add(name);
    const spec = listed.get(name);
    if (spec === undefined) {
      error(
        'file.unlisted',
        `${name} is in the bundle but not in the manifest: it was added`,
        name,
      );
      return;
    }
    if (entry.type !== 'file') {
      error('file.type', `${name} is a ${entry.type}, not a regular file`, name);
      return;
    }
    const sha = createHash('sha256');
    let bytes = 0;
    const onBytes = (chunk: Buffer): void => {
      sha.update(chunk);
      bytes += chunk.length;
    };
    // Every branch reads the entry to its end (leaving it early would break the tar stream).
    let problem: string | undefined;
    if (spec.kind === 'checkpoints' && spec.log !== undefined) {
      problem = await readCheckpoints(entry, spec.log, onBytes);
    } else if (spec.kind === 'events' && spec.format === 'jsonl' && spec.log !== undefined) {
      problem = await readSegment(entry, spec.log, m, onBytes);
    } else if (spec.kind === 'recording') {
      const b2 = createBlake2b();
      for await (const chunk of entry.stream) {
        onBytes(chunk);
        b2.update(chunk);
      }
      if (spec.sessionId !== undefined)
        recordingHashes.set(spec.sessionId, { sha256: '', blake2b: b2.digestHex(), file: name });
    } else {
      for await (const chunk of entry.stream) onBytes(chunk);
    }
    if (problem !== undefined) error('file.read', `${name} could not be read: ${problem}`, name);
    const digest = sha.digest('hex');
    actualSha.set(name, digest);
    const rec = spec.sessionId === undefined ? undefined : recordingHashes.get(spec.sessionId);
    if (rec !== undefined && rec.file === name) rec.sha256 = digest;
    if (bytes !== spec.bytes || digest !== spec.sha256) {
      error(
        'file.hash',
        `${name} does not match the manifest (SHA-256 ${digest}, ${bytes} bytes; manifest says ${spec.sha256}, ${spec.bytes} bytes): the file was changed or replaced`,
        name,
      );
    }
  };

  const readCheckpoints = async (
    entry: BundleEntry,
    log: AuditLogName,
    onBytes: (c: Buffer) => void,
  ): Promise<string | undefined> => {
    const list: Checkpoint[] = [];
    let lineNo = 0;
    const problem = await forEachLine(entry.stream, MAX_LINE_BYTES, onBytes, (line) => {
      lineNo++;
      if (line === '' || list.length > MAX_CHECKPOINT_LINES) return;
      const c = parseCheckpointLine(line);
      if (c.ok) list.push(c.value);
      else
        findings.push({
          level: 'error',
          check: 'checkpoints.format',
          message: `line ${lineNo}: ${c.error}`,
          file: entry.name,
          log,
        });
    });
    logs[log].checkpoints = list;
    return problem;
  };

  const readSegment = async (
    entry: BundleEntry,
    log: AuditLogName,
    m: BundleManifest,
    onBytes: (c: Buffer) => void,
  ): Promise<string | undefined> => {
    const spec = m.logs[log];
    const checkpoints = logs[log].checkpoints;
    const key = spec === null ? undefined : fromBase64Url(spec.publicKey, 32);
    if (spec === null || checkpoints === undefined || key === undefined || !key.ok) {
      if (spec === null)
        error(
          'events.log',
          `${entry.name} is present but the manifest declares no ${log.toUpperCase()} log`,
          entry.name,
        );
      else if (checkpoints === undefined)
        error(
          'bundle.order',
          `${entry.name} comes before ${checkpointsFile(log)}: the bundle was rebuilt out of order`,
          entry.name,
        );
      else
        error(
          'manifest.format',
          `the ${log.toUpperCase()} log's public key is malformed`,
          MANIFEST_FILE,
        );
      for await (const chunk of entry.stream) onBytes(chunk);
      return undefined;
    }
    await settleSegment();
    // An evidence pack's selection is checked on the same lines: inline (a pack is one subject's range).
    const minBytes = options.eventsWorker?.minBytes ?? EVENTS_WORKER_MIN_BYTES;
    if (evidence !== undefined || entry.size < minBytes) {
      const check = new SegmentCheck(
        log,
        spec,
        m,
        checkpoints,
        key.value,
        findings,
        recordingCloses,
      );
      const problem = await forEachLine(entry.stream, MAX_LINE_BYTES, onBytes, (line) => {
        if (line === '') return;
        check.line(line);
        evidence?.line(log, line);
      });
      logs[log].segment = check.finish();
      return problem;
    }
    // A big one is checked on a worker thread while this one reads on (segment-job.ts). Its
    // findings go where the inline check would have put them, ahead of anything found meanwhile.
    const at = findings.length;
    const job = new SegmentJob(
      {
        log,
        spec,
        manifest: { site: m.site, range: m.range, generator: m.generator, version: m.version },
        checkpoints,
        publicKey: key.value,
      },
      options.eventsWorker?.url,
    );
    try {
      for await (const chunk of entry.stream) {
        onBytes(chunk);
        await job.write(chunk);
      }
    } catch (e) {
      await job.abort();
      throw e;
    }
    pendingSegment = job.finish().then((r) => {
      if (!r.ok) {
        findings.splice(at, 0, {
          level: 'error',
          check: 'events.verifier',
          message: `${entry.name} could not be checked: ${r.reason}`,
          file: entry.name,
          log,
        });
        return;
      }
      const late = [...r.findings];
      if (r.problem !== undefined)
        late.push({
          level: 'error',
          check: 'file.read',
          message: `${entry.name} could not be read: ${r.problem}`,
          file: entry.name,
        });
      findings.splice(at, 0, ...late);
      for (const [sessionId, close] of r.recordingCloses) recordingCloses.set(sessionId, close);
      logs[log].segment = r.segment;
    });
    return undefined;
  };
  let pendingSegment: Promise<void> | undefined;
  const settleSegment = async (): Promise<void> => {
    const p = pendingSegment;
    pendingSegment = undefined;
    await p;
  };

  try {
    for await (const entry of readBundleEntries(input)) {
      index++;
      if (index === 1) {
        if (!(await onManifest(entry))) break;
      } else if (manifest === undefined || manifestBytes === undefined) {
        break;
      } else if (index === 2) {
        signer = manifest.signer.publicKey;
        signatureValid = await checkSignatureEntry(
          entry,
          manifest,
          manifestBytes,
          options.expectedPublicKey,
          findings,
          error,
        );
        if (entry.name !== SIGNATURE_FILE) await onFile(entry, manifest);
      } else {
        await onFile(entry, manifest);
      }
    }
  } catch (e) {
    error('bundle.read', `the bundle is not a readable tar.gz: ${(e as Error).message}`);
  }
  await settleSegment();
  if (index === 0) error('bundle.read', 'the bundle is empty');

  if (manifest !== undefined)
    checkBundleCompleteness(
      manifest,
      { listed, seen, actualSha, logs, recordingHashes, recordingCloses },
      findings,
      error,
    );
  const summaries: Partial<Record<AuditLogName, SegmentSummary>> = {};
  for (const log of AUDIT_LOG_NAMES) {
    const s = logs[log].segment?.summary;
    if (s !== undefined) summaries[log] = s;
  }
  evidence?.finish(new Set(listed.keys()), summaries);
  return {
    ok: !findings.some((f) => f.level === 'error'),
    findings,
    ...omitUndefined({ manifest, signer }),
    signatureValid,
    logs: summaries,
    files: seen.size,
  };
}

/** One line per finding, for the CLI and logs. */
export function formatFinding(f: Finding): string {
  const where = [
    f.file,
    f.log === undefined ? undefined : `${f.log.toUpperCase()} log`,
    f.seq === undefined ? undefined : `event ${f.seq}`,
  ]
    .filter((x) => x !== undefined)
    .join(', ');
  return `${f.level === 'error' ? 'FAIL' : 'warn'} [${f.check}]${where === '' ? '' : ` ${where}:`} ${f.message}`;
}
