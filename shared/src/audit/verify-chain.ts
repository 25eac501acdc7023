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
import { checkpointSigningInput, computeEventHash, GENESIS_HASH, type AuditEvent, type Checkpoint } from './audit-event.js';

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

export function verifyChain(events: Iterable<AuditEvent>, checkpoints: Iterable<Checkpoint>, options: VerifyChainOptions): ChainVerification {
  const anchor = options.anchor ?? { seq: 0, hash: GENESIS_HASH };
  const pending = [...checkpoints].filter((c) => c.seq > anchor.seq).sort((a, b) => a.seq - b.seq);
  let cpIndex = 0;
  let prevSeq = anchor.seq;
  let prevHash = anchor.hash;
  let count = 0;
  let firstSeq: number | null = null;
  let verified = 0;

  const result = (problem?: ChainProblem): ChainVerification => ({
    ok: problem === undefined,
    events: count,
    firstSeq,
    lastSeq: count === 0 ? null : prevSeq,
    headHash: prevHash,
    checkpointsVerified: verified,
    ...(problem === undefined ? {} : { problem }),
  });

  const checkSignature = (c: Checkpoint): ChainProblem | undefined => {
    const sig = fromBase64Url(c.signature, 64);
    if (!sig.ok || !verifyObject(sig.value, checkpointSigningInput(c), options.publicKey)) {
      return { kind: 'bad_checkpoint', seq: c.seq, message: `checkpoint at event ${c.seq} is not signed by the trusted gateway key (forged or altered)` };
    }
    return undefined;
  };

  for (const e of events) {
    if (e.seq <= prevSeq) {
      return result({ kind: 'out_of_order', seq: e.seq, message: `event ${e.seq} comes after event ${prevSeq}: events are out of order or repeated` });
    }
    // Checkpoints that fall in a gap are judged when the gap is reported.
    if (e.seq !== prevSeq + 1) {
      const missing = e.seq - prevSeq - 1 === 1 ? `event ${prevSeq + 1} is` : `events ${prevSeq + 1}..${e.seq - 1} are`;
      return result({ kind: 'gap', seq: prevSeq + 1, message: `${missing} missing (deleted)` });
    }
    const recomputed = computeEventHash(e);
    if (recomputed !== e.hash) {
      return result({ kind: 'hash_mismatch', seq: e.seq, message: `event ${e.seq} does not match its hash: it was edited, renumbered, or shifted by an insertion` });
    }
    if (e.prevHash !== prevHash) {
      return result({ kind: 'broken_link', seq: e.seq, message: `event ${e.seq} does not follow event ${prevSeq}: an event was replaced, inserted or moved here` });
    }
    firstSeq ??= e.seq;
    count++;
    prevSeq = e.seq;
    prevHash = e.hash;

    while (cpIndex < pending.length) {
      const c = pending[cpIndex];
      if (c === undefined || c.seq > e.seq) break;
      cpIndex++;
      const bad = checkSignature(c);
      if (bad !== undefined) return result(bad);
      if (c.seq === e.seq && c.hash !== e.hash) {
        return result({ kind: 'checkpoint_mismatch', seq: c.seq, message: `signed checkpoint at event ${c.seq} does not match the chain: events up to ${c.seq} were rewritten after it was signed` });
      }
      verified++;
    }
  }

  // Checkpoints beyond the last event: either forged, or proof that the tail was cut off.
  for (; cpIndex < pending.length; cpIndex++) {
    const c = pending[cpIndex];
    if (c === undefined) continue;
    const bad = checkSignature(c);
    if (bad !== undefined) return result(bad);
    return result({ kind: 'truncated', seq: prevSeq + 1, message: `the log ends at event ${prevSeq} but a signed checkpoint covers event ${c.seq}: events were removed from the end` });
  }
  const head = options.expectedHead;
  if (head !== undefined) {
    if (prevSeq < head.seq) {
      return result({ kind: 'truncated', seq: prevSeq + 1, message: `the log ends at event ${prevSeq} but event ${head.seq} is known to exist: events were removed from the end` });
    }
    if (prevSeq === head.seq && prevHash !== head.hash) {
      return result({ kind: 'hash_mismatch', seq: prevSeq, message: `event ${prevSeq} differs from the independently known head of the chain` });
    }
  }
  return result();
}
