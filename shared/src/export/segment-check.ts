/**
 * Checks one log's chain segment in a bundle (`events/<log>.jsonl`), line by line, as it streams
 * out of the tar: every event's hash and link through the one chain verifier (ChainVerifier, from
 * the manifest's anchor to its head, with the log's signed checkpoints), that every event belongs to
 * the bundle's site, that no event outside the declared in-range run has a time inside the range
 * (completeness), and re-derives the CSV and CEF files from the verified events so the verifier can
 * tell whether those say the same thing (DerivedDigests; unless the caller derives them itself from
 * the same lines, as segment-job.ts does). It records findings; it never throws on bad input.
 */
import type { AuditEvent, Checkpoint } from '../audit/audit-event.js';
import { GENESIS_HASH } from '../audit/audit-event.js';
import { ChainVerifier, isCheckpointSignedBy } from '../audit/verify-chain.js';
import type { AuditLogName } from './event-formats.js';
import { DerivedDigests } from './derived-digests.js';
import { bundleTextRendering, type BundleManifest, type ManifestLog } from './bundle-manifest.js';
import { canonicalLineParts, parseSegmentLine, readEventLine } from './segment-lines.js';
import { omitUndefined } from '../omit-undefined.js';

export interface Finding {
  readonly level: 'error' | 'warning';
  /** Stable name of the check, e.g. `file.hash`, `chain.gap`, `manifest.signature`. */
  readonly check: string;
  readonly message: string;
  readonly file?: string;
  readonly log?: AuditLogName;
  readonly seq?: number;
}

export interface RecordingClose {
  readonly seq: number;
  readonly sha256?: string;
  readonly blake2b?: string;
}

export interface SegmentSummary {
  readonly events: number;
  readonly withheld: number;
  readonly inRange: number;
  readonly checkpointsVerified: number;
  /** Highest seq covered by a checkpoint that verified against the chain (0 if none). */
  readonly lastCheckpointSeq: number;
  readonly chainOk: boolean;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** What a segment check needs of the manifest (small enough to hand to a worker thread). */
export type SegmentManifest = Pick<BundleManifest, 'site' | 'range' | 'generator' | 'version'>;

export class SegmentCheck {
  private readonly verifier: ChainVerifier;
  private readonly derived: DerivedDigests | undefined;
  private readonly file: string;
  private lineNo = 0;
  private events = 0;
  private withheld = 0;
  private withheldInRange = 0;
  private inRange = 0;
  private stopped = false;
  private readonly signedSeqs: number[];

  constructor(
    private readonly log: AuditLogName,
    private readonly spec: ManifestLog,
    private readonly manifest: SegmentManifest,
    checkpoints: readonly Checkpoint[],
    private readonly publicKey: Uint8Array,
    private readonly findings: Finding[],
    /** OT `recording.close` events by session id, for the recording cross-check. */
    private readonly recordingCloses: Map<string, RecordingClose>,
    /** False when the caller derives CSV and CEF itself from the same lines (segment-job.ts); the digests are then ''. */
    derive = true,
  ) {
    this.derived = derive
      ? new DerivedDigests(
          log,
          spec.inRange,
          manifest.generator.version,
          bundleTextRendering(manifest.version),
        )
      : undefined;
    this.file = `events/${log}.jsonl`;
    this.signedSeqs = checkpoints.map((c) => c.seq).sort((a, b) => a - b);
    this.checkAnchor(checkpoints);
    this.verifier = new ChainVerifier(checkpoints, {
      publicKey,
      anchor: spec.anchor,
      expectedHead: spec.head,
    });
  }

  /**
   * Line bytes [start, end), without the "\n" (an empty line is skipped; `plain` as LineSplitter
   * gives it): a plain canonical event
   * line is read from its bytes (readEventLine), any other through `line`, with the same answers.
   */
  lineBytes(b: Buffer, start: number, end: number, plain: boolean): void {
    if (start === end) return;
    const read = this.stopped
      ? undefined
      : readEventLine(b, start, end, plain, this.verifier.expectedPrevHash);
    if (read === undefined) {
      this.line(b.toString('utf8', start, end));
      return;
    }
    this.lineNo++;
    this.event(read.event, read);
  }

  line(text: string): void {
    this.lineNo++;
    if (this.stopped) return;
    const parsed = parseSegmentLine(text);
    if (!parsed.ok) {
      this.error('events.format', `line ${this.lineNo}: ${parsed.error}`);
      this.stopped = true;
      return;
    }
    const item = parsed.value;
    if (item.kind === 'withheld') {
      const { fromSeq, toSeq, lastHash } = item.span;
      if (this.log !== 'it') {
        this.error(
          'events.format',
          `line ${this.lineNo}: the OT log is the site's own and may not withhold events`,
          fromSeq,
        );
        this.stopped = true;
        return;
      }
      this.withheld += toSeq - fromSeq + 1;
      // Withheld spans may overlap the in-range run; its disclosed count excludes them.
      const lo = Math.max(this.spec.inRange.first, fromSeq);
      const hi = Math.min(this.spec.inRange.last, toSeq);
      if (hi >= lo) this.withheldInRange += hi - lo + 1;
      if (!this.verifier.skip(fromSeq, toSeq, lastHash)) this.stopped = true;
      return;
    }
    this.event(item.event, canonicalLineParts(text, item.event));
  }

