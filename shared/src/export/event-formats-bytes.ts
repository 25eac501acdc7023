/**
 * The CSV record and the CEF line of event-formats.ts, written straight from the bytes of an event
 * line that canonical-line-bytes.ts scanned into a byte sink (the verifier's hash buffer): the
 * verifier re-derives both files from every event, and building them as strings, then encoding
 * them, was most of its main thread's time (measured on 1,000,000 events).
 *
 * Guarantees: for every line it renders that is JSON (the verifier compares the renderings only when
 * the chain check accepted every line), exactly the bytes of eventToCsvRecord and eventToCefLine for
 * the event JSON.parse reads from that line (event-formats-bytes.test.ts holds the two to it over
 * generated events with every special character). It renders all of a line or nothing: anything it
 * does not handle (a time past the year 9999, an unknown outcome, a line too long for the sink)
 * returns false before a byte is written, and the caller renders the strings. The cell rules are
 * event-formats.ts's, applied to bytes; the scan's layout (printable ASCII, no backslash, no quote
 * inside a string value) means no multi-byte character can be split. The one control character
 * such a line can hold in a value is DEL (JSON escapes the others): neutral text writes it as
 * U+FFFD, as event-formats.ts does.
 */
import type { AuditEvent } from '../audit/audit-event.js';
import { F, fieldNumber, type Fields } from './canonical-line-bytes.js';
import {
  auditCodeOf,
  cefHeaderField,
  cefValue,
  csvCell,
  isoTime,
  type AuditLogName,
  type TextRendering,
} from './event-formats.js';

/** Where rendered bytes go: `reserve(n)` makes room for n more bytes at `used` (false if it never can). */
export interface ByteSink {
  readonly buf: Buffer;
  used: number;
  reserve(n: number): boolean;
}

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');
const SEVERITY: Readonly<Record<AuditEvent['outcome'], number>> = {
  success: 3,
  failure: 5,
  denied: 7,
};
const OUTCOMES = Object.keys(SEVERITY) as AuditEvent['outcome'][];
const COMMA = 0x2c;
const QUOTE = 0x22;
const DEL = 0x7f;
const MAX_ACTIONS_CACHED = 1024;

/** The pieces that depend only on the action (a bundle has a few dozen). */
interface ActionPieces {
  /** CSV: `<action cell>,<code>,` */
  readonly csv: Buffer;
  /** CEF: `CEF:0|Airlock|airlock-<log>|<version>|<code>|<action>|` */
  readonly cefHead: Buffer;
  /** CEF: the action as an extension value. */
  readonly cefAct: Buffer;
}

export class EventBytesRenderer {
  private readonly actions = new Map<string, ActionPieces>();
  private readonly csvLog: Buffer;
  private readonly cefLogSeq: Buffer;
  private readonly outcomes: readonly Buffer[] = OUTCOMES.map(enc);
  private readonly rt = enc('|rt=');
  private readonly externalId = enc(' externalId=');
  private readonly suser = enc(' suser=');
  private readonly act = enc(' act=');
  private readonly outcome = enc(' outcome=');
  private readonly cs1 = enc(' cs1Label=site cs1=');
  private readonly cs2 = enc(' cs2Label=target cs2=');
  private readonly cs3 = enc(' cs3Label=details cs3=');
  private readonly cs5 = enc(' cs5Label=hash cs5=');

  private readonly neutral: boolean;

  constructor(
    private readonly log: AuditLogName,
    private readonly version: string,
    text: TextRendering = 'neutral',
  ) {
    this.neutral = text === 'neutral';
    this.csvLog = enc(`${log},`);
    this.cefLogSeq = enc(` cs4Label=log cs4=${cefValue(log)} cn1Label=seq cn1=`);
  }

