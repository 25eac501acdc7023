/**
 * Store and forward of session recordings, IT end. A site's OT gateway sends each recording as
 * ordered chunks (`recording.chunk`, byte offset + data); this service writes each at its offset in
 * dataDir/recordings/<site>/<session>.cast, syncs the file, then records the new length, and only
 * then answers with what it holds (`recording.ack`). So an acknowledged byte is on disk; a chunk at
 * another offset than the held length (a resend, a lost ack, a link that dropped) is answered with
 * the held length and the site continues from there: resumable, and nothing written twice.
 *
 * With the last chunk the site gives the size and SHA-256; the file's own SHA-256 must match it and
 * must match the hash in the site's audit chain (`recording.close`, ingested by OtAuditIngest). If
 * that event has not arrived yet the recording is `complete` and is verified when it does
 * (`verifyPending`). Any mismatch rejects the recording (kept for investigation, never played),
 * tells the site to stop sending it, and is audited. Status changes and their audit event commit
 * together ("no audit, no action"). Not guaranteed here: anything about the content (the OT
 * gateway is the authority for what was recorded).
 */
import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { createSha256 } from '../../../shared/src/crypto/hash.js';
import type {
  RecordingAck,
  RecordingChunk,
  RecordingReject,
} from '../../../shared/src/link/control-messages.js';
import type { Logger } from '../../../shared/src/log.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { RecordingRow, RecordingStatus, RecordingStore } from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

/** The largest recording the IT side accepts (a site sending more is refused, not trusted). */
export const MAX_RECORDING_BYTES = 1024 * 1024 * 1024;

export interface RecordingIngestDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly store: RecordingStore;
  readonly clock: Clock;
  readonly log: Logger;
  /** dataDir/recordings */
  readonly dir: string;
}

export interface RecordingPeer {
  readonly site: string;
  readonly gatewayId: string;
}

export type ChunkReply = RecordingAck | RecordingReject;

export class RecordingIngest {
  constructor(private readonly deps: RecordingIngestDeps) {}

  /** Where a session's recording file lives (session ids are [A-Za-z0-9_-], checked by the link codec). */
  pathOf(site: string, sessionId: string): string {
    return join(this.deps.dir, site, `${sessionId}.cast`);
  }

  ingest(peer: RecordingPeer, m: RecordingChunk): ChunkReply {
    const { store } = this.deps;
    const reject = (problem: string, reason: string): RecordingReject => ({
      type: 'recording.reject',
      sessionId: m.sessionId,
      problem,
      reason,
    });
    const ack = (held: number, complete: boolean): RecordingAck => ({
      type: 'recording.ack',
      sessionId: m.sessionId,
      held,
      complete,
    });
    const row = store.get(m.sessionId);
    if (row !== undefined && row.site !== peer.site) {
      this.auditOutcome(peer.site, m.sessionId, m.asset, 'denied', {
        problem: 'wrong_site',
        owner: row.site,
      });
      return reject('wrong_site', `session ${m.sessionId} belongs to another site`);
    }
    if (row?.status === 'rejected')
      return reject(row.problem ?? 'rejected', 'this recording was refused earlier');
    if (row !== undefined && row.status !== 'receiving') return ack(row.heldBytes, true);
    const held = row?.heldBytes ?? 0;
    if (m.offset !== held) return ack(held, false);
    const data = Buffer.from(m.data, 'base64');
    const end = held + data.length;
    if (end > MAX_RECORDING_BYTES)
      return this.finishRejected(
        peer,
        m,
        end,
        '',
        'too_large',
        `a recording may hold at most ${MAX_RECORDING_BYTES} bytes`,
      );
    if (row === undefined)
      store.create({
        sessionId: m.sessionId,
        site: peer.site,
        gatewayId: peer.gatewayId,
        asset: m.asset,
        userName: m.user,
        startedAt: m.startedAt,
        now: this.deps.clock.now(),
      });
    if (data.length > 0 || row === undefined) {
      this.writeAt(peer.site, m.sessionId, held, data);
      store.setHeld(m.sessionId, end);
    }
    if (m.final === null) return ack(end, false);
    if (m.final.size !== end)
      return this.finishRejected(
        peer,
        m,
        end,
        '',
        'size_mismatch',
        `the site announced ${m.final.size} bytes; ${end} arrived`,
      );
    const sha256 = this.hashFile(peer.site, m.sessionId, end);
    if (sha256 !== m.final.sha256)
      return this.finishRejected(
        peer,
        m,
        end,
        sha256,
        'hash_mismatch',
        "the SHA-256 of the received file differs from the site's",
      );
    const audited = store.auditedHash(peer.site, m.sessionId);
    if (audited !== undefined && audited !== sha256)
      return this.finishRejected(
        peer,
        m,
        end,
        sha256,
        'audit_hash_mismatch',
        "the SHA-256 differs from the one in the site's audit chain",
      );
    const status: RecordingStatus = audited === undefined ? 'complete' : 'verified';
    writeTransaction(this.deps.db, () => {
      store.finish(m.sessionId, status, end, sha256, null, this.deps.clock.now());
      this.auditOutcome(peer.site, m.sessionId, m.asset, 'success', {
        bytes: end,
        sha256,
        auditChain: audited === undefined ? 'pending' : 'matched',
      });
    })();
    return ack(end, true);
  }

