/**
 * Proves an evidence pack's selection: every event the manifest's `evidence` list names (log, seq,
 * hash) must be an event written in full in that log's chain segment, with that hash, and the
 * segment must have verified (ChainVerifier, through the signed checkpoints: segment-check.ts). So a
 * listed event belongs to the signed chain; a list naming an event that is absent, withheld, or has
 * another hash fails with `evidence.*` findings naming the event. The pack's own members
 * (evidence.json, summary.md) are covered like every file, by their SHA-256 in the signed manifest.
 *
 * It reads the same lines the segment check reads (the verifier hands them over); it never throws
 * on bad input, and leaves malformed lines to the segment check, which reports them.
 */
import type { AuditLogName } from './event-formats.js';
import {
  EVIDENCE_JSON,
  EVIDENCE_SUMMARY,
  type EvidenceManifest,
  type EvidenceRef,
} from './evidence-manifest.js';
import type { Finding, SegmentSummary } from './segment-check.js';

export class EvidenceCheck {
  private readonly wanted: Record<AuditLogName, Map<number, EvidenceRef>> = {
    it: new Map(),
    ot: new Map(),
  };
  private readonly seen: Record<AuditLogName, Map<number, string>> = {
    it: new Map(),
    ot: new Map(),
  };

  constructor(
    private readonly evidence: EvidenceManifest,
    private readonly findings: Finding[],
  ) {
    for (const r of evidence.events) this.wanted[r.log].set(r.seq, r);
  }

  /** One line of `events/<log>.jsonl` (an event or a withheld span). */
  line(log: AuditLogName, line: string): void {
    if (this.wanted[log].size === 0 || line.startsWith('{"withheld"')) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line) as unknown;
    } catch {
      return; // the segment check reports the line
    }
    if (raw === null || typeof raw !== 'object') return;
    const { seq, hash } = raw as { seq?: unknown; hash?: unknown };
    if (typeof seq === 'number' && typeof hash === 'string' && this.wanted[log].has(seq))
      this.seen[log].set(seq, hash);
  }

  /** Records the findings, given which files the manifest lists and how each log's chain fared. */
  finish(
    listed: ReadonlySet<string>,
    segments: Partial<Record<AuditLogName, SegmentSummary>>,
  ): void {
    for (const path of [EVIDENCE_JSON, EVIDENCE_SUMMARY])
      if (!listed.has(path))
        this.error(
          'evidence.files',
          `the manifest declares an evidence pack but does not list ${path}`,
        );
    for (const log of ['it', 'ot'] as const) {
      const wanted = this.wanted[log];
      if (wanted.size === 0) continue;
      const seg = segments[log];
      if (seg === undefined || !seg.chainOk) {
        this.error(
          'evidence.chain',
          `the ${log.toUpperCase()} chain segment did not verify, so none of the ${wanted.size} ${log.toUpperCase()} events the pack is about is proven`,
          log,
        );
        continue;
      }
      for (const [seq, ref] of wanted) {
        const hash = this.seen[log].get(seq);
        if (hash === undefined)
          this.error(
            'evidence.missing',
            `the pack lists ${log.toUpperCase()} event ${seq} (${ref.role}) but the bundle's chain segment does not disclose it: it was dropped or withheld`,
            log,
            seq,
          );
        else if (hash !== ref.hash)
          this.error(
            'evidence.hash',
            `the pack lists ${log.toUpperCase()} event ${seq} with hash ${ref.hash}, the verified chain has ${hash}: the list names another event`,
            log,
            seq,
          );
      }
    }
  }

  private error(check: string, message: string, log?: AuditLogName, seq?: number): void {
    this.findings.push({
      level: 'error',
      check,
      message,
      ...(log === undefined ? {} : { log }),
      ...(seq === undefined ? {} : { seq }),
      ...(check === 'evidence.files' ? { file: 'manifest.json' } : {}),
    });
  }
}
