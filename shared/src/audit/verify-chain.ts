/**
 * Verifies a hash chain of audit events and its signed checkpoints, streaming (events are read
 * once, in the order given; memory stays constant). It reports the first broken link:
 *  - `hash_mismatch`   an event's content does not match its hash (edited, renumbered, or shifted by
 *                      an insertion);
 *  - `broken_link`     an event does not point at the hash of the one before it (an event before it
 *                      was replaced, or one was inserted or moved here with a recomputed hash);
 *  - `gap`             a sequence number is missing (an event was deleted);
 *  - `out_of_order`    sequence numbers go backwards or repeat (events were reordered or duplicated);
 *  - `checkpoint_mismatch` a correctly signed checkpoint disagrees with the chain (the chain was
 *                      rewritten, hashes and all, after the checkpoint was signed);
 *  - `bad_checkpoint`  a checkpoint's signature is not valid under the trusted key (forged);
 *  - `truncated`       the chain ends before a signed checkpoint or an expected head.
 * What it cannot see: events appended after the last checkpoint by someone who can compute hashes
 * (a chain proves order and integrity, not completeness of its tail); `expectedHead`, taken from an
 * independent copy such as the IT gateway's ingest, closes that gap.
 */
import { fromBase64Url } from '../crypto/encoding.js';
import { verifyObject } from '../crypto/signing.js';
import {
  checkpointSigningInput,
  computeEventHash,
  GENESIS_HASH,
  type AuditEvent,
  type Checkpoint,
} from './audit-event.js';
import { omitUndefined } from '../omit-undefined.js';

export type ChainProblemKind =
  | 'hash_mismatch'
  | 'broken_link'
  | 'gap'
  | 'out_of_order'
  | 'checkpoint_mismatch'
  | 'bad_checkpoint'
  | 'truncated';

export interface ChainProblem {
  readonly kind: ChainProblemKind;
  readonly seq: number;
  readonly message: string;
}

export interface ChainVerification {
  readonly ok: boolean;
  readonly events: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  readonly headHash: string;
  readonly checkpointsVerified: number;
  readonly problem?: ChainProblem;
}

export interface VerifyChainOptions {
  /** Trusted Ed25519 public key of the gateway that signs the checkpoints. */
  readonly publicKey: Uint8Array;
  /**
   * Where the events start: by default the chain's beginning (seq 1 after the genesis hash). For a
   * range (an export), the seq and hash of the event just before the first one given.
   */
  readonly anchor?: { readonly seq: number; readonly hash: string };
  /** If known from elsewhere, the chain must reach exactly this head. */
  readonly expectedHead?: { readonly seq: number; readonly hash: string };
}

/** Whether a checkpoint's signature is valid under `publicKey` (never throws). */
export function isCheckpointSignedBy(c: Checkpoint, publicKey: Uint8Array): boolean {
  const sig = fromBase64Url(c.signature, 64);
  return sig.ok && verifyObject(sig.value, checkpointSigningInput(c), publicKey);
}

/**
 * The same verification, fed one event at a time, for sources that cannot be read as a synchronous
 * iterable (an export bundle streamed out of a tar.gz). `push` returns false once a problem was
 * found (further events are ignored); `finish` judges the checkpoints beyond the last event and the
 * expected head, and returns the result. `verifyChain` is this class in a loop: there is one verifier.
 */
export class ChainVerifier {
  private readonly options: VerifyChainOptions;
  private readonly pending: readonly Checkpoint[];
  private cpIndex = 0;
  private prevSeq: number;
  private prevHash: string;
  private count = 0;
  private firstSeq: number | null = null;
  private verified = 0;
  private problem: ChainProblem | undefined;
  private finished: ChainVerification | undefined;

  constructor(checkpoints: Iterable<Checkpoint>, options: VerifyChainOptions) {
    this.options = options;
    const anchor = options.anchor ?? { seq: 0, hash: GENESIS_HASH };
    this.prevSeq = anchor.seq;
    this.prevHash = anchor.hash;
    this.pending = [...checkpoints].filter((c) => c.seq > anchor.seq).sort((a, b) => a.seq - b.seq);
  }

  /**
   * Checks the next event; false once the chain is broken (the problem is kept for `finish`).
   * `contentHash` is the BLAKE2b of the event's canonical hash input when the caller already has it
   * from the exact bytes it parsed the event from (an export line); otherwise it is recomputed.
   */
  push(e: AuditEvent, contentHash?: string): boolean {
    if (this.problem !== undefined || this.finished !== undefined) return false;
    this.problem = this.check(e, contentHash);
    return this.problem === undefined;
  }

  /**
   * Events fromSeq..toSeq are withheld: not disclosed to this reader (another site's events in a
   * per-site export). Nothing proves what they held; the chain continues from `lastHash`, the hash
   * the holder says the last of them had, and the next event must link to it. Checkpoints inside
   * the span are checked for their signature only; one at `toSeq` must also match `lastHash`.
   */
  skip(fromSeq: number, toSeq: number, lastHash: string): boolean {
    if (this.problem !== undefined || this.finished !== undefined) return false;
    if (fromSeq <= this.prevSeq || toSeq < fromSeq) {
      this.problem = {
        kind: 'out_of_order',
        seq: fromSeq,
        message: `withheld events ${fromSeq}..${toSeq} come after event ${this.prevSeq}: out of order or repeated`,
      };
      return false;
    }
    if (fromSeq !== this.prevSeq + 1) {
      this.problem = {
        kind: 'gap',
        seq: this.prevSeq + 1,
        message: `events ${this.prevSeq + 1}..${fromSeq - 1} are missing (neither given nor declared withheld)`,
      };
      return false;
    }
    while (this.cpIndex < this.pending.length) {
      const c = this.pending[this.cpIndex];
      if (c === undefined || c.seq > toSeq) break;
      this.cpIndex++;
      const bad = this.checkSignature(c);
      if (bad !== undefined) {
        this.problem = bad;
        return false;
      }
      if (c.seq === toSeq && c.hash !== lastHash) {
        this.problem = {
          kind: 'checkpoint_mismatch',
          seq: c.seq,
          message: `signed checkpoint at event ${c.seq} does not match the hash declared for withheld events ${fromSeq}..${toSeq}`,
        };
        return false;
      }
    }
    this.prevSeq = toSeq;
    this.prevHash = lastHash;
    return true;
  }

