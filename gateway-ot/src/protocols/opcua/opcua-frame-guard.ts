/**
 * A check of the OPC UA TCP framing (Part 6 §7.1.2) on the bytes an operator sends, before any of
 * them reach the broker's OPC UA server: the first message is one Hello, every chunk header names a
 * client message type (HEL, OPN, MSG, CLO) with a chunk type that type allows, and every chunk and
 * every reassembled message stays under the broker's sizes. Split and coalesced TCP segments are
 * handled; the guard keeps only the few header bytes it needs, never a whole message.
 *
 * Not guaranteed: that a message's body decodes, or that a secured chunk's signature is right
 * (the chunks are encrypted end to end to the broker's server, which checks both and closes the
 * channel on failure). This is a cheap first filter, not the parser.
 */

export type FrameVerdict =
  | { readonly kind: 'ok' }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'limit'; readonly reason: string };

export interface FrameGuardLimits {
  /** Largest single chunk, header included (the receive buffer the broker's server offers). */
  readonly maxChunkBytes: number;
  /** Largest message, summed over its chunks. */
  readonly maxMessageBytes: number;
}

export interface FrameGuard {
  /** Feeds the next bytes; after a verdict other than ok the guard stays failed. */
  push(bytes: Uint8Array): FrameVerdict;
}

const HEADER_BYTES = 8;
/** A Hello is 32 bytes of fields plus an endpoint URL of at most 4096 bytes (Part 6 §7.1.2.3). */
const MAX_HELLO_BYTES = 32 + 4096;
const CHUNK_TYPES: Readonly<Record<string, ReadonlySet<string>>> = {
  HEL: new Set(['F']),
  OPN: new Set(['F']),
  MSG: new Set(['F', 'C', 'A']),
  CLO: new Set(['F']),
};
/** The same table keyed by the four header bytes (type and chunk type) read as one integer, so a
 * chunk that passes costs no string: strings are made only to name a refusal. */
const ALLOWED_HEADS: ReadonlySet<number> = new Set(
  Object.entries(CHUNK_TYPES).flatMap(([type, chunks]) =>
    [...chunks].map((c) => Buffer.from(type + c, 'latin1').readUInt32LE(0)),
  ),
);
const HEL = Buffer.from('HEL', 'latin1').readUIntLE(0, 3);

export function createFrameGuard(limits: FrameGuardLimits): FrameGuard {
  const header = Buffer.alloc(HEADER_BYTES);
  let headerFill = 0;
  /** Body bytes of the current chunk still to skip. */
  let remaining = 0;
  let hasHello = false;
  let messageBytes = 0;
  let failed: FrameVerdict | undefined;

  /** Why the header's type and chunk type are refused (only called when they are). */
  const refusedHead = (): FrameVerdict => {
    const type = header.toString('latin1', 0, 3);
    const chunk = header.toString('latin1', 3, 4);
    return CHUNK_TYPES[type] === undefined
      ? { kind: 'malformed', reason: `unknown message type ${JSON.stringify(type)}` }
      : { kind: 'malformed', reason: `chunk type ${JSON.stringify(chunk)} not valid for ${type}` };
  };

  const checkHeader = (): FrameVerdict => {
    if (!ALLOWED_HEADS.has(header.readUInt32LE(0))) return refusedHead();
    const isHello = header.readUIntLE(0, 3) === HEL;
    const isFinal = header[3] !== 0x43; // 'C': an intermediate chunk of a longer message
    const size = header.readUInt32LE(4);
    if (size < HEADER_BYTES)
      return { kind: 'malformed', reason: `chunk size ${size} smaller than its header` };
    if (!hasHello) {
      if (!isHello)
        return {
          kind: 'malformed',
          reason: `first message is ${header.toString('latin1', 0, 3)}, not HEL`,
        };
      if (size < 32 || size > MAX_HELLO_BYTES)
        return { kind: 'malformed', reason: `Hello of ${size} bytes` };
      hasHello = true;
    } else if (isHello) {
      return { kind: 'malformed', reason: 'a second Hello on the same connection' };
    }
    if (size > limits.maxChunkBytes)
      return { kind: 'limit', reason: `chunk of ${size} bytes over ${limits.maxChunkBytes}` };
    messageBytes += size;
    if (messageBytes > limits.maxMessageBytes)
      return { kind: 'limit', reason: `message over ${limits.maxMessageBytes} bytes` };
    if (isFinal) messageBytes = 0;
    remaining = size - HEADER_BYTES;
    return { kind: 'ok' };
  };

  return {
    push(bytes) {
      if (failed !== undefined) return failed;
      let offset = 0;
      while (offset < bytes.length) {
        if (remaining > 0) {
          const skip = Math.min(remaining, bytes.length - offset);
          remaining -= skip;
          offset += skip;
          continue;
        }
        const take = Math.min(HEADER_BYTES - headerFill, bytes.length - offset);
        header.set(bytes.subarray(offset, offset + take), headerFill);
        headerFill += take;
        offset += take;
        if (headerFill < HEADER_BYTES) break;
        headerFill = 0;
        const verdict = checkHeader();
        if (verdict.kind !== 'ok') {
          failed = verdict;
          return verdict;
        }
      }
      return { kind: 'ok' };
    },
  };
}