  private event(
    e: AuditEvent,
    parts: { contentHash: string; detailsJson: string } | undefined,
  ): void {
    const { manifest } = this;
    const belongs =
      this.log === 'it' ? e.site === manifest.site : e.site === null || e.site === manifest.site;
    if (!belongs)
      this.error(
        'events.site',
        `event ${e.seq} belongs to site ${e.site ?? '(none)'}, not ${manifest.site}: a site's export must not contain it`,
        e.seq,
      );
    this.events++;
    if (!this.verifier.push(e, parts?.contentHash)) {
      this.stopped = true;
      return;
    }
    const { first, last } = this.spec.inRange;
    if (e.seq >= first && e.seq <= last) {
      this.inRange++;
      // The verifier accepted the line, so its details text is the canonical encoding: reuse it.
      this.derived?.add(e, parts?.detailsJson);
    } else if (e.time >= manifest.range.from && e.time <= manifest.range.to) {
      this.error(
        'events.range',
        `event ${e.seq} has a time inside the range but lies outside the declared run ${first}..${last}: the range is not complete`,
        e.seq,
      );
    }
    if (this.log === 'ot' && e.action === 'recording.close') this.noteRecording(e);
  }

  /** Ends the segment; returns the re-derived CSV and CEF digests (if the chain verified) and the summary. */
  finish(): { csvSha256: string; cefSha256: string; summary: SegmentSummary } {
    const v = this.verifier.finish();
    if (v.problem !== undefined)
      this.error(
        `chain.${v.problem.kind}`,
        `${this.log.toUpperCase()} log: ${v.problem.message}`,
        v.problem.seq,
      );
    const chainOk = v.ok && !this.stopped;
    if (chainOk) {
      this.compare('events', this.events, this.spec.events);
      this.compare('withheld events', this.withheld, this.spec.withheld);
      const { first, last } = this.spec.inRange;
      this.compare(
        'events in range',
        this.inRange,
        Math.max(0, last - first + 1) - this.withheldInRange,
      );
    }
    this.checkBoundaries();
    const lastCheckpointSeq = chainOk
      ? (this.signedSeqs
          .filter((s) => s > this.spec.anchor.seq && s <= this.spec.head.seq)
          .at(-1) ?? this.spec.anchor.seq)
      : 0;
    return {
      // Derived digests mean something only for a chain that verified; '' otherwise (also in segment-job.ts).
      ...(chainOk && this.derived !== undefined
        ? this.derived.finish()
        : { csvSha256: '', cefSha256: '' }),
      summary: {
        events: this.events,
        withheld: this.withheld,
        inRange: this.inRange,
        checkpointsVerified: v.checkpointsVerified,
        lastCheckpointSeq,
        chainOk,
      },
    };
  }

  private checkAnchor(checkpoints: readonly Checkpoint[]): void {
    const { anchor } = this.spec;
    if (anchor.seq === 0) {
      if (anchor.hash !== GENESIS_HASH)
        this.error(
          'chain.anchor',
          `${this.log.toUpperCase()} log: a segment from the beginning must start at the genesis hash`,
          0,
        );
      return;
    }
    const cp = checkpoints.find((c) => c.seq === anchor.seq);
    if (cp === undefined)
      this.error(
        'chain.anchor',
        `${this.log.toUpperCase()} log: the segment continues from event ${anchor.seq}, but the bundle holds no signed checkpoint for it`,
        anchor.seq,
      );
    else if (cp.hash !== anchor.hash)
      this.error(
        'chain.anchor',
        `${this.log.toUpperCase()} log: the anchor at event ${anchor.seq} differs from the signed checkpoint there`,
        anchor.seq,
      );
    else if (!isCheckpointSignedBy(cp, this.publicKey))
      this.error(
        'chain.anchor',
        `${this.log.toUpperCase()} log: the checkpoint at event ${anchor.seq} the segment starts from is not signed by the log's key`,
        anchor.seq,
      );
  }

  private checkBoundaries(): void {
    const { anchor, head, inRange, logHead } = this.spec;
    const L = this.log.toUpperCase();
    if (inRange.first > inRange.last + 1)
      this.error(
        'events.range',
        `${L} log: the declared run ${inRange.first}..${inRange.last} is malformed`,
      );
    // The event just before the run and the one just after must be in the segment, so their times show the run is the whole range.
    if (inRange.first - 1 >= 1 && anchor.seq > inRange.first - 2)
      this.error(
        'events.range',
        `${L} log: event ${inRange.first - 1}, just before the range, is not in the bundle, so the start of the range cannot be shown complete`,
        inRange.first - 1,
      );
    if (inRange.last < logHead.seq && head.seq < inRange.last + 1)
      this.error(
        'events.range',
        `${L} log: event ${inRange.last + 1}, just after the range, is not in the bundle, so the end of the range cannot be shown complete`,
        inRange.last + 1,
      );
    if (head.seq > logHead.seq)
      this.error(
        'events.range',
        `${L} log: the segment ends at event ${head.seq}, after the log's head ${logHead.seq}`,
      );
  }

  private noteRecording(e: AuditEvent): void {
    const sessionId = e.details.sessionId;
    if (typeof sessionId !== 'string') return;
    const sha256 =
      typeof e.details.sha256 === 'string' && HEX64.test(e.details.sha256)
        ? e.details.sha256
        : undefined;
    const blake2b =
      typeof e.details.blake2b === 'string' && HEX64.test(e.details.blake2b)
        ? e.details.blake2b
        : undefined;
    this.recordingCloses.set(sessionId, {
      seq: e.seq,
      ...omitUndefined({ sha256, blake2b }),
    });
  }

  private compare(what: string, actual: number, declared: number): void {
    if (actual !== declared)
      this.error(
        'events.count',
        `${this.log.toUpperCase()} log: the manifest declares ${declared} ${what}, ${this.file} holds ${actual}`,
      );
  }

  private error(check: string, message: string, seq?: number): void {
    this.findings.push({
      level: 'error',
      check,
      message,
      file: this.file,
      log: this.log,
      ...omitUndefined({ seq }),
    });
  }
}