  /**
   * Appends the CSV record and the CEF line of the line `f` describes in `b`; false (nothing
   * written) if it must go through the strings. `action`: the action's text when the caller has it
   * (exactly the bytes at `f`'s action), saving a decode per line.
   */
  render(
    b: Buffer,
    lineLength: number,
    f: Fields,
    csv: ByteSink,
    cef: ByteSink,
    action?: string,
  ): boolean {
    const time = isoTime(fieldNumber(b, f, F.time));
    const outcome = this.outcomeIndex(b, f);
    // Every value at most triples (CSV quotes, CEF escapes, a DEL as U+FFFD); the rest is short and fixed.
    const worst = 3 * lineLength + 512;
    if (time.length !== 24 || outcome < 0 || !csv.reserve(worst) || !cef.reserve(worst))
      return false;
    const pieces = this.pieces(
      action ?? b.toString('latin1', f[F.action] as number, f[F.action + 1] as number),
    );
    const n = this.neutral;

    // Positions are kept in locals and handed along, not stored in the sink after every byte.
    let o = csv.buf;
    let u = put(o, csv.used, this.csvLog, 0, this.csvLog.length);
    u = put(o, u, b, f[F.seq] as number, f[F.seq + 1] as number);
    o[u++] = COMMA;
    for (let i = 0; i < 24; i++) o[u++] = time.charCodeAt(i);
    o[u++] = COMMA;
    u = csvCellBytes(o, u, b, f[F.id] as number, f[F.id + 1] as number, n);
    o[u++] = COMMA;
    u = csvCellBytes(o, u, b, f[F.actor] as number, f[F.actor + 1] as number, n);
    o[u++] = COMMA;
    u = put(o, u, pieces.csv, 0, pieces.csv.length);
    u = put(o, u, b, f[F.outcome] as number, f[F.outcome + 1] as number);
    o[u++] = COMMA;
    u = csvCellBytes(o, u, b, f[F.site] as number, f[F.site + 1] as number, n);
    o[u++] = COMMA;
    u = csvCellBytes(o, u, b, f[F.target] as number, f[F.target + 1] as number, n);
    o[u++] = COMMA;
    u = csvCellBytes(o, u, b, f[F.details] as number, f[F.details + 1] as number, n);
    o[u++] = COMMA;
    u = put(o, u, b, f[F.hash] as number, f[F.hash + 1] as number);
    o[u++] = 0x0d;
    o[u++] = 0x0a;
    csv.used = u;

    o = cef.buf;
    u = put(o, cef.used, pieces.cefHead, 0, pieces.cefHead.length);
    o[u++] = 48 + (SEVERITY[OUTCOMES[outcome] as AuditEvent['outcome']] as number);
    u = put(o, u, this.rt, 0, this.rt.length);
    u = put(o, u, b, f[F.time] as number, f[F.time + 1] as number);
    u = cefPair(o, u, n, this.externalId, b, f, F.id);
    u = cefPair(o, u, n, this.suser, b, f, F.actor);
    u = put(o, u, this.act, 0, this.act.length);
    u = put(o, u, pieces.cefAct, 0, pieces.cefAct.length);
    // The outcome is one of three words (outcomeIndex) and CEF leaves them alone.
    u = put(o, u, this.outcome, 0, this.outcome.length);
    u = put(o, u, b, f[F.outcome] as number, f[F.outcome + 1] as number);
    u = cefPair(o, u, n, this.cs1, b, f, F.site);
    u = cefPair(o, u, n, this.cs2, b, f, F.target);
    u = cefPair(o, u, n, this.cs3, b, f, F.details);
    u = put(o, u, this.cefLogSeq, 0, this.cefLogSeq.length);
    u = put(o, u, b, f[F.seq] as number, f[F.seq + 1] as number);
    // The hash is copied as it is: in a line the chain check accepts it is 64 hex digits, which CEF leaves alone.
    u = put(o, u, this.cs5, 0, this.cs5.length);
    u = put(o, u, b, f[F.hash] as number, f[F.hash + 1] as number);
    o[u++] = 0x0a;
    cef.used = u;
    return true;
  }

