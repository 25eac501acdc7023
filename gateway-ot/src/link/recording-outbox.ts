/**
 * The OT recording store (gateway-ot/src/recording/) seen as the shipper's outbox. The store lists
 * closed recordings not yet acknowledged, reads slices of them, and records the final
 * acknowledgement (with the SHA-256 the IT side holds). How far a recording got before that is not
 * persisted here: the IT side says how much it holds in every answer, so after a restart the
 * shipper asks from 0 and is told where to continue (one round trip, nothing sent twice).
 * A recording the IT side refused is not offered again until this gateway restarts (it is then
 * refused again at once, and logged each time by the shipper).
 */
import type { RecordingOutbox, ShippableRecording } from './recording-shipper.js';

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