  /**
   * Checks complete recordings of a site against its audit chain, once their `recording.close`
   * events have been ingested (called after each audit batch). Returns how many changed state.
   */
  verifyPending(site: string): number {
    const { store } = this.deps;
    let changed = 0;
    for (const r of store.withStatus('complete')) {
      if (r.site !== site) continue;
      const audited = store.auditedHash(site, r.sessionId);
      if (audited === undefined) continue;
      const ok = audited === r.sha256;
      writeTransaction(this.deps.db, () => {
        store.setStatus(
          r.sessionId,
          ok ? 'verified' : 'rejected',
          ok ? null : 'audit_hash_mismatch',
        );
        this.auditOutcome(site, r.sessionId, r.asset, ok ? 'success' : 'failure', {
          bytes: r.size,
          sha256: r.sha256,
          auditChain: ok ? 'matched' : 'mismatch',
          ...(ok ? {} : { audited }),
        });
      })();
      if (!ok)
        this.deps.log.error("a recording does not match the hash in its site's audit chain", {
          site,
          sessionId: r.sessionId,
        });
      changed++;
    }
    return changed;
  }

  /** The recording row, for the portal. */
  get(sessionId: string): RecordingRow | undefined {
    return this.deps.store.get(sessionId);
  }

  private finishRejected(
    peer: RecordingPeer,
    m: RecordingChunk,
    size: number,
    sha256: string,
    problem: string,
    reason: string,
  ): RecordingReject {
    const { store } = this.deps;
    writeTransaction(this.deps.db, () => {
      if (store.get(m.sessionId) === undefined)
        store.create({
          sessionId: m.sessionId,
          site: peer.site,
          gatewayId: peer.gatewayId,
          asset: m.asset,
          userName: m.user,
          startedAt: m.startedAt,
          now: this.deps.clock.now(),
        });
      store.finish(m.sessionId, 'rejected', size, sha256, problem, this.deps.clock.now());
      this.auditOutcome(peer.site, m.sessionId, m.asset, 'failure', {
        problem,
        reason,
        bytes: size,
        sha256: sha256 === '' ? null : sha256,
        claimed: m.final?.sha256 ?? null,
      });
    })();
    this.deps.log.error('recording refused', { site: peer.site, sessionId: m.sessionId, problem });
    return { type: 'recording.reject', sessionId: m.sessionId, problem, reason };
  }

  private auditOutcome(
    site: string,
    sessionId: string,
    asset: string,
    outcome: 'success' | 'failure' | 'denied',
    details: Record<string, unknown>,
  ): void {
    this.deps.audit.append({
      action: 'recording.receive',
      actor: `gateway:${site}`,
      site,
      target: asset,
      outcome,
      details: { sessionId, ...details },
    });
  }

  /** Writes `data` at `offset` (dropping anything past it from an interrupted write) and syncs. */
  private writeAt(site: string, sessionId: string, offset: number, data: Buffer): void {
    mkdirSync(join(this.deps.dir, site), { recursive: true, mode: 0o750 });
    const fd = openSync(this.pathOf(site, sessionId), offset === 0 ? 'w' : 'r+', 0o640);
    try {
      ftruncateSync(fd, offset);
      let done = 0;
      while (done < data.length)
        done += writeSync(fd, data, done, data.length - done, offset + done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private hashFile(site: string, sessionId: string, size: number): string {
    const h = createSha256();
    const fd = openSync(this.pathOf(site, sessionId), 'r');
    try {
      const buf = Buffer.alloc(1024 * 1024);
      let pos = 0;
      while (pos < size) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
        if (n === 0) break;
        h.update(buf.subarray(0, n));
        pos += n;
      }
    } finally {
      closeSync(fd);
    }
    return h.digestHex();
  }
}
