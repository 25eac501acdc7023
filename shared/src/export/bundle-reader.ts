/**
 * Reading a bundle (tar.gz) as a stream of entries, and an entry as a stream of lines, with bounded
 * memory: nothing is extracted to disk, only one chunk and one partial line are held at a time.
 * A corrupt gzip stream or tar header surfaces as an error from the iteration, never as silently
 * missing data. Only regular files are yielded; anything else (links, devices, directories) is
 * reported to the caller by its type so the verifier can refuse it.
 */
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
  pipeline(input, createGunzip(), ex, (e) => {
    if (e !== null && e !== undefined) failure = e;
  });
  try {
    for await (const entry of ex) {
      yield { name: entry.header.name, size: entry.header.size ?? 0, type: entry.header.type ?? 'file', stream: entry as AsyncIterable<Buffer> };
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
export async function forEachLine(stream: AsyncIterable<Buffer>, maxLineBytes: number, onBytes: (chunk: Buffer) => void, onLine: (line: string) => void): Promise<string | undefined> {
  let carry: Buffer | undefined;
  let problem: string | undefined;
  for await (const chunk of stream) {
    onBytes(chunk);
    if (problem !== undefined) continue;
    let buf = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      onLine(buf.toString('utf8', start, nl));
      start = nl + 1;
    }
    buf = buf.subarray(start);
    if (buf.length > maxLineBytes) {
      problem = `a line is longer than ${maxLineBytes} bytes`;
      carry = undefined;
      continue;
    }
    carry = buf.length === 0 ? undefined : Buffer.from(buf);
  }
  if (problem === undefined && carry !== undefined && carry.length > 0) onLine(carry.toString('utf8'));
  return problem;
}

/** Reads a whole (small) entry into memory, refusing more than `maxBytes`. */
export async function readSmallEntry(stream: AsyncIterable<Buffer>, maxBytes: number): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let total = 0;
  // Read to the end even when too big: leaving a tar entry early would break the stream.
  for await (const chunk of stream) {
    total += chunk.length;
    if (total <= maxBytes) parts.push(chunk);
  }
  return total > maxBytes ? undefined : Buffer.concat(parts);
}
