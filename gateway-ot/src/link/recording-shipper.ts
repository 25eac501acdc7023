/**
 * Store and forward of session recordings, OT end: the recording files are the outbox (never
 * copied or deleted to be shipped); the only shipping state is, per recording, how many bytes the
 * IT side acknowledged, kept by the recording store. One chunk is in flight at a time over the
 * control link; the IT side answers each with the length it holds durably and the shipper continues
 * from exactly there, so a lost chunk or ack, a dropped link or an IT restart resumes without a gap
 * or a duplicate. Live recordings are shipped as they grow; a closed one ends with a chunk carrying
 * its size and SHA-256 (the one in this gateway's `recording.close` audit event), which the IT side
 * checks. A refusal from the IT side (hash or size mismatch) stops shipping that recording and is
 * logged; the file stays here, authoritative.
 */
import {
  MAX_RECORDING_CHUNK_BYTES,
  type RecordingAck,
  type RecordingChunk,
  type RecordingReject,
} from '../../../shared/src/link/control-messages.js';
import type { Logger } from '../../../shared/src/log.js';
import type { RecordingOutbox } from '../recording/recording.js';

export class RecordingShipper {
  private inFlight: string | undefined;

  constructor(
    private readonly deps: { outbox: RecordingOutbox; log: Logger; maxChunkBytes?: number },
  ) {}

  /** A new connection: nothing is in flight on it. */
  reset(): void {
    this.inFlight = undefined;
  }

  /** The next chunk to send, or undefined (one in flight, or nothing new). */
  next(): RecordingChunk | undefined {
    if (this.inFlight !== undefined) return undefined;
    const max = Math.min(
      this.deps.maxChunkBytes ?? MAX_RECORDING_CHUNK_BYTES,
      MAX_RECORDING_CHUNK_BYTES,
    );
    for (const r of this.deps.outbox.unsent()) {
      const closed = r.sha256 !== null;
      if (r.acknowledged >= r.size && !closed) continue;
      const data =
        r.acknowledged < r.size
          ? this.deps.outbox.read(r.sessionId, r.acknowledged, max)
          : new Uint8Array(0);
      const end = r.acknowledged + data.length;
      const final =
        closed && end >= r.size && r.sha256 !== null ? { size: r.size, sha256: r.sha256 } : null;
      this.inFlight = r.sessionId;
      return {
        type: 'recording.chunk',
        sessionId: r.sessionId,
        asset: r.asset,
        user: r.user,
        startedAt: r.startedAt,
        offset: r.acknowledged,
        data: Buffer.from(data.buffer, data.byteOffset, data.length).toString('base64'),
        final,
      };
    }
    return undefined;
  }

  /** The IT side's answer to the chunk in flight (or a late one from before a reconnect). */
  answered(m: RecordingAck | RecordingReject): void {
    if (this.inFlight === m.sessionId) this.inFlight = undefined;
    if (m.type === 'recording.ack') {
      this.deps.outbox.acknowledge(m.sessionId, m.held, m.complete);
      return;
    }
    this.deps.log.error(
      'the IT gateway refused a recording; it stays here and is no longer shipped',
      { sessionId: m.sessionId, problem: m.problem, reason: m.reason },
    );
    this.deps.outbox.refused(m.sessionId, m.problem, m.reason);
  }
}
