/**
 * Re-derives a log's CSV and CEF files from its events (the verifier's `events.derived` check):
 * renders every event of the declared in-range run through event-formats.ts and SHA-256-hashes the
 * text, so the verifier can compare with the files' own hashes.
 *
 * Two ways in. `add` takes an event the segment check has already verified (inline check of a small
 * log). `line` takes a raw JSON Lines line and renders it without any check of its own: the big log's
 * chain is checked on a worker thread at the same time (segment-job.ts) and the verifier compares
 * the derived digests only when that chain verified, which means every line was a canonical event or
 * a withheld span, exactly the lines `add` would have been given. On anything else the digests are
 * meaningless, and a line that cannot be rendered poisons them (they then match nothing).
 */
import { createHash, type Hash } from 'node:crypto';
import type { AuditEvent } from '../audit/audit-event.js';
import type { ManifestLog } from './bundle-manifest.js';
import { CSV_HEADER, eventToCefLine, eventToCsvRecord, type AuditLogName } from './event-formats.js';
import { canonicalDetailsText, scanCanonicalEventLine } from './segment-lines.js';

const BUFFER_BYTES = 256 * 1024;

/**
 * SHA-256 of a text given in many small pieces, written into one buffer and hashed per 256 KiB:
 * one hash update (and one UTF-8 encoding) per record, or joining the pieces first, was 12% and
 * then 7% of the events check (measured). Same digest as hashing the whole text at once.
 */
class BatchedSha256 {
  private readonly hash: Hash = createHash('sha256');
  private readonly buf = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;

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

  constructor(
    private readonly log: AuditLogName,
    private readonly inRange: ManifestLog['inRange'],
    private readonly version: string,
  ) {
    this.csv.update(CSV_HEADER);
  }

  /** A verified event; rendered if it lies in the declared run. `detailsJson`: its canonical details text, if known. */
  add(e: AuditEvent, detailsJson?: string): void {
    if (e.seq < this.inRange.first || e.seq > this.inRange.last) return;
    this.csv.update(eventToCsvRecord(this.log, e, detailsJson));
    this.cef.update(eventToCefLine(this.log, e, { version: this.version }, detailsJson));
  }

  /** A raw line of `events/<log>.jsonl` (not empty); see the module header for why it is not checked here. */
  line(text: string): void {
    if (this.poisoned) return;
    try {
      if (text.startsWith('{"withheld":')) return;
      const scanned = scanCanonicalEventLine(text);
      if (scanned !== undefined) {
        this.add(scanned.event, scanned.detailsJson);
        return;
      }
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
    return this.poisoned ? { csvSha256: 'unrenderable', cefSha256: 'unrenderable' } : { csvSha256, cefSha256 };
  }
}
