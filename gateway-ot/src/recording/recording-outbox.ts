/**
 * The OT recording store seen as the outbox of the link's recording shipper. The store lists
 * closed recordings not yet acknowledged, reads slices of them, and records the final
 * acknowledgement (with the SHA-256 the IT side holds). How far a recording got before that is not
 * persisted here: the IT side says how much it holds in every answer, so after a restart the
 * shipper asks from 0 and is told where to continue (one round trip, nothing sent twice).
 * A recording the IT side refused is not offered again until this gateway restarts (it is then
 * refused again at once, and logged each time by the shipper).
 */

/** One recording not yet fully acknowledged by the IT side. */
export interface ShippableRecording {
  readonly sessionId: string;
  readonly asset: string;
  readonly user: string;
  readonly startedAt: number;
  /** Bytes in the file now (it grows while the session is live). */
  readonly size: number;
  /** Set once the recording is closed: its SHA-256, as in the audit chain. */
  readonly sha256: string | null;
  /** Bytes the IT side acknowledged holding. */
  readonly acknowledged: number;
}

/** The recordings as the link's shipper (link/recording-shipper.ts) sees them: its outbox. */
export interface RecordingOutbox {
  /** Recordings not completely acknowledged and not refused, oldest first. */
  unsent(): readonly ShippableRecording[];
  /** Up to `maxBytes` of the file from `offset` (fewer at its end). */
  read(sessionId: string, offset: number, maxBytes: number): Uint8Array;
  /** The IT side holds `held` bytes; `complete`: all of it, verified, nothing more to send. */
  acknowledge(sessionId: string, held: number, complete: boolean): void;
  /** The IT side refused this recording for good. */
  refused(sessionId: string, problem: string, reason: string): void;
}

/** What this needs of the recording store. */
export interface RecordingsForShipping {
  listUnsent(limit?: number): readonly {
    id: string;
    sessionId: string;
    asset: string;
    user: string;
    startedAt: number;
    sha256: string | null;
    bytes: number | null;
  }[];
  readChunk(id: string, offset: number, maxBytes: number): Uint8Array;
  markAcknowledged(id: string, sha256: string): void;
}

export function recordingOutboxOf(recordings: RecordingsForShipping): RecordingOutbox {
  const held = new Map<string, number>();
  const refused = new Set<string>();
  const idOf = new Map<string, { id: string; sha256: string | null }>();
  return {
    unsent(): ShippableRecording[] {
      const out: ShippableRecording[] = [];
      for (const r of recordings.listUnsent()) {
        if (refused.has(r.sessionId) || r.sha256 === null || r.bytes === null) continue;
        idOf.set(r.sessionId, { id: r.id, sha256: r.sha256 });
        out.push({
          sessionId: r.sessionId,
          asset: r.asset,
          user: r.user,
          startedAt: r.startedAt,
          size: r.bytes,
          sha256: r.sha256,
          acknowledged: held.get(r.sessionId) ?? 0,
        });
      }
      return out;
    },
    read(sessionId, offset, maxBytes) {
      const r = idOf.get(sessionId);
      return r === undefined ? new Uint8Array(0) : recordings.readChunk(r.id, offset, maxBytes);
    },
    acknowledge(sessionId, bytes, complete) {
      held.set(sessionId, bytes);
      const r = idOf.get(sessionId);
      if (!complete || r === undefined || r.sha256 === null) return;
      recordings.markAcknowledged(r.id, r.sha256);
      held.delete(sessionId);
      idOf.delete(sessionId);
    },
    refused(sessionId) {
      // The shipper has logged it; the file stays here, authoritative.
      refused.add(sessionId);
    },
  };
}
