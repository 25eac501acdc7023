/**
 * How the exporter writes a bundle file: bytes go into a 1 MiB buffer (lines are encoded, or written
 * byte by byte, in place), and each full buffer is SHA-256-hashed raw and handed to a gzip stream
 * that compresses it on the thread pool into a temp file holding one gzip member (member-tar-gz.ts
 * packs those members into the bundle).
 *
 * Guarantees: `end` gives the SHA-256 and size of exactly the bytes written, in order, once the
 * member is on disk. Handing a buffer over never waits: up to `IN_FLIGHT` bytes may wait for the
 * compressor, and `pressure()` says when the writer should wait before writing more (bounded memory:
 * a file holds at most its buffer, one more buffer, and `IN_FLIGHT`). Waiting for the compressor after
 * every buffer left the exporting thread idle a fifth of the time (profiled), and rendering and
 * compressing overlap only if neither waits for the other. Not guaranteed: atomicity (the caller
 * removes its temp files on failure).
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createGzip, type ZlibOptions } from 'node:zlib';
import type { ByteSink } from '../../../shared/src/export/event-formats-bytes.js';
import { BUNDLE_GZIP } from './member-tar-gz.js';

/** Bytes that may wait for a file's compressor before its writer is asked to wait. */
const IN_FLIGHT = 4 << 20;
/** Buffers kept for reuse per file (as many as can be in flight, and one more). */
const SPARE_BUFFERS = 6;

/** A file being written raw-hashed and gzip-compressed (one member), with backpressure. */
export class CompressedPart {
  // A large output buffer: each filled buffer is a round trip between the thread pool and this
  // thread (profiled: with the default 16 KiB, zlib's callbacks took a sixth of an export's time).
  // highWaterMark (passed on to the stream; not in ZlibOptions' type) bounds the bytes in flight.
  private readonly gz = createGzip({
    ...BUNDLE_GZIP,
    chunkSize: 256 * 1024,
    highWaterMark: IN_FLIGHT,
  } as ZlibOptions);
  private readonly out: WriteStream;
  private readonly sha: Hash = createHash('sha256');
  private readonly finished: Promise<void>;
  bytes = 0;

  constructor(readonly path: string) {
    this.out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.gz.pipe(this.out);
    this.finished = new Promise<void>((resolve, reject) => {
      this.out.on('finish', resolve);
      this.out.on('error', reject);
      this.gz.on('error', reject);
    });
    this.finished.catch(() => undefined); // awaited in `end`; errors also end `drained`
  }

  /**
   * Hashes `chunk` and hands it to the compressor, which keeps it until it calls `consumed` (do not
   * reuse it before); false when the compressor is `IN_FLIGHT` behind: wait for `drained()` before
   * pushing more.
   */
  push(chunk: Buffer, consumed?: () => void): boolean {
    this.sha.update(chunk);
    this.bytes += chunk.length;
    return this.gz.write(chunk, consumed);
  }

  /** Resolves when the compressor has caught up (or the file failed: `end` then rejects). */
  drained(): Promise<void> {
    if (!this.gz.writableNeedDrain) return Promise.resolve();
    return Promise.race([
      new Promise<void>((resolve) => this.gz.once('drain', resolve)),
      this.finished,
    ]);
  }

  /** `push`, then wait if the compressor is behind. */
  async write(chunk: Buffer): Promise<void> {
    if (!this.push(chunk)) await this.drained();
  }

  /** SHA-256 and size of the raw content, once the member is on disk. */
  async end(): Promise<{ sha256: string; bytes: number }> {
    this.gz.end();
    await this.finished;
    return { sha256: this.sha.digest('hex'), bytes: this.bytes };
  }
}

/**
 * A temp file (one gzip member) written through a 1 MiB byte buffer, hashed raw. It is a ByteSink
 * (event-formats-bytes.ts): renderers write into `buf` at `used` after `reserve`. Lines given as
 * text are encoded in place: joining them into a string first and encoding that cost an export a
 * tenth of its time (profiled).
 */
export class HashedFile implements ByteSink {
  static readonly SIZE = 1 << 20;
  private readonly part: CompressedPart;
  private behind = false;
  /**
   * Buffers the compressor is done with, for reuse: a new 1 MiB buffer per handover (a gigabyte of
   * them for a million events) is memory outside the JavaScript heap that V8 answers with full
   * garbage collections.
   */
  private readonly spare: Buffer[] = [];
  buf: Buffer = Buffer.allocUnsafe(HashedFile.SIZE);
  used = 0;

  constructor(readonly path: string) {
    this.part = new CompressedPart(path);
  }

  /** Room for `n` more bytes at `used`, handing the full buffer over if needed; false if `n` never fits. */
  reserve(n: number): boolean {
    if (n > HashedFile.SIZE) return false;
    if (this.used + n > HashedFile.SIZE) this.handOver();
    return true;
  }

  /** Adds text (UTF-8). Check `pressure()` now and then. */
  write(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.reserve(text.length * 3)) this.used += this.buf.write(text, this.used, 'utf8');
    else {
      this.handOver();
      this.behind = !this.part.push(Buffer.from(text, 'utf8')) || this.behind;
    }
  }

  /** A promise to await before writing more when the compressor is behind; undefined (the common case) when it is not. */
  pressure(): Promise<void> | undefined {
    if (!this.behind) return undefined;
    this.behind = false;
    return this.part.drained();
  }

  async end(): Promise<{ sha256: string; bytes: number }> {
    this.handOver();
    return this.part.end();
  }

  private handOver(): void {
    if (this.used === 0) return;
    // The compressor keeps the chunk until it is done with it: hand it over, go on in another.
    const full = this.buf;
    const chunk = full.subarray(0, this.used);
    this.buf = this.spare.pop() ?? Buffer.allocUnsafe(HashedFile.SIZE);
    this.used = 0;
    const consumed = (): void => {
      if (this.spare.length < SPARE_BUFFERS) this.spare.push(full);
    };
    if (!this.part.push(chunk, consumed)) this.behind = true;
  }
}
