/**
 * Writes one log's part of an export bundle (export-bundle.ts): its signed checkpoints, its chain
 * segment as JSON Lines (withheld spans for IT events of other sites), and the CSV and CEF of its
 * events in the time range, each into a temp file holding one gzip member, with the SHA-256 and size
 * of the raw content.
 *
 * Guarantees: the bytes are those of event-formats.ts (`eventToJsonLine`, `eventToCsvRecord`,
 * `eventToCefLine`) for every event, whichever way they are written: an event in the plain form
 * (event-line-bytes.ts) has its JSON line written from its stored values byte by byte and its CSV
 * record and CEF line from that line's bytes (event-formats-bytes.ts, what the verifier re-derives
 * them with); any other event takes the strings. Rows are read a page at a time (bounded memory), and
 * the files' compressors run on the thread pool while rendering goes on (hashed-file.ts). The count
 * of events and spans must cover the segment exactly (`export.chain_gap` otherwise), and an OT event
 * naming another site fails the export (`export.foreign_event`).
 * Not here: which segment (planSegment), the manifest and its signature, packing.
 */
import { join } from 'node:path';
import type { Checkpoint } from '../../../shared/src/audit/audit-event.js';
import { canonicalJson } from '../../../shared/src/crypto/canonical.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { newFields } from '../../../shared/src/export/canonical-line-bytes.js';
import { EventBytesRenderer } from '../../../shared/src/export/event-formats-bytes.js';
import {
  CSV_HEADER,
  eventToCefLine,
  eventToCsvRecord,
  eventToJsonLine,
  type AuditLogName,
} from '../../../shared/src/export/event-formats.js';
import { R, writeEventLine, type EventRow } from '../../../shared/src/export/event-line-bytes.js';
import { withheldLine } from '../../../shared/src/export/segment-lines.js';
import { AIRLOCK_VERSION } from '../../../shared/src/version.js';
import { chainEventRows, eventTextOf, type AuditChain, type ChainPoint } from './audit-chain.js';
import { HashedFile } from './hashed-file.js';

export interface SegmentPlan {
  readonly anchor: ChainPoint;
  readonly head: ChainPoint;
  readonly inRange: { first: number; last: number };
  readonly logHead: ChainPoint;
  readonly checkpoints: readonly Checkpoint[];
}

/** A written file of the segment: where the temp file is, its raw SHA-256 and size. */
export interface SegmentFile {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface WrittenSegment {
  readonly checkpoints: SegmentFile;
  readonly jsonl: SegmentFile;
  readonly csv: SegmentFile;
  readonly cef: SegmentFile;
  /** Events disclosed and events withheld (in spans). */
  readonly events: number;
  readonly withheld: number;
}

const CEF_OPTIONS = { version: AIRLOCK_VERSION };

/** Events between progress reports. */
const TICK_EVENTS = 10_000;

/** The three event files of a segment, written together. */
class SegmentWriter {
  readonly jsonl: HashedFile;
  readonly csv: HashedFile;
  readonly cef: HashedFile;
  private readonly fields = newFields();
  private readonly bytes: EventBytesRenderer;

  constructor(
    private readonly log: AuditLogName,
    dir: string,
  ) {
    this.jsonl = new HashedFile(join(dir, `${log}.jsonl`));
    this.csv = new HashedFile(join(dir, `${log}.csv`));
    this.cef = new HashedFile(join(dir, `${log}.cef`));
    this.csv.write(CSV_HEADER);
    this.bytes = new EventBytesRenderer(log, AIRLOCK_VERSION);
  }

  /** A disclosed event: its JSON line, and its CSV record and CEF line when `inRange`. */
  event(r: EventRow, inRange: boolean): void {
    const length = writeEventLine(this.jsonl, r, this.fields);
    if (length < 0) this.strings(r, true, inRange);
    else if (!inRange) return;
    // The renderer reserves room in csv and cef only, so the line stays where it was written.
    else if (
      !this.bytes.render(this.jsonl.buf, length, this.fields, this.csv, this.cef, r[R.action])
    )
      this.strings(r, false, true);
  }

  /** The same text through event-formats.ts's strings. */
  private strings(r: EventRow, line: boolean, inRange: boolean): void {
    const { event, detailsJson } = eventTextOf(r);
    if (line) this.jsonl.write(eventToJsonLine(event, detailsJson));
    if (!inRange) return;
    this.csv.write(eventToCsvRecord(this.log, event, detailsJson));
    this.cef.write(eventToCefLine(this.log, event, CEF_OPTIONS, detailsJson));
  }

  /** Resolves when all three compressors have room (undefined when they have, the common case). */
  pressure(): Promise<unknown> | undefined {
    const a = this.jsonl.pressure();
    const b = this.csv.pressure();
    const c = this.cef.pressure();
    return a === undefined && b === undefined && c === undefined
      ? undefined
      : Promise.all([a, b, c]);
  }
}

/**
 * Writes the files of log `name` for `site` into `dir`; `tick(n)` reports n more events read.
 * IT events of other sites (and without a site) are withheld; the OT log is the site's own.
 */
export async function writeSegment(
  name: AuditLogName,
  chain: AuditChain,
  plan: SegmentPlan,
  site: string,
  dir: string,
  tick: (n: number) => void,
): Promise<WrittenSegment> {
  const cpFile = new HashedFile(join(dir, `${name}.checkpoints`));
  for (const c of plan.checkpoints) cpFile.write(`${canonicalJson(c)}\n`);
  const w = new SegmentWriter(name, dir);
  const { first, last } = plan.inRange;
  let events = 0;
  let withheld = 0;
  let span: { fromSeq: number; toSeq: number; lastHash: string } | undefined;
  let sinceTick = 0;
  for await (const page of chainEventRows(chain, plan.anchor.seq, plan.head.seq)) {
    for (const r of page) {
      const seq = r[R.seq];
      const eventSite = r[R.site];
      if (name === 'it' && eventSite !== site) {
        withheld++;
        if (span === undefined) span = { fromSeq: seq, toSeq: seq, lastHash: r[R.hash] };
        else {
          span.toSeq = seq;
          span.lastHash = r[R.hash];
        }
        continue;
      }
      if (name === 'ot' && eventSite !== null && eventSite !== site)
        throw new AirlockError(
          'internal',
          'export.foreign_event',
          `OT event ${seq} of site ${site}'s log names site ${eventSite}`,
        );
      if (span !== undefined) {
        w.jsonl.write(withheldLine(span));
        span = undefined;
      }
      events++;
      w.event(r, seq >= first && seq <= last);
      const p = w.pressure();
      if (p !== undefined) await p;
    }
    sinceTick += page.length;
    if (sinceTick >= TICK_EVENTS) {
      tick(sinceTick);
      sinceTick = 0;
    }
  }
  if (span !== undefined) w.jsonl.write(withheldLine(span));
  tick(sinceTick);
  if (events + withheld !== plan.head.seq - plan.anchor.seq)
    throw new AirlockError(
      'internal',
      'export.chain_gap',
      `the ${name.toUpperCase()} log returned ${events + withheld} events for seqs ${plan.anchor.seq + 1}..${plan.head.seq}`,
    );
  const done = async (f: HashedFile): Promise<SegmentFile> => ({
    path: f.path,
    ...(await f.end()),
  });
  return {
    checkpoints: await done(cpFile),
    jsonl: await done(w.jsonl),
    csv: await done(w.csv),
    cef: await done(w.cef),
    events,
    withheld,
  };
}
