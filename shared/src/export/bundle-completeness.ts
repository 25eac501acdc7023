/**
 * The checks that can only run once the whole bundle has been read: every listed file was present
 * (`file.missing`); a declared log lists all four of its files (`manifest.files`); the checkpoint
 * count is the declared one (`checkpoints.count`); the CSV and CEF files are exactly what rendering
 * the verified JSON Lines gives (`events.derived`, judged only against a chain that verified); and a
 * recording matches the hash its OT `recording.close` event carries (`recording.hash`), or is
 * flagged as vouched for by the export signature only (`recording.unanchored`, a warning).
 *
 * It judges what the streaming pass collected (verify-bundle.ts) and reads nothing itself.
 */
import type { Checkpoint } from '../audit/audit-event.js';
import {
  MANIFEST_FILE,
  checkpointsFile,
  eventsFile,
  type BundleManifest,
  type ManifestFile,
} from './bundle-manifest.js';
import { AUDIT_LOG_NAMES, type AuditLogName } from './event-formats.js';
import type { ReportError } from './manifest-entries.js';
import type { Finding, RecordingClose, SegmentSummary } from './segment-check.js';

/** What the pass learned about one log: its checkpoints and, once checked, its events segment. */
export interface LogState {
  checkpoints?: Checkpoint[];
  segment?: { csvSha256: string; cefSha256: string; summary: SegmentSummary };
}

/** A recording's hashes as read (sha256 is filled in once the whole file has been hashed). */
export interface RecordingHash {
  sha256: string;
  blake2b: string;
  readonly file: string;
}

/** Everything the streaming pass collected, by file or log. */
export interface CollectedBundle {
  readonly listed: ReadonlyMap<string, ManifestFile>;
  readonly seen: ReadonlySet<string>;
  readonly actualSha: ReadonlyMap<string, string>;
  readonly logs: Readonly<Record<AuditLogName, LogState>>;
  readonly recordingHashes: ReadonlyMap<string, RecordingHash>;
  readonly recordingCloses: ReadonlyMap<string, RecordingClose>;
}

export function checkBundleCompleteness(
  m: BundleManifest,
  got: CollectedBundle,
  findings: Finding[],
  error: ReportError,
): void {
  for (const f of m.files) {
    if (!got.seen.has(f.path))
      error(
        'file.missing',
        `${f.path} is listed in the manifest but missing from the bundle: it was removed`,
        f.path,
      );
  }
  for (const log of AUDIT_LOG_NAMES) {
    const spec = m.logs[log];
    if (spec === null) continue;
    const state = got.logs[log];
    for (const path of [
      checkpointsFile(log),
      eventsFile(log, 'jsonl'),
      eventsFile(log, 'csv'),
      eventsFile(log, 'cef'),
    ]) {
      if (!got.listed.has(path))
        error(
          'manifest.files',
          `the manifest declares the ${log.toUpperCase()} log but does not list ${path}`,
          MANIFEST_FILE,
        );
    }
    if (state.checkpoints !== undefined && state.checkpoints.length !== spec.checkpoints) {
      error(
        'checkpoints.count',
        `the manifest declares ${spec.checkpoints} ${log.toUpperCase()} checkpoints, ${checkpointsFile(log)} holds ${state.checkpoints.length}`,
        checkpointsFile(log),
      );
    }
    const seg = state.segment;
    // Derived files are only judged against a chain that verified (a broken one stops being read).
    if (seg === undefined || !seg.summary.chainOk) continue;
    for (const [format, derived] of [
      ['csv', seg.csvSha256],
      ['cef', seg.cefSha256],
    ] as const) {
      const path = eventsFile(log, format);
      const actual = got.actualSha.get(path);
      if (actual !== undefined && actual !== derived) {
        error(
          'events.derived',
          `${path} does not say what the verified ${eventsFile(log, 'jsonl')} says (rendering the verified events gives SHA-256 ${derived}, the file has ${actual})`,
          path,
        );
      }
    }
  }
  for (const [sessionId, rec] of got.recordingHashes) {
    const close = got.recordingCloses.get(sessionId);
    if (close === undefined) {
      findings.push({
        level: 'warning',
        check: 'recording.unanchored',
        message: `no recording.close event for session ${sessionId} is in the bundle's OT events: the recording is vouched for by the export signature only`,
        file: rec.file,
      });
      continue;
    }
    const mismatch =
      (close.sha256 !== undefined && close.sha256 !== rec.sha256) ||
      (close.blake2b !== undefined && close.blake2b !== rec.blake2b);
    if (mismatch) {
      error(
        'recording.hash',
        `${rec.file} is not the recording the OT gateway closed for session ${sessionId} (its hash differs from the one in OT event ${close.seq}): the recording was replaced`,
        rec.file,
      );
    }
  }
}
