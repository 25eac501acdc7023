/**
 * Session recordings as asciicast v2 files (https://docs.asciinema.org/manual/asciicast/v2/):
 * a JSON header line, then one `[seconds, "o"|"i"|"r", data]` line per event, written to the file
 * as it happens (one write per event, so a killed process loses nothing the kernel accepted) and
 * fsynced at least every second of the injected clock and at close. The periodic fsync runs on
 * libuv's thread pool, never on the event loop: with hundreds of live sessions one synchronous
 * fsync per session per second held every session's keystroke echo (500 sessions: echo p50
 * 325 ms, p99 1.4 s at a few percent CPU). Only the fsync at close is synchronous, because the
 * hash audited there must be of bytes already durable. At close the file's SHA-256
 * goes into the audit chain (`recording.close`) with the recording's row in one transaction.
 * At start, recordings left open by a crash are recovered: cut after the last complete line (a
 * partial last line is dropped), hashed, closed and audited, so they still play.
 *
 * Store and forward to the IT side: `listUnsent`, `readChunk`, `markAcknowledged` (the link ships
 * them; this module does not). A recording is never deleted here.
 *
 * Not guaranteed: power loss can lose up to the last second (the fsync interval). Files are 0600.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  fstatSync,
  writeSync,
  readFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { RecordingRow, RecordingStore } from '../store/store.js';
import { recordingOutboxOf, type RecordingOutbox } from './recording-outbox.js';
import { capStreamOutput } from './stream-output-cap.js';

export interface RecordingMeta {
  readonly sessionId: string;
  readonly asset: string;
  readonly user: string;
  readonly cols: number;
  readonly rows: number;
  readonly term?: string;
  readonly title: string;
}

export interface RecordingClosed {
  readonly id: string;
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface SessionRecorder {
  readonly id: string;
  readonly file: string;
  output(data: Buffer | string): void;
  input(data: Buffer | string): void;
  resize(cols: number, rows: number): void;
  /** Flushes, fsyncs, hashes and audits; idempotent. */
  close(): RecordingClosed;
}

export interface Recordings {
  start(meta: RecordingMeta): SessionRecorder;
  /**
   * For a byte stream rather than a terminal (exec without a pty): output past the first MiB is
   * kept as its byte count and SHA-256, not as text (stream-output-cap.ts says why).
   */
  startStream(meta: RecordingMeta): SessionRecorder;
  /** Closes recordings left open by a crash; call once at start, before any session. */
  recover(): RecordingClosed[];
  /** Closed recordings the IT side has not acknowledged yet, oldest first. */
  listUnsent(limit?: number): RecordingRow[];
  /** Up to `maxBytes` of a closed recording from `offset` (empty at the end). */
  readChunk(id: string, offset: number, maxBytes: number): Buffer;
  /** The IT side holds a copy whose SHA-256 is `sha256`; it must match the audited hash. */
  markAcknowledged(id: string, sha256: string): void;
  /** The closed recordings as the link's shipper takes them (one view per gateway). */
  readonly outbox: RecordingOutbox;
}

export interface RecordingsDeps {
  readonly store: RecordingStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly site: string;
  /** Directory for the files (created 0700). */
  readonly dir: string;
  /** fsync interval, in the clock's ms. Default 1000. */
  readonly syncIntervalMs?: number;
}

const MAX_CHUNK = 1024 * 1024;

