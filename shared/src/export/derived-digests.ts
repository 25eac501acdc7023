/**
 * Re-derives a log's CSV and CEF files from its events (the verifier's `events.derived` check):
 * renders every event of the declared in-range run as event-formats.ts does and SHA-256-hashes the
 * text, so the verifier can compare with the files' own hashes.
 *
 * Three ways in. `add` takes an event the segment check has already verified (inline check of a
 * small log). `lineBytes` and `line` take a raw line of `events/<log>.jsonl` and render it without
 * any check of their own: the big log's chain is checked on a worker thread at the same time
 * (segment-job.ts) and the verifier compares the derived digests only when that chain verified,
 * which means every line was a canonical event or a withheld span, exactly the lines `add` would
 * have been given. `lineBytes` writes a plain canonical line's renderings straight from its bytes
 * (event-formats-bytes.ts) and hands any other line to `line` (JSON.parse, then the strings). On a
 * chain that does not verify the digests are meaningless, and a line that cannot be rendered
 * poisons them (they then match nothing).
 */
import { createHash, type Hash } from 'node:crypto';
import type { AuditEvent } from '../audit/audit-event.js';
import type { ManifestLog } from './bundle-manifest.js';
import {
  CSV_HEADER,
  eventToCefLine,
  eventToCsvRecord,
  type AuditLogName,
  type TextRendering,
} from './event-formats.js';
import { F, fieldNumber, newFields, scanEventLine } from './canonical-line-bytes.js';
import { EventBytesRenderer, type ByteSink } from './event-formats-bytes.js';
import { canonicalDetailsText } from './segment-lines.js';

const BUFFER_BYTES = 256 * 1024;

/**
 * SHA-256 of a text given in many small pieces, written into one buffer and hashed per 256 KiB:
 * one hash update (and one UTF-8 encoding) per record, or joining the pieces first, was 12% and
 * then 7% of the events check (measured). Same digest as hashing the whole text at once.
 */
class BatchedSha256 implements ByteSink {
  private readonly hash: Hash = createHash('sha256');
  readonly buf = Buffer.allocUnsafe(BUFFER_BYTES);
  used = 0;

  /** Room for `n` more bytes at `used` (false if a record that long never fits: render it as text). */
  reserve(n: number): boolean {
    if (n > BUFFER_BYTES) return false;
    if (this.used + n > BUFFER_BYTES) this.flush();
    return true;
  }

  update(text: string): void {
    // A UTF-16 code unit is at most 3 UTF-8 bytes: with that much room, write never truncates.
    const worst = text.length * 3;
    if (this.used + worst > BUFFER_BYTES) {
      this.flush();
      if (worst > BUFFER_BYTES) {
        this.hash.update(text, 'utf8');
        return;
      }
    }
    this.used += this.buf.write(text, this.used, 'utf8');
  }

  digestHex(): string {
    this.flush();
    return this.hash.digest('hex');
  }

  private flush(): void {
    if (this.used === 0) return;
    this.hash.update(this.buf.subarray(0, this.used));
    this.used = 0;
  }
}

export interface DerivedDigestsResult {
  readonly csvSha256: string;
  readonly cefSha256: string;
}

export class DerivedDigests {
  private readonly csv = new BatchedSha256();
  private readonly cef = new BatchedSha256();
  private poisoned = false;
  private readonly fields = newFields();
  private readonly bytes: EventBytesRenderer;

  constructor(
    private readonly log: AuditLogName,
    private readonly inRange: ManifestLog['inRange'],
    private readonly version: string,
    /** How the bundle renders text (its format version: bundleTextRendering). */
    private readonly text: TextRendering = 'neutral',
  ) {
    this.csv.update(CSV_HEADER);
    this.bytes = new EventBytesRenderer(log, version, text);
  }

  /** A verified event; rendered if it lies in the declared run. `detailsJson`: its canonical details text, if known. */
  add(e: AuditEvent, detailsJson?: string): void {
    if (e.seq < this.inRange.first || e.seq > this.inRange.last) return;
    this.csv.update(eventToCsvRecord(this.log, e, detailsJson, this.text));
    this.cef.update(
      eventToCefLine(this.log, e, { version: this.version, text: this.text }, detailsJson),
    );
  }

  /** Line bytes [start, end) of `events/<log>.jsonl` (an empty line is skipped; `plain` as LineSplitter gives it); see the module header for why it is not checked here. */
  lineBytes(b: Buffer, start: number, end: number, plain: boolean): void {
    if (this.poisoned || start === end) return;
    const f = this.fields;
    if (scanEventLine(b, start, end, f, plain)) {
      const seq = fieldNumber(b, f, F.seq);
      if (seq < this.inRange.first || seq > this.inRange.last) return;
      if (this.bytes.render(b, end - start, f, this.csv, this.cef)) return;
    }
    this.line(b.toString('utf8', start, end));
  }

  /** A raw line of `events/<log>.jsonl` (not empty), as text; see the module header for why it is not checked here. */
  line(text: string): void {
    if (this.poisoned) return;
    try {
      if (text.startsWith('{"withheld":')) return;
      const raw = JSON.parse(text) as unknown;
      if (raw === null || typeof raw !== 'object' || 'withheld' in raw) return;
      const e = raw as AuditEvent;
      if (typeof e.seq !== 'number') {
        this.poisoned = true;
        return;
      }
      this.add(e, typeof e.hash === 'string' ? canonicalDetailsText(text, e.hash) : undefined);
    } catch {
      this.poisoned = true;
    }
  }

  finish(): DerivedDigestsResult {
    const csvSha256 = this.csv.digestHex();
    const cefSha256 = this.cef.digestHex();
    return this.poisoned
      ? { csvSha256: 'unrenderable', cefSha256: 'unrenderable' }
      : { csvSha256, cefSha256 };
  }
}