  private outcomeIndex(b: Buffer, f: Fields): number {
    const s = f[F.outcome] as number;
    const n = (f[F.outcome + 1] as number) - s;
    for (let i = 0; i < this.outcomes.length; i++) {
      const o = this.outcomes[i] as Buffer;
      if (o.length !== n) continue;
      let j = 0;
      while (j < n && b[s + j] === o[j]) j++;
      if (j === n) return i;
    }
    return -1;
  }

  private pieces(action: string): ActionPieces {
    let p = this.actions.get(action);
    if (p === undefined) {
      const code = auditCodeOf(action);
      p = {
        csv: enc(`${csvCell(action)},${code},`),
        cefHead: enc(
          `CEF:0|Airlock|${cefHeaderField(`airlock-${this.log}`)}|${cefHeaderField(this.version)}|${cefHeaderField(code)}|${cefHeaderField(action)}|`,
        ),
        cefAct: enc(cefValue(action)),
      };
      if (this.actions.size < MAX_ACTIONS_CACHED) this.actions.set(action, p);
    }
    return p;
  }
}

/**
 * Copies bytes [s, e) of `src` to `out` at `u`; returns the position after. A loop for short runs,
 * Buffer.copy (about 85 ns a call here, a loop 2 to 2.6 ns a byte) from 40 bytes on. (No native
 * search either: Buffer.indexOf runs on to the end of the chunk, not the line, which cost more than
 * all the rendering; measured.)
 */
function put(out: Buffer, u: number, src: Buffer, s: number, e: number): number {
  if (e - s >= 40) return u + src.copy(out, u, s, e);
  for (let i = s; i < e; i++) out[u++] = src[i] as number;
  return u;
}

function cefPair(
  out: Buffer,
  u: number,
  neutral: boolean,
  key: Buffer,
  b: Buffer,
  f: Fields,
  k: number,
): number {
  const at = put(out, u, key, 0, key.length);
  return cefValueBytes(out, at, b, f[k] as number, f[k + 1] as number, neutral);
}

/** Writes byte `x` of a value: a DEL as U+FFFD when text is neutral. */
function text(out: Buffer, u: number, x: number, neutral: boolean): number {
  if (x === DEL && neutral) {
    out[u] = 0xef;
    out[u + 1] = 0xbf;
    out[u + 2] = 0xbd;
    return u + 3;
  }
  out[u] = x;
  return u + 1;
}

/** csvCell on bytes [s, e): a formula start gets "'", a cell with a quote, comma, CR or LF is quoted (quotes doubled). Null (s = -1) is the empty cell. */
function csvCellBytes(
  out: Buffer,
  u: number,
  b: Buffer,
  s: number,
  e: number,
  neutral: boolean,
): number {
  if (s < 0 || s === e) return u;
  const c = b[s] as number;
  const formula = c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
  let quote = false;
  for (let i = s; i < e && !quote; i++) {
    const x = b[i] as number;
    quote = x === QUOTE || x === COMMA || x === 0x0d || x === 0x0a;
  }
  if (quote) out[u++] = QUOTE;
  if (formula) out[u++] = 0x27;
  if (quote) {
    for (let i = s; i < e; i++) {
      const x = b[i] as number;
      u = text(out, u, x, neutral);
      if (x === QUOTE) out[u++] = QUOTE;
    }
    out[u++] = QUOTE;
  } else {
    for (let i = s; i < e; i++) u = text(out, u, b[i] as number, neutral);
  }
  return u;
}

/** cefValue on bytes [s, e): backslash, "=", CR and LF escaped. Null (s = -1) is the empty value. */
function cefValueBytes(
  out: Buffer,
  u: number,
  b: Buffer,
  s: number,
  e: number,
  neutral: boolean,
): number {
  if (s < 0) return u;
  for (let i = s; i < e; i++) {
    const x = b[i] as number;
    if (x === 0x5c || x === 0x3d) {
      out[u++] = 0x5c;
      out[u++] = x;
    } else if (x === 0x0d || x === 0x0a) {
      out[u++] = 0x5c;
      out[u++] = x === 0x0d ? 0x72 : 0x6e;
    } else {
      u = text(out, u, x, neutral);
    }
  }
  return u;
}
