/**
 * Reading a bundle (tar.gz) as a stream of entries, and an entry as a stream of lines, with bounded
 * memory: nothing is extracted to disk, only one chunk and one partial line are held at a time.
 * A corrupt gzip stream or tar header surfaces as an error from the iteration, never as silently
 * missing data. Only regular files are yielded; anything else (links, devices, directories) is
 * reported to the caller by its type so the verifier can refuse it.
 */
import { isAscii } from 'node:buffer';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';

export interface BundleEntry {
  readonly name: string;
  readonly size: number;
  readonly type: string;
  readonly stream: AsyncIterable<Buffer>;
}

export async function* readBundleEntries(input: Readable): AsyncGenerator<BundleEntry> {
  const ex = extract();
  let failure: Error | undefined;
  pipeline(input, createGunzip({ chunkSize: 512 * 1024 }), ex, (e) => {
    if (e !== null && e !== undefined) failure = e;
  });
  try {
    for await (const entry of ex) {
      yield {
        name: entry.header.name,
        size: entry.header.size ?? 0,
        type: entry.header.type ?? 'file',
        stream: entry as AsyncIterable<Buffer>,
      };
      // Whatever the caller did not read must still be drained before the next header.
      entry.resume();
    }
  } finally {
    ex.destroy();
  }
  if (failure !== undefined) throw failure;
}

/**
 * Feeds every chunk to `onBytes` (for hashing) and every complete line, without its "\n", to
 * `onLine` (UTF-8 decoded). A final line without "\n" is delivered too. A line longer than
 * `maxLineBytes` (an untrusted file could otherwise make us hold all of it) stops line delivery;
 * the rest is still read and hashed, because leaving a tar entry early would break the stream.
 * Returns a problem description, or undefined.
 */
export async function forEachLine(
  stream: AsyncIterable<Buffer>,
  maxLineBytes: number,
  onBytes: (chunk: Buffer) => void,
  onLine: (line: string) => void,
): Promise<string | undefined> {
  const lines = new LineSplitter(maxLineBytes, (b, start, end) =>
    onLine(b.toString('utf8', start, end)),
  );
  for await (const chunk of stream) {
    onBytes(chunk);
    lines.push(chunk);
  }
  return lines.end();
}

/**
 * forEachLine's line splitting, fed chunk by chunk (the events worker receives its bytes as
 * messages, not as a stream), and giving each line as bytes [start, end) of a buffer (valid only
 * during the call) for readers that work on bytes. Same rules: a line over `maxLineBytes` stops
 * line delivery. Only a line that straddles two chunks is copied.
 */
export class LineSplitter {
  private carry: Buffer | undefined;
  private problem: string | undefined;

  /**
   * `plain` tells a byte reader that the whole chunk the line is in is ASCII without a backslash,
   * found by one native scan per chunk instead of one per line (canonical-line-bytes.ts).
   */
  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (bytes: Buffer, start: number, end: number, plain: boolean) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.problem !== undefined) return;
    let start = 0;
    if (this.carry !== undefined) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.keep(Buffer.concat([this.carry, chunk]));
        return;
      }
      const line = Buffer.concat([this.carry, chunk.subarray(0, nl)]);
      this.carry = undefined;
      this.onLine(line, 0, line.length, false);
      start = nl + 1;
    }
    const plain = isAscii(chunk) && chunk.indexOf(0x5c) < 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      this.onLine(chunk, start, nl, plain);
      start = nl + 1;
    }
    this.keep(chunk.subarray(start));
  }

  /** Delivers a final line without "\n"; returns the problem, if any. */
  end(): string | undefined {
    if (this.problem === undefined && this.carry !== undefined && this.carry.length > 0)
      this.onLine(this.carry, 0, this.carry.length, false);
    this.carry = undefined;
    return this.problem;
  }

  /** Holds the start of a line the next chunk ends (a copy: the caller may reuse its chunk). */
  private keep(rest: Buffer): void {
    if (rest.length > this.maxLineBytes) {
      this.problem = `a line is longer than ${this.maxLineBytes} bytes`;
      this.carry = undefined;
      return;
    }
    this.carry = rest.length === 0 ? undefined : Buffer.from(rest);
  }
}

/** Reads a whole (small) entry into memory, refusing more than `maxBytes`. */
export async function readSmallEntry(
  stream: AsyncIterable<Buffer>,
  maxBytes: number,
): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let total = 0;
  // Read to the end even when too big: leaving a tar entry early would break the stream.
  for await (const chunk of stream) {
    total += chunk.length;
    if (total <= maxBytes) parts.push(chunk);
  }
  return total > maxBytes ? undefined : Buffer.concat(parts);
}