export function createRecordings(deps: RecordingsDeps): Recordings {
  const { store } = deps;
  const actor = `system:ot:${deps.site}`;
  mkdirSync(deps.dir, { recursive: true, mode: 0o700 });

  const audited = (
    row: Pick<RecordingRow, 'id' | 'sessionId' | 'asset' | 'startedAt'>,
    state: 'closed' | 'recovered',
    sha256: string,
    bytes: number,
    extra: Record<string, unknown>,
  ): void => {
    store.atomically(() => {
      store.close(row.id, state, deps.clock.now(), sha256, bytes);
      deps.audit.append({
        action: 'recording.close',
        actor,
        site: deps.site,
        target: row.asset,
        outcome: 'success',
        details: {
          recordingId: row.id,
          sessionId: row.sessionId,
          sha256,
          bytes,
          durationMs: deps.clock.now() - row.startedAt,
          recovered: state === 'recovered',
          ...extra,
        },
      });
    });
  };

  const recordings: Omit<Recordings, 'outbox'> = {
    start(meta) {
      const id = deps.ids.next('rec');
      const file = join(deps.dir, `${id}.cast`);
      const startedAt = deps.clock.now();
      const fd = openSync(file, 'wx', 0o600);
      const hash = createHash('sha256');
      let bytes = 0;
      let dirty = false;
      let closed: RecordingClosed | undefined;
      const write = (line: string): void => {
        const b = Buffer.from(`${line}\n`, 'utf8');
        writeSync(fd, b);
        hash.update(b);
        bytes += b.length;
        dirty = true;
      };
      const header = {
        version: 2,
        width: Math.max(1, meta.cols),
        height: Math.max(1, meta.rows),
        timestamp: Math.floor(startedAt / 1000),
        title: meta.title,
        env: { TERM: meta.term ?? 'xterm', SHELL: '/bin/sh' },
      };
      store.insert({
        id,
        sessionId: meta.sessionId,
        asset: meta.asset,
        user: meta.user,
        file,
        startedAt,
      });
      // At most one fsync of this file is on the thread pool at a time; the descriptor is closed
      // only once none is (a closed descriptor's number can be reused by another file at once).
      let syncing = false;
      let closeWhenSynced = false;
      const syncSoon = (): void => {
        if (!dirty || syncing || closed !== undefined) return;
        dirty = false;
        syncing = true;
        fsync(fd, (e) => {
          syncing = false;
          // A failed fsync is tried again at the next interval; a lasting failure surfaces at
          // close, whose synchronous fsync throws.
          if (e !== null) dirty = true;
          if (closeWhenSynced) closeSync(fd);
        });
      };
      write(JSON.stringify(header));
      syncSoon();
      const timer: TimerHandle = deps.clock.setInterval(syncSoon, deps.syncIntervalMs ?? 1000);
      const decoders = { o: new StringDecoder('utf8'), i: new StringDecoder('utf8') };
      const at = (): number => Math.round(deps.clock.now() - startedAt) / 1000;
      const event = (code: 'o' | 'i', data: Buffer | string): void => {
        if (closed !== undefined) return;
        const text = typeof data === 'string' ? data : decoders[code].write(data);
        if (text.length > 0) write(JSON.stringify([at(), code, text]));
      };
      return {
        id,
        file,
        output: (d) => event('o', d),
        input: (d) => event('i', d),
        resize(cols, rows) {
          if (closed === undefined) write(JSON.stringify([at(), 'r', `${cols}x${rows}`]));
        },
        close() {
          if (closed !== undefined) return closed;
          for (const code of ['o', 'i'] as const) {
            const rest = decoders[code].end();
            if (rest.length > 0) write(JSON.stringify([at(), code, rest]));
          }
          timer.cancel();
          fsyncSync(fd);
          if (syncing) closeWhenSynced = true;
          else closeSync(fd);
          const sha256 = hash.digest('hex');
          closed = { id, file, sha256, bytes };
          audited(
            { id, sessionId: meta.sessionId, asset: meta.asset, startedAt },
            'closed',
            sha256,
            bytes,
            {},
          );
          return closed;
        },
      };
    },
    startStream: (meta) => capStreamOutput(recordings.start(meta)),
    recover() {
      const out: RecordingClosed[] = [];
      for (const row of store.listOpen()) {
        let dropped = 0;
        if (!existsSync(row.file)) {
          // Nothing to play; recorded as recovered with the hash of an empty file so the gap is visible.
          audited(row, 'recovered', createHash('sha256').digest('hex'), 0, { missing: true });
          continue;
        }
        const fd = openSync(row.file, 'r+');
        try {
          const content = readFileSync(row.file);
          let keep = content.lastIndexOf(0x0a) + 1;
          dropped = content.length - keep;
          if (keep === 0) {
            // Not even the header survived: write one so the file is a valid (empty) recording.
            const header = Buffer.from(
              `${JSON.stringify({ version: 2, width: 80, height: 24, timestamp: Math.floor(row.startedAt / 1000) })}\n`,
            );
            ftruncateSync(fd, 0);
            writeSync(fd, header, 0, header.length, 0);
            keep = header.length;
          } else {
            ftruncateSync(fd, keep);
          }
          fsyncSync(fd);
          const final = readFileSync(row.file);
          const sha256 = createHash('sha256').update(final).digest('hex');
          audited(row, 'recovered', sha256, final.length, { droppedBytes: dropped });
          out.push({ id: row.id, file: row.file, sha256, bytes: final.length });
        } finally {
          closeSync(fd);
        }
      }
      return out;
    },
    listUnsent: (limit = 100) => store.listUnacked(Math.min(Math.max(1, limit), 1000)),
    readChunk(id, offset, maxBytes) {
      const row = store.get(id);
      if (row === undefined)
        throw new AirlockError('not_found', 'recording.unknown', `no recording ${id}`);
      if (row.state === 'open')
        throw new AirlockError(
          'conflict',
          'recording.open',
          `recording ${id} is still being written`,
        );
      const fd = openSync(row.file, 'r');
      try {
        const size = fstatSync(fd).size;
        const n = Math.max(0, Math.min(maxBytes, MAX_CHUNK, size - offset));
        const buf = Buffer.alloc(n);
        if (n > 0) readSync(fd, buf, 0, n, offset);
        return buf;
      } finally {
        closeSync(fd);
      }
    },
    markAcknowledged(id, sha256) {
      const row = store.get(id);
      if (row === undefined)
        throw new AirlockError('not_found', 'recording.unknown', `no recording ${id}`);
      if (row.sha256 !== sha256)
        throw new AirlockError(
          'conflict',
          'recording.hash_mismatch',
          `the IT copy of ${id} does not match the audited hash`,
        );
      store.ack(id, deps.clock.now());
    },
  };
  return { ...recordings, outbox: recordingOutboxOf(recordings) };
}