  /** The hash the next event must link to (the anchor's, or the last accepted event's). */
  get expectedPrevHash(): string {
    return this.prevHash;
  }

  finish(): ChainVerification {
    this.finished ??= this.result(this.problem ?? this.checkEnd());
    return this.finished;
  }

  private result(problem?: ChainProblem): ChainVerification {
    return {
      ok: problem === undefined,
      events: this.count,
      firstSeq: this.firstSeq,
      lastSeq: this.count === 0 ? null : this.prevSeq,
      headHash: this.prevHash,
      checkpointsVerified: this.verified,
      ...omitUndefined({ problem }),
    };
  }

  private checkSignature(c: Checkpoint): ChainProblem | undefined {
    if (!isCheckpointSignedBy(c, this.options.publicKey)) {
      return {
        kind: 'bad_checkpoint',
        seq: c.seq,
        message: `checkpoint at event ${c.seq} is not signed by the trusted gateway key (forged or altered)`,
      };
    }
    return undefined;
  }

  private check(e: AuditEvent, contentHash: string | undefined): ChainProblem | undefined {
    const { prevSeq, prevHash } = this;
    if (e.seq <= prevSeq) {
      return {
        kind: 'out_of_order',
        seq: e.seq,
        message: `event ${e.seq} comes after event ${prevSeq}: events are out of order or repeated`,
      };
    }
    // Checkpoints that fall in a gap are judged when the gap is reported.
    if (e.seq !== prevSeq + 1) {
      const missing =
        e.seq - prevSeq - 1 === 1
          ? `event ${prevSeq + 1} is`
          : `events ${prevSeq + 1}..${e.seq - 1} are`;
      return {
        kind: 'gap',
        seq: prevSeq + 1,
        message: `${missing} missing before event ${e.seq} (deleted, or moved out of order)`,
      };
    }
    const recomputed = contentHash ?? computeEventHash(e);
    if (recomputed !== e.hash) {
      return {
        kind: 'hash_mismatch',
        seq: e.seq,
        message: `event ${e.seq} does not match its hash: it was edited, renumbered, or shifted by an insertion`,
      };
    }
    if (e.prevHash !== prevHash) {
      return {
        kind: 'broken_link',
        seq: e.seq,
        message: `event ${e.seq} does not follow event ${prevSeq}: an event was replaced, inserted or moved here`,
      };
    }
    this.firstSeq ??= e.seq;
    this.count++;
    this.prevSeq = e.seq;
    this.prevHash = e.hash;

    while (this.cpIndex < this.pending.length) {
      const c = this.pending[this.cpIndex];
      if (c === undefined || c.seq > e.seq) break;
      this.cpIndex++;
      const bad = this.checkSignature(c);
      if (bad !== undefined) return bad;
      if (c.seq === e.seq && c.hash !== e.hash) {
        return {
          kind: 'checkpoint_mismatch',
          seq: c.seq,
          message: `signed checkpoint at event ${c.seq} does not match the chain: events up to ${c.seq} were rewritten after it was signed`,
        };
      }
      this.verified++;
    }
    return undefined;
  }

  private checkEnd(): ChainProblem | undefined {
    const { prevSeq, prevHash } = this;
    // Checkpoints beyond the last event: either forged, or proof that the tail was cut off.
    for (; this.cpIndex < this.pending.length; this.cpIndex++) {
      const c = this.pending[this.cpIndex];
      if (c === undefined) continue;
      const bad = this.checkSignature(c);
      if (bad !== undefined) return bad;
      return {
        kind: 'truncated',
        seq: prevSeq + 1,
        message: `the log ends at event ${prevSeq} but a signed checkpoint covers event ${c.seq}: events were removed from the end`,
      };
    }
    const head = this.options.expectedHead;
    if (head !== undefined) {
      if (prevSeq < head.seq) {
        return {
          kind: 'truncated',
          seq: prevSeq + 1,
          message: `the log ends at event ${prevSeq} but event ${head.seq} is known to exist: events were removed from the end`,
        };
      }
      if (prevSeq === head.seq && prevHash !== head.hash) {
        return {
          kind: 'hash_mismatch',
          seq: prevSeq,
          message: `event ${prevSeq} differs from the independently known head of the chain`,
        };
      }
    }
    return undefined;
  }
}

export function verifyChain(
  events: Iterable<AuditEvent>,
  checkpoints: Iterable<Checkpoint>,
  options: VerifyChainOptions,
): ChainVerification {
  const verifier = new ChainVerifier(checkpoints, options);
  for (const e of events) {
    if (!verifier.push(e)) break;
  }
  return verifier.finish();
}
